"""Suppression by state: right before sending, a message whose reason no longer holds on the
freshly read member is dropped (voucher used, points spent, tier lost ...)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.clock import add_months
from domain.member import Member
from domain.messaging.decide import DeferReason, Outcome, SuppressReason
from domain.messaging.journeys import (
    AtRisk,
    Enrolled,
    Intent,
    PointsExpiring,
    Purchased,
    TierReached,
    VoucherExpiring,
)
from domain.messaging.journeys.kind import EXPIRING_SOON
from domain.messaging.policy import MessagingPolicy
from domain.messaging.reasons import why_not
from domain.messaging.triggers import intents_on_sweep
from tests.unit.messaging_support import EMAIL, decide_now, demo_policy, profile
from tests.unit.support import (
    T0,
    Ids,
    adjust,
    buy,
    demo_program,
    enrolled,
    give_back,
    redeem,
    settled,
    use,
)

DAY = timedelta(days=1)


def reason_still_holds(intent: Intent, member: Member, now: datetime) -> bool:
    return why_not(intent, member, now, demo_program()) is None


def reminders_due(member: Member, policy: MessagingPolicy, now: datetime) -> tuple[Intent, ...]:
    """What the hourly reminder sweep finds in the member."""
    return intents_on_sweep(EXPIRING_SOON, member, policy, now, demo_program())


def with_coffee_voucher(ids: Ids) -> Member:
    return redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member


def test_a_voucher_used_in_store_cancels_its_reminder() -> None:
    ids = Ids()
    member = with_coffee_voucher(ids)
    (voucher,) = member.rewards
    due = voucher.expires_at - 7 * DAY
    reminder = Intent(member.id, VoucherExpiring(voucher.id), due)
    assert reason_still_holds(reminder, member, due)
    # when the member uses the voucher at the till, after the reminder was scheduled
    member = use(member, voucher.code, due - DAY, ids).member
    # then the re-read member no longer justifies it: suppressed, and staff see why
    decision = decide_now(member, reminder, profile(member, EMAIL), due)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.REASON_GONE)
    assert decision.detail == f"voucher {voucher.code} was used in store-1"


def test_an_expired_voucher_has_no_reminder_even_before_housekeeping_ran() -> None:
    ids = Ids()
    member = with_coffee_voucher(ids)
    reminder = Intent(member.id, VoucherExpiring(member.rewards[0].id), T0)
    # the stored voucher is still ACTIVE, but its expiry has passed
    assert (
        why_not(reminder, member, T0 + 31 * DAY, demo_program()) == "voucher CODE-2345 has expired"
    )


def test_points_spent_cancel_their_expiry_reminder_but_a_partial_spend_does_not() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "200", T0, ids).member
    (batch,) = member.batches
    reminder = Intent(member.id, PointsExpiring(batch.id), T0)
    # a coffee (150) leaves 50 of the 200: still worth a reminder
    partly = redeem(member, "coffee", T0 + DAY, ids).member
    assert reason_still_holds(reminder, partly, T0 + DAY)
    # spending the rest removes the batch: the reminder is dropped
    spent = replace(partly, batches=())
    assert not reason_still_holds(reminder, spent, T0 + DAY)


def test_a_tier_lost_at_requalification_cancels_the_upgrade_message() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    assert reason_still_holds(upgrade, member, T0)
    year_later = add_months(T0, 12) + DAY
    bronze = settled(member, year_later, ids)
    assert bronze.tier.code == "BRONZE"
    assert why_not(upgrade, bronze, year_later, demo_program()) == "tier is now BRONZE"


def test_a_new_order_cancels_the_win_back() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    scored = T0 + 80 * DAY
    win_back = Intent(member.id, AtRisk(scored), scored)
    assert reason_still_holds(win_back, member, scored)
    back = buy(member, "o2", "20", scored + DAY, ids).member
    assert not reason_still_holds(win_back, back, scored + DAY)


def test_a_member_merged_into_another_gets_nothing_under_the_old_id() -> None:
    member = replace(enrolled(Ids()), merged_into="mbr9")
    welcome = Intent(member.id, Enrolled(), T0)
    assert why_not(welcome, member, T0, demo_program()) == "member was merged into mbr9"


def test_a_receipt_for_a_fully_returned_order_is_dropped() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    receipt = Intent(member.id, Purchased("o1", "40", "EUR", "40"), T0)
    assert why_not(receipt, member, T0, demo_program()) is None
    # a partial return keeps the receipt; a full one drops it
    partly = give_back(member, "o1", "15", T0, ids).member
    assert why_not(receipt, partly, T0, demo_program()) is None
    returned = give_back(partly, "o1", "25", T0, ids).member
    assert why_not(receipt, returned, T0, demo_program()) == "order o1 was returned"


def test_a_reminder_is_due_lead_days_before_the_expiry_and_not_before() -> None:
    ids = Ids()
    member = with_coffee_voucher(ids)  # expires T0 + 30 days; the demo reminds 7 days before
    (voucher,) = member.rewards
    assert reminders_due(member, demo_policy(), T0 + 22 * DAY) == ()
    (due,) = reminders_due(member, demo_policy(), T0 + 23 * DAY)
    assert (due.reason, due.due_at) == (VoucherExpiring(voucher.id), T0 + 23 * DAY)
    assert reminders_due(member, demo_policy(), T0 + 30 * DAY) == ()
    # asked again the next day, the same intent (same key): no second message
    (again,) = reminders_due(member, demo_policy(), T0 + 24 * DAY)
    assert again.key == due.key


def test_a_reminder_decided_before_it_is_due_waits() -> None:
    ids = Ids()
    member = with_coffee_voucher(ids)
    (voucher,) = member.rewards
    reminder = Intent(member.id, VoucherExpiring(voucher.id), T0 + 23 * DAY)
    decision = decide_now(member, reminder, profile(member, EMAIL), T0 + 22 * DAY)
    assert (decision.outcome, decision.cause, decision.until) == (
        Outcome.DEFER,
        DeferReason.NOT_YET_DUE,
        T0 + 23 * DAY,
    )
