"""The demo members, loaded by two instances starting at once on one database (as two
`tessera serve --demo` do): both start, and the members are as one instance makes them. And
what `make run` shows on the demo program: its 14-day hold, beside demo members whose own
points (bought before the hold) are spendable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.demo import DEMO_MEMBER_IDS, load_demo
from app.settings import DEMO_PROGRAM, Settings
from app.wiring import Tessera
from domain.clock import SettableClock
from domain.commands import MemberRef
from domain.handlers.members import current
from tests.conftest import SECRET, Api, backends, running_app
from tests.integration.graphql import by_id, countdown
from tests.integration.steps import bought, redeemed

ADA, BEN = DEMO_MEMBER_IDS[:2]
HELD = """query($ref: MemberRef!) { member(ref: $ref) { balance pendingBalance
  countdowns { kind label pointsRemaining deadline } } }"""


async def demo_state(tessera: Tessera) -> list[tuple[Any, ...]]:
    """Each demo member as a reader sees it (held points that are due released on the read),
    with its vouchers and ledger entries: a demo loaded twice, or a purchase recorded by
    both loaders, would have more of them. Not the version: how many saves the background
    jobs make on the way depends on how they interleave, not on the load."""
    state = []
    for member_id in DEMO_MEMBER_IDS:
        member = await current(tessera.ports, MemberRef(id=member_id))
        entries = await tessera.ports.ledger.history((member.id,), 100, None)
        state.append((member.id, member.balance, len(member.rewards), len(entries.entries)))
    return state


async def test_two_instances_loading_the_demo_at_once_make_it_once(clock: SettableClock) -> None:
    settings = Settings(secret=SECRET, demo=False)
    alone = Tessera.build(settings, clock=clock)
    first = Tessera.build(settings, clock=clock)
    second = Tessera.build(settings, clock=clock, client=first.client)  # one database
    for tessera in (alone, first):
        await tessera.stock.ensure(tessera.program)

    await load_demo(alone.ports)
    await asyncio.gather(load_demo(first.ports), load_demo(second.ports))
    # The messages the loads queued read their members, which releases the points held on
    # the second purchases: compare when that is done on both sides.
    for tessera in (alone, first, second):
        assert tessera.worker is not None
        await tessera.worker.idle()

    assert await demo_state(first) == await demo_state(alone)
    assert len(await demo_state(first)) == 3


@pytest.fixture(params=backends())
async def make_run(request: pytest.FixtureRequest, clock: SettableClock) -> AsyncIterator[Api]:
    """The app as `make run` starts it: the demo program as shipped, and its members."""
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with (
        running_app(clock, mongodb_url=url, program=DEMO_PROGRAM) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://tessera.test"
        ) as http,
    ):
        yield Api(http, app.state.tessera, app.state.persisted)


async def held_view(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(HELD, {"ref": by_id(member_id)}))["member"]
    return found


async def test_the_demo_holds_a_purchase_beside_spendable_demo_points(
    make_run: Api, clock: SettableClock
) -> None:
    # given `make run`'s demo: Ada bought (and redeemed a coffee) before the hold
    ada = await held_view(make_run, ADA)

    # when she buys now, and Ben, who has not been read since he bought, redeems
    earned = await bought(make_run, ADA, "T-1001", "42.50")
    coffee = await redeemed(make_run, BEN, "coffee", "demo-test-ben")
    again = await redeemed(make_run, ADA, "coffee", "demo-test-ada")

    # then the purchase is pending 14 days, and the demo members' points are spendable
    assert make_run.tessera.program.pending_days == 14
    assert (ada["balance"], ada["pendingBalance"]) == (1150, 0)
    assert countdown(ada, "POINTS_PENDING") is None
    assert earned["entry"]["points"] == 53
    shown = await held_view(make_run, ADA)
    assert (shown["balance"], shown["pendingBalance"]) == (1000, 53)
    pending = countdown(shown, "POINTS_PENDING")
    assert pending is not None and pending["pointsRemaining"] == 53
    assert pending["deadline"].startswith((clock.now() + timedelta(days=14)).date().isoformat())
    assert coffee["__typename"] == "RewardRedeemed", coffee
    assert again["__typename"] == "RewardRedeemed", again
    assert (await held_view(make_run, BEN))["balance"] == 320 - 150
