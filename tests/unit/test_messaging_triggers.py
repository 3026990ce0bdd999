"""Which journeys a committed change starts, and the one win-back per inactive spell."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain.ledger import EntryKind
from domain.member import Member, OrderRecord
from domain.messaging.journeys import (
    AtRisk,
    ChangeSeen,
    Enrolled,
    Intent,
    Journey,
    Purchased,
    TierReached,
)
from domain.messaging.journeys.kind import EVERY_MEMBER
from domain.messaging.policy import MessagingPolicy
from domain.messaging.triggers import intents_on_change, intents_on_sweep
from domain.program import Program
from tests.unit.messaging_support import demo_policy
from tests.unit.support import T0, Ids, buy, demo_program, enrolled

DAY = timedelta(days=1)


def on_change(
    member: Member,
    cause: EntryKind,
    tier: str,
    previous_tier: str | None,
    order_id: str | None,
    program: Program,
    policy: MessagingPolicy,
    now: datetime,
) -> tuple[Intent, ...]:
    # The order as the ledger recorded it (a 25 EUR purchase).
    order = (
        None
        if order_id is None
        else OrderRecord(order_id, Decimal("25.00"), "EUR", 25, None, now, None)
    )
    seen = ChangeSeen(member, cause, tier, previous_tier, order, program)
    return intents_on_change(seen, policy, now)


def win_back_on(member: Member, policy: MessagingPolicy, now: datetime) -> Intent | None:
    """The win-back the daily sweep finds (the score is computed from `now`)."""
    found = list(intents_on_sweep(EVERY_MEMBER, member, policy, now, demo_program()))
    assert len(found) <= 1
    return found[0] if found else None


def test_enrolment_and_a_purchase_start_the_welcome_and_the_receipt() -> None:
    member = enrolled(Ids())
    program, policy = demo_program(), demo_policy()
    joined = on_change(member, EntryKind.ENROLLED, "BRONZE", None, None, program, policy, T0)
    bought = on_change(member, EntryKind.EARNED, "BRONZE", None, "o-1", program, policy, T0)
    assert [i.reason for i in joined] == [Enrolled()]
    assert [i.reason for i in bought] == [Purchased("o-1", "25.00", "EUR", "25")]


def test_only_an_upgrade_is_celebrated() -> None:
    member = enrolled(Ids())
    program, policy = demo_program(), demo_policy()
    up = on_change(member, EntryKind.EARNED, "SILVER", "BRONZE", "o-1", program, policy, T0)
    down = on_change(member, EntryKind.TIER_CHANGED, "BRONZE", "SILVER", None, program, policy, T0)
    assert [i.reason for i in up] == [Purchased("o-1", "25.00", "EUR", "25"), TierReached("SILVER")]
    assert down == ()


def test_a_journey_switched_off_raises_nothing() -> None:
    member = enrolled(Ids())
    policy = demo_policy()
    no_welcome = replace(
        policy, journeys=tuple(j for j in policy.journeys if j.journey is not Journey.WELCOME)
    )
    found = on_change(
        member, EntryKind.ENROLLED, "BRONZE", None, None, demo_program(), no_welcome, T0
    )
    assert found == ()


def test_one_win_back_per_inactive_spell() -> None:
    # given a member whose last order was 100 days ago
    ids = Ids()
    member = buy(enrolled(ids), "o-1", "30", T0, ids).member
    policy = demo_policy()
    later, next_day = T0 + 100 * DAY, T0 + 101 * DAY
    # when the score is computed on two days
    first = win_back_on(member, policy, later)
    second = win_back_on(member, policy, next_day)
    # then both find the same message (keyed by the start of the spell)
    assert first is not None and second is not None
    assert first.reason == AtRisk(T0) and first.key == second.key
    # and a member who just ordered is not at risk
    assert win_back_on(member, policy, T0 + DAY) is None
