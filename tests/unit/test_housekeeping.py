"""When time alone changes a member: `next_due` and `next_expiry`, which the member document
stores so the scheduled jobs can find who is due with one indexed comparison."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from domain.housekeeping import due, next_due, next_expiry
from domain.member import Member, MemberReward, RewardStatus, TierStatus
from tests.unit.support import T0, Ids, batch, enrolled

DAY = timedelta(days=1)


def voucher(voucher_id: str, status: RewardStatus, expires_in: timedelta) -> MemberReward:
    return MemberReward(voucher_id, voucher_id.upper(), "coffee", 100, status, T0, T0 + expires_in)


def member_with(**changes: Any) -> Member:
    return replace(enrolled(Ids()), **changes)


def test_a_new_member_has_nothing_due() -> None:
    member = enrolled(Ids())
    assert (next_due(member), next_expiry(member)) == (None, None)
    assert not due(member, T0 + 1000 * DAY)


def test_the_earliest_of_batch_voucher_and_tier_is_due_first() -> None:
    # given points expiring in 30 days, an active voucher in 20 and a tier review in 10
    member = member_with(
        batches=(batch("b1", 50, T0 + 30 * DAY), batch("b2", 10, None)),
        rewards=(voucher("v1", RewardStatus.ACTIVE, 20 * DAY),),
        tier=TierStatus("SILVER", T0, T0 + 10 * DAY),
    )
    # then the tier review comes first, and reminders look at the voucher
    assert next_due(member) == T0 + 10 * DAY
    assert next_expiry(member) == T0 + 20 * DAY
    assert not due(member, T0 + 10 * DAY - timedelta(milliseconds=1))
    assert due(member, T0 + 10 * DAY)


def test_used_vouchers_and_spent_batches_are_not_expiries() -> None:
    # given a spent batch that still has a date, and used or expired vouchers
    member = member_with(
        batches=(batch("b1", 0, T0 + 5 * DAY), batch("b2", 20, T0 + 40 * DAY)),
        rewards=(
            voucher("v1", RewardStatus.USED, 3 * DAY),
            voucher("v2", RewardStatus.EXPIRED, 4 * DAY),
        ),
    )
    # then housekeeping still clears the spent batch's date, but nothing is lost before day 40
    assert next_due(member) == T0 + 5 * DAY
    assert next_expiry(member) == T0 + 40 * DAY
