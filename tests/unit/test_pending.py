"""Pending points (`pending_days = 14`): a purchase's points are held, not spendable, shown
as the pending balance with a POINTS_PENDING countdown, taken first by a return inside the
hold, released when the hold ends (spendable for a full validity from then), pooled by a
merge, and counted towards the tier at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.adjustment import adjust_points, validate_adjustment
from domain.channel import Channel
from domain.commands import AdjustPoints, MemberRef, RecordPurchase, ReturnPurchase
from domain.countdowns import CountdownKind, countdowns_for
from domain.earning import record_purchase, validate_purchase
from domain.errors import InsufficientPoints
from domain.events import Change
from domain.housekeeping import next_due, settle
from domain.ledger import EntryKind, PointBatch
from domain.member import Member, OrderRecord
from domain.merging import absorb, freeze
from domain.pending import PendingPoints, claw_back_held, hold, release_due, take_held
from domain.program import ProgramError, load_program
from domain.returns import return_purchase, validate_return
from domain.view import member_view
from tests.unit.support import PROGRAM_FILE, T0, Ids, demo_program, enrolled, expiry_of

HELD = replace(demo_program(), pending_days=14)
DAY = timedelta(days=1)


def at(member: Member, days: float, ids: Ids) -> Change:
    return settle(member, HELD, T0 + timedelta(days=days), ids)


def bought(member: Member, order_id: str, amount: str, days: float, ids: Ids) -> Change:
    now = T0 + timedelta(days=days)
    cmd = RecordPurchase(
        MemberRef(id=member.id), order_id, Decimal(amount), "EUR", Channel.POS, None, order_id
    )
    cmd = validate_purchase(cmd, HELD)
    return record_purchase(at(member, days, ids).member, cmd, HELD, now, ids)


def returned(member: Member, order: OrderRecord, amount: str, days: float, ids: Ids) -> Change:
    key = f"return-{order.order_id}-{days}"
    cmd = validate_return(ReturnPurchase(order.order_id, Decimal(amount), key), HELD)
    now = T0 + timedelta(days=days)
    return return_purchase(at(member, days, ids).member, order, cmd, HELD, now, ids)


def test_a_purchase_holds_its_points_with_a_countdown_and_counts_towards_the_tier() -> None:
    ids = Ids()
    change = bought(enrolled(ids), "o-1", "1200", 0, ids)
    member = change.member

    assert (member.balance, member.pending_balance) == (0, 1200)
    assert member.tier.code == "SILVER"  # qualifying points count at the purchase
    view = member_view(member, HELD, T0)
    assert (view.balance, view.pending_balance) == (0, 1200)
    pending = {c.kind: c for c in countdowns_for(member, HELD, T0)}[CountdownKind.POINTS_PENDING]
    assert (pending.points_remaining, pending.deadline) == (1200, T0 + 14 * DAY)
    assert pending.label == "1200 pending points spendable from 2025-01-29"
    assert change.entries[0].kind is EntryKind.EARNED and change.entries[0].points == 1200
    assert change.entries[0].reason is not None
    assert change.entries[0].reason.endswith("pending until 2025-01-29 12:00 UTC")
    assert next_due(member) == T0 + 14 * DAY


def test_held_points_cannot_be_spent() -> None:
    ids = Ids()
    member = bought(enrolled(ids), "o-1", "500", 0, ids).member
    cmd = validate_adjustment(AdjustPoints(MemberRef(id=member.id), -100, "correction", "k-1"))

    with pytest.raises(InsufficientPoints):
        adjust_points(member, cmd, HELD, T0, ids)


def test_the_hold_ends_in_one_release_spendable_for_a_full_validity() -> None:
    ids = Ids()
    member = bought(enrolled(ids), "o-1", "300", 0, ids).member
    member = bought(member, "o-2", "200", 0.4, ids).member  # same release day: one hold
    assert len(member.pending) == 1

    before = at(member, 14.2, ids)  # o-1's hold has ended, o-2's not: the day's hold waits
    after = at(member, 14.5, ids)

    assert before.member.pending_balance == 500 and not before.entries
    assert (after.member.balance, after.member.pending_balance) == (500, 0)
    assert after.cause is EntryKind.POINTS_RELEASED
    (entry,) = after.entries
    assert (entry.kind, entry.points) == (EntryKind.POINTS_RELEASED, 0)
    (batch,) = after.member.batches
    assert batch.expires_at == expiry_of(T0 + 14.4 * DAY, HELD)  # from the release
    # Released once: settling again changes nothing.
    again = settle(after.member, HELD, T0 + 15 * DAY, ids)
    assert again.member == after.member and not again.entries


def test_a_return_inside_the_hold_takes_the_held_points_first() -> None:
    ids = Ids()
    first = bought(enrolled(ids), "o-1", "100", 0, ids)
    member = at(first.member, 20, ids).member  # o-1 released: 100 spendable
    second = bought(member, "o-2", "300", 20, ids)
    assert second.order is not None

    change = returned(second.member, second.order, "120", 21, ids)

    assert (change.member.balance, change.member.pending_balance) == (100, 180)
    assert change.entries[-1].points == -120


def test_a_return_after_the_release_takes_from_the_batches_as_before() -> None:
    ids = Ids()
    first = bought(enrolled(ids), "o-1", "100", 0, ids)
    assert first.order is not None
    second = bought(first.member, "o-2", "300", 10, ids)  # held until day 24

    change = returned(second.member, first.order, "100", 15, ids)  # o-1 released day 14

    assert (change.member.balance, change.member.pending_balance) == (0, 300)


def test_a_return_short_of_spendable_points_takes_other_holds_before_a_debt() -> None:
    ids = Ids()
    first = bought(enrolled(ids), "o-1", "100", 0, ids)
    assert first.order is not None
    member = at(first.member, 14, ids).member  # released: 100 spendable
    member = adjust(member, -100, 14, ids)  # spent
    member = bought(member, "o-2", "300", 14, ids).member

    change = returned(member, first.order, "100", 15, ids)

    assert (change.member.balance, change.member.pending_balance) == (0, 200)


def test_take_held_takes_the_latest_release_first_and_drops_empty_holds() -> None:
    early = PendingPoints("pen-a", 50, T0, T0 + DAY)
    late = PendingPoints("pen-b", 30, T0, T0 + 2 * DAY)

    left, taken = take_held((early, late), 40)
    assert taken == 40 and left == (replace(early, points=40),)

    left, taken = take_held((early, late), 500, only="pen-a")
    assert taken == 50 and left == (late,)


def test_claw_back_held_leaves_for_the_batches_what_the_holds_do_not_cover() -> None:
    held = (PendingPoints("pen-a", 50, T0, T0 + DAY),)
    spendable = (PointBatch("bat-1", 20, T0, T0 + 300 * DAY),)

    assert claw_back_held(held, spendable, 30, "pen-a") == ((replace(held[0], points=20),), 0)
    # Not its own hold: the spendable 20 first, then the other hold, and 10 left to owe.
    assert claw_back_held(held, spendable, 80, "pen-x") == ((), 30)


def test_released_points_repay_a_debt_first() -> None:
    debt = (PointBatch("debt1", -30, T0, None),)
    held = hold((), 100, T0, T0 + DAY)

    left, batches, released = release_due(held, debt, demo_program(), T0 + DAY)

    assert (left, released, sum(b.points for b in batches)) == ((), 100, 70)


def test_a_merge_carries_the_held_points_over() -> None:
    ids = Ids()
    survivor = bought(enrolled(ids, "a@example.com"), "o-1", "100", 0, ids).member
    duplicate = bought(enrolled(ids, "b@example.com"), "o-2", "50", 0.2, ids).member
    duplicate = bought(duplicate, "o-3", "70", 3, ids).member

    change = absorb(survivor, freeze(duplicate, survivor.id), HELD, T0 + DAY, ids, None)

    assert change is not None
    assert change.member.pending_balance == 220
    assert len(change.member.pending) == 2  # the same release day joined
    assert "(+120 pending)" in (change.entries[0].reason or "")


def test_pending_days_is_read_from_the_program_file_and_checked() -> None:
    import tomllib

    data = tomllib.loads(PROGRAM_FILE.read_text())
    data["program"]["pending_days"] = 14
    assert load_program(data).pending_days == 14
    data["program"]["pending_days"] = -1
    with pytest.raises(ProgramError, match="pending_days"):
        load_program(data)


def adjust(member: Member, points: int, days: float, ids: Ids) -> Member:
    now = T0 + timedelta(days=days)
    cmd = validate_adjustment(AdjustPoints(MemberRef(id=member.id), points, "spent", "adj"))
    return adjust_points(at(member, days, ids).member, cmd, HELD, now, ids).member
