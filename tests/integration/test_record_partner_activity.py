"""recordPartnerActivity through GraphQL on both stores: a linked member earns at the
partner's own rate, once per activity id (a retry replays, never counts twice), within the
partner's monthly budget, which concurrent calls never exceed; a partner token records for
its own partner only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.clock import SettableClock
from tests.conftest import Api, backends
from tests.demo_programs import NO_HOLD
from tests.integration.cron import app_with
from tests.integration.partners import (
    EARN,
    activity,
    earned,
    linked,
    looked_up,
    partner_token,
)
from tests.integration.steps import enrolled

BEN = "mbr_demo_ben"
BUDGET = 1000


async def test_an_amount_earns_at_the_partners_rate_once_per_activity(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-1")

    first = await earned(
        api, "skyways", "SKY-1", "booking-1", amount="123.45", description="flight PAR-JFK"
    )
    again = await earned(
        api, "skyways", "SKY-1", "booking-1", amount="123.45", description="flight PAR-JFK"
    )

    assert first["__typename"] == "PartnerActivityRecorded", first
    assert first["entry"]["kind"] == "PARTNER_EARNED"
    assert first["entry"]["points"] == 246  # 2 a EUR, rounded down, no tier multiplier
    assert first["entry"]["partner"] == "skyways"
    assert first["entry"]["channel"] == "PARTNER"
    assert first["entry"]["reason"] == "Skyways Airlines flight PAR-JFK (booking-1)"
    assert again == first  # the retry replays the first result
    assert (await looked_up(api, "skyways", "SKY-1", "balance"))["balance"] == 320 + 246


async def test_an_activity_id_sent_again_with_other_input_is_refused(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-2")
    await earned(api, "skyways", "SKY-2", "b-2", amount="10")

    changed = await earned(api, "skyways", "SKY-2", "b-2", amount="99")

    assert changed["code"] == "IDEMPOTENCY_KEY_REUSED", changed
    assert (await looked_up(api, "skyways", "SKY-2", "balance"))["balance"] == 340


async def test_activity_ids_are_the_partners_own(api: Api) -> None:
    other = await enrolled(api, "eve@example.com")
    await linked(api, BEN, "skyways", "SKY-3")
    await linked(api, other["id"], "skyways", "SKY-4")
    await linked(api, BEN, "dashfood", "D-3")

    await earned(api, "skyways", "SKY-3", "order-9", points=100)
    for_another = await earned(api, "skyways", "SKY-4", "order-9", points=100)
    at_dashfood = await earned(api, "dashfood", "D-3", "order-9", points=100)

    assert for_another["code"] == "ACTIVITY_ALREADY_RECORDED", for_another
    assert at_dashfood["__typename"] == "PartnerActivityRecorded", at_dashfood


async def test_what_a_partner_may_report_is_checked(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-5")
    await linked(api, BEN, "dashfood", "D-5")

    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("skyways", "SKY-5", {"points": 5001}, "points"),
        ("skyways", "SKY-5", {"points": 0}, "points"),
        ("skyways", "SKY-5", {"amount": "0.40"}, "amount"),  # worth no point
        ("skyways", "SKY-5", {"amount": "1", "points": 2}, "amount"),
        ("skyways", "SKY-5", {}, "amount"),
        ("dashfood", "D-5", {"amount": "20"}, "amount"),  # dashfood reports points only
        ("skyways", "SKY-5", {"amount": "-3"}, "amount"),
    ]
    for partner, external_id, given, field in cases:
        refused = await earned(api, partner, external_id, "a-5", **given)
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", field), (given, refused)
    assert (await looked_up(api, "skyways", "SKY-5", "balance"))["balance"] == 320


async def test_only_linked_members_earn_and_only_for_the_tokens_partner(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-6")

    unlinked = await earned(api, "skyways", "SKY-404", "a-6", points=10)
    variables = activity("skyways", "SKY-6", "a-6", points=10)
    as_dashfood = await api.error_code(EARN, variables, partner_token(api, "dashfood"))
    as_pos = await api.error_code(EARN, variables, api.pos)

    assert unlinked["code"] == "MEMBER_NOT_LINKED"
    assert (as_dashfood, as_pos) == ("FORBIDDEN", "FORBIDDEN")


def small_budget_program(directory: Path) -> Path:
    """The demo program with skyways' monthly budget at BUDGET points."""
    text = NO_HOLD.read_text().replace("monthly_budget = 200000", f"monthly_budget = {BUDGET}")
    path = directory / "small-budget.toml"
    path.write_text(text)
    return path


@pytest.fixture(params=backends())
async def small(
    request: pytest.FixtureRequest, clock: SettableClock, tmp_path: Path
) -> AsyncIterator[Api]:
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with app_with(clock, url, program=small_budget_program(tmp_path), demo=True) as api:
        yield api


async def test_concurrent_activities_never_exceed_the_monthly_budget(small: Api) -> None:
    api = small
    members = [(await enrolled(api, f"flyer{n}@example.com"))["id"] for n in range(4)]
    for n, member_id in enumerate(members):
        await linked(api, member_id, "skyways", f"FLY-{n}")

    # 30 activities of 100 points at once, over 4 members, against a budget of 1000.
    results = await asyncio.gather(
        *(earned(api, "skyways", f"FLY-{n % 4}", f"trip-{n}", points=100) for n in range(30))
    )
    # Each one again: replays, which take nothing more from the budget.
    replays = await asyncio.gather(
        *(earned(api, "skyways", f"FLY-{n % 4}", f"trip-{n}", points=100) for n in range(30))
    )

    kinds = [r["__typename"] for r in results]
    assert kinds.count("PartnerActivityRecorded") == BUDGET // 100, kinds
    assert kinds.count("PartnerBudgetExhausted") == 30 - BUDGET // 100, kinds
    assert {r["left"] for r in results if r["__typename"] == "PartnerBudgetExhausted"} == {0}
    recorded = [r for r in results if r["__typename"] == "PartnerActivityRecorded"]
    assert [r for r in replays if r["__typename"] == "PartnerActivityRecorded"] == recorded
    balances = [
        (await looked_up(api, "skyways", f"FLY-{n}", "balance"))["balance"] for n in range(4)
    ]
    assert sum(balances) == BUDGET


async def test_the_budget_is_a_calendar_month_s(small: Api, clock: SettableClock) -> None:
    api = small
    await linked(api, BEN, "skyways", "SKY-M")
    spent = await earned(api, "skyways", "SKY-M", "m-1", points=BUDGET)
    over = await earned(api, "skyways", "SKY-M", "m-2", points=1)
    clock.current = clock.current.replace(month=clock.current.month + 1, day=1, hour=12)

    next_month = await earned(api, "skyways", "SKY-M", "m-2", points=1)

    assert spent["__typename"] == "PartnerActivityRecorded", spent
    assert (over["__typename"], over["left"]) == ("PartnerBudgetExhausted", 0)
    assert next_month["__typename"] == "PartnerActivityRecorded", next_month
