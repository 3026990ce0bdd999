"""An app whose program holds purchase points (`pending_days = 14`), on either store, for
the pending-points and referral tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from domain.clock import SettableClock
from tests.conftest import Api, backends
from tests.demo_programs import demo_with_hold
from tests.integration.cron import app_with

PENDING_DAYS = 14


def held_program(directory: Path, pending_days: int = PENDING_DAYS) -> Path:
    """The demo program with `pending_days` set (the demo's own, unless told)."""
    return demo_with_hold(directory, pending_days)


@pytest.fixture(name="held", params=backends())
async def held_fixture(
    request: pytest.FixtureRequest, clock: SettableClock, tmp_path: Path
) -> AsyncIterator[Api]:
    """The held app on each store (import it where it is used)."""
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with held_app(clock, url, tmp_path) as api:
        yield api


@asynccontextmanager
async def held_app(
    clock: SettableClock, mongodb_url: str | None, directory: Path, **settings: Any
) -> AsyncIterator[Api]:
    """No demo members; the test runs the cron jobs (`tests.integration.cron`)."""
    async with app_with(clock, mongodb_url, program=held_program(directory), **settings) as api:
        yield api
