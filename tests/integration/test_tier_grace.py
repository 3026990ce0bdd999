"""Tier grace through GraphQL on both stores, with `tier_grace_days = 30` in the program
file: short at `requalifyBy`, the member keeps the tier and sees a TIER_GRACE countdown to
the end of grace; when grace ends short, the tier steps down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from domain.clock import SettableClock
from tests.conftest import Api, backends, running_app
from tests.demo_programs import NO_HOLD
from tests.integration.graphql import countdown
from tests.integration.steps import bought, enrolled, member


@pytest.fixture(params=backends())
async def graceful(
    request: pytest.FixtureRequest, clock: SettableClock, tmp_path: Path
) -> AsyncIterator[Api]:
    text = NO_HOLD.read_text().replace("tier_grace_days = 0", "tier_grace_days = 30", 1)
    assert "tier_grace_days = 30" in text
    program = tmp_path / "grace.toml"
    program.write_text(text)
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with running_app(clock, mongodb_url=url, program=program) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            yield Api(http, app.state.tessera)


async def test_short_at_the_date_the_tier_is_kept_through_grace_then_steps_down(
    graceful: Api, clock: SettableClock
) -> None:
    given = await enrolled(graceful, "grace@example.com")
    silver = (await bought(graceful, given["id"], "o-1", "1000.00"))["member"]
    date = silver["tierProgress"]["requalifyBy"]

    clock.advance(timedelta(days=376))
    in_grace = await member(graceful, given["id"])
    clock.advance(timedelta(days=21))
    after = await member(graceful, given["id"])

    assert in_grace["tier"]["code"] == "SILVER"
    grace = countdown(in_grace, "TIER_GRACE")
    assert grace is not None and grace["pointsRemaining"] == 1000
    assert grace["label"].startswith("Grace period: 1000 points by")
    assert grace["deadline"] > date  # 30 days past the date
    assert countdown(in_grace, "TIER_REQUALIFICATION") is None
    assert after["tier"]["code"] == "BRONZE"
