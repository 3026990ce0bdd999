"""Given-steps for the expiry tests: an app under a chosen `[expiry]` section, and the clock
moved to a moment."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from domain.clock import SettableClock
from tests.conftest import Api
from tests.demo_programs import NO_HOLD
from tests.integration.cron import app_with


@asynccontextmanager
async def under(
    clock: SettableClock, store: str | None, tmp_path: Path, expiry: str = ""
) -> AsyncIterator[Api]:
    """The app with the demo program and this `[expiry]` section (none: the demo's rolling
    12 months), whose months replace `points_validity_months`."""
    text = NO_HOLD.read_text()
    if expiry:
        text = re.sub(r"(?m)^points_validity_months = .*\n", "", text)
        text = re.sub(r"(?ms)^\[expiry\]\n.*?\n\n", "", text) + f"\n[expiry]\n{expiry}\n"
    program = tmp_path / "expiry.toml"
    program.write_text(text)
    async with app_with(clock, store, program=program) as api:
        yield api


async def move_to(clock: SettableClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())
