"""cancel_redemption, pure: the points go back where they came from; a voucher issued before
redemptions recorded that gets its points back as new ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.cancellation import cancel_redemption, validate_cancellation
from domain.clock import add_months
from domain.commands import CancelRedemption
from domain.errors import InvalidInput
from domain.ledger import batch_for
from domain.member import RewardStatus
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, expiry_of, redeem


def test_a_redemption_records_what_it_took_from_each_batch_and_a_cancel_puts_it_back() -> None:
    ids = Ids()
    first = buy(enrolled(ids), "o-1", "100", T0, ids).member
    later = T0 + timedelta(days=40)
    both = buy(first, "o-2", "100", later, ids).member
    redeemed = redeem(both, "coffee", later, ids)

    assert [(b.id, b.points) for b in redeemed.paid_from] == [
        (batch_for(add_months(T0, 12)), 100),  # the soonest-expiring first (Paris days)
        (batch_for(add_months(later, 12)), 50),
    ]
    (voucher,) = redeemed.member.rewards
    cmd = validate_cancellation(CancelRedemption(voucher.code, None, "c-1"))
    cancelled = cancel_redemption(
        redeemed.member, cmd, redeemed.paid_from, demo_program(), later, ids
    )

    assert set(cancelled.member.batches) == set(both.batches)
    assert cancelled.member.rewards[0].status is RewardStatus.CANCELLED


def test_a_voucher_from_before_gets_its_points_back_as_new_points() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o-1", "200", T0, ids).member
    redeemed = redeem(member, "coffee", T0, ids).member
    legacy = replace(redeemed, rewards=(replace(redeemed.rewards[0], entry_id=None),))
    now = T0 + timedelta(days=10)
    cmd = validate_cancellation(CancelRedemption(None, legacy.rewards[0].id, "c-1"))

    cancelled = cancel_redemption(legacy, cmd, None, demo_program(), now, ids)

    assert cancelled.member.balance == 200
    assert {b.expires_at for b in cancelled.member.batches} == {
        expiry_of(T0),
        expiry_of(now),  # the program's validity, from the cancel
    }


@pytest.mark.parametrize(("code", "member_reward_id"), [(None, None), ("ABCD-2345", "rwd_1")])
def test_a_cancel_names_its_voucher_one_way(code: str | None, member_reward_id: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_cancellation(CancelRedemption(code, member_reward_id, "c-1"))
    assert refused.value.field == "code"
