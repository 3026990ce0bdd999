"""A campaign's budget through the purchase handler, on the fakes: reserved before pricing,
what was not given handed back (a replay, a refused write), never more than the budget; and a
returned line takes its campaign points back with it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase, ReturnLine, ReturnPurchase
from domain.handlers import record_purchase, return_purchase
from tests.unit.campaign_support import COFFEE, MUG, SATURDAY, campaign, program_with
from tests.unit.fakes import World


def world_with(**settings: object) -> World:
    world = World(program=program_with(campaign(categories=["COFFEE"], **settings)))
    world.clock.current = SATURDAY
    return world


def buying(member_id: str, order: str, *lines: PurchaseLine) -> RecordPurchase:
    ref = MemberRef(id=member_id)
    return RecordPurchase(ref, order, None, "EUR", Channel.POS, "store-1", order, lines)


def test_a_purchase_takes_from_the_budget_what_its_campaign_gives() -> None:
    async def scenario() -> None:
        world = world_with(budget=70)
        member = await world.enroll()

        first = await record_purchase.handle(buying(member.id, "o-1", COFFEE, MUG), world.ports)
        second = await record_purchase.handle(buying(member.id, "o-2", COFFEE), world.ports)
        third = await record_purchase.handle(buying(member.id, "o-3", COFFEE), world.ports)

        assert [line.points for line in first.lines] == [60, 12]  # 30 base + 30 campaign
        assert [line.points for line in second.lines] == [60]
        assert [line.points for line in third.lines] == [40]  # the budget's last 10
        assert "Double points: +10 on COFFEE lines (its budget's last points)" in str(
            third.entry.reason
        )
        assert world.budgets.used == {"c1": 70}

        spent = await record_purchase.handle(buying(member.id, "o-4", COFFEE), world.ports)
        assert spent.entry.points == 30  # the base rule still earns
        assert world.budgets.used == {"c1": 70}

    asyncio.run(scenario())


def test_a_replayed_purchase_takes_nothing_more() -> None:
    async def scenario() -> None:
        world = world_with(budget=1000)
        member = await world.enroll()
        cmd = buying(member.id, "o-1", COFFEE)

        await record_purchase.handle(cmd, world.ports)
        again = await record_purchase.handle(cmd, world.ports)

        assert again.entry.points == 60
        assert world.budgets.used == {"c1": 30}

    asyncio.run(scenario())


def test_a_purchase_that_fails_to_write_gives_its_reservation_back() -> None:
    async def scenario() -> None:
        world = world_with(budget=1000)
        member = await world.enroll()

        async def database_down() -> None:
            raise ConnectionError("database down")

        world.store.before_next_save = database_down
        with pytest.raises(ConnectionError):
            await record_purchase.handle(buying(member.id, "o-1", COFFEE), world.ports)

        assert world.budgets.used == {"c1": 0}

    asyncio.run(scenario())


def test_a_member_limit_met_by_a_racing_purchase_gives_the_reservation_back() -> None:
    async def scenario() -> None:
        world = world_with(budget=1000, per_member=1)
        member = await world.enroll()

        async def racing_purchase() -> None:  # wins the race, and the member's one time
            await record_purchase.handle(buying(member.id, "o-2", COFFEE), world.ports)

        world.store.before_next_save = racing_purchase
        lost = await record_purchase.handle(buying(member.id, "o-1", COFFEE), world.ports)

        assert lost.entry.points == 30  # decided again on the winner's state: base only
        assert world.budgets.used == {"c1": 30}  # the winner's, not both

    asyncio.run(scenario())


def test_returning_a_line_takes_back_its_campaign_points() -> None:
    async def scenario() -> None:
        world = world_with()
        member = await world.enroll()
        await record_purchase.handle(buying(member.id, "o-1", COFFEE, MUG), world.ports)

        back = ReturnPurchase("o-1", None, "r-1", lines=(ReturnLine("COF-1", 1),))
        returned = await return_purchase.handle(back, world.ports)

        assert returned.entry.points == -30  # half the line's 60: 15 base, 15 campaign
        assert returned.member.balance == 42

    asyncio.run(scenario())


def test_a_bonus_on_the_order_is_returned_line_by_line() -> None:
    async def scenario() -> None:
        world = World(program=program_with({"id": "b", "name": "Bonus", "bonus": 100}))
        world.clock.current = SATURDAY
        member = await world.enroll()
        await record_purchase.handle(buying(member.id, "o-1", COFFEE, MUG), world.ports)

        back = ReturnPurchase("o-1", Decimal("12.00"), "r-1", lines=(ReturnLine("MUG-1", 1),))
        returned = await return_purchase.handle(back, world.ports)

        assert returned.entry.points == -(12 + 28)  # the mug's base points and bonus share

    asyncio.run(scenario())
