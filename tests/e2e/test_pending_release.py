"""A release of pending points by the expiry sweep reaches a subscriber over a real
WebSocket as a POINTS_RELEASED update, on both stores (`pending_days = 14`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import GraphQLRequest

from domain.clock import SettableClock
from tests.conftest import Api, backends, running_app
from tests.e2e.conftest import serving, subscriber
from tests.integration.cron import ran, settled
from tests.integration.graphql import ENROLL, by_id
from tests.integration.held_program import held_program
from tests.integration.steps import bought

UPDATES = """subscription($ref: MemberRef!) { memberUpdated(ref: $ref) {
  version cause { kind } member { version balance pendingBalance
  countdowns { kind pointsRemaining } } } }"""


async def next_of(updates: Any) -> dict[str, Any]:
    async with asyncio.timeout(5):
        result: dict[str, Any] = (await anext(updates))["memberUpdated"]
        return result


@pytest.mark.parametrize("store", backends())
async def test_the_sweep_pushes_the_release(
    request: pytest.FixtureRequest, store: str, clock: SettableClock, tmp_path: Path
) -> None:
    url = request.getfixturevalue("mongodb_url") if store == "mongodb" else None
    settings = {"demo": False, "cron_interval_seconds": 3600, "program": held_program(tmp_path)}
    async with (
        running_app(clock, mongodb_url=url, **settings) as app,
        serving(app) as live,
        httpx.AsyncClient(base_url=f"http://{live}") as http,
    ):
        api = Api(http, app.state.tessera)
        card = {"kind": "POS_CARD", "value": "4000-7777-0001"}
        enroll = {"input": {"identifiers": [card], "channel": "POS"}}
        member_id = (await api.data(ENROLL, enroll))["enrollMember"]["member"]["id"]
        await bought(api, member_id, "o-1", "64.00")
        await settled(api)

        async with subscriber(live, api.pos) as session:
            request_ = GraphQLRequest(UPDATES, variable_values={"ref": by_id(member_id)})
            updates = session.subscribe(request_)
            snapshot = await next_of(updates)
            clock.advance(timedelta(days=14, hours=1))
            assert await ran(api, "expire_due") == 1
            released = await next_of(updates)

    assert snapshot["cause"]["kind"] == "SNAPSHOT"
    assert (snapshot["member"]["balance"], snapshot["member"]["pendingBalance"]) == (0, 64)
    assert released["cause"]["kind"] == "POINTS_RELEASED"
    assert released["version"] == snapshot["version"] + 1
    assert (released["member"]["balance"], released["member"]["pendingBalance"]) == (64, 0)
    kinds = {c["kind"] for c in released["member"]["countdowns"]}
    assert "POINTS_PENDING" not in kinds and "POINTS_EXPIRY" in kinds
