"""Burning points: soonest-expiring first, never overdrawn; vouchers used once, before expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from domain.clock import add_months
from domain.codes import CODE_ALPHABET
from domain.errors import (
    ErrorCode,
    InsufficientPoints,
    InvalidInput,
    RewardNotActive,
    RewardNotFound,
    RewardUnavailable,
)
from domain.ledger import EntryKind
from domain.member import RewardStatus
from domain.redemption import new_voucher_code, normalise_voucher_code
from tests.unit.support import T0, Ids, adjust, buy, enrolled, expiry_of, redeem, settled, use


def test_redeeming_spends_the_soonest_expiring_points_first() -> None:
    ids = Ids()
    # given 100 points earned at T0 and 100 a month later
    member = buy(enrolled(ids), "o1", "100", T0, ids).member
    member = buy(member, "o2", "100", add_months(T0, 1), ids).member
    # when a coffee (150) is redeemed
    change = redeem(member, "coffee", add_months(T0, 1), ids)
    # then what is left is 50 points of the later batch
    assert [(b.points, b.expires_at) for b in change.member.batches] == [
        (50, expiry_of(add_months(T0, 1)))
    ]
    (entry,) = change.entries
    assert (entry.kind, entry.points) == (EntryKind.REDEEMED, -150)


def test_redeeming_issues_an_active_voucher_with_the_rewards_validity() -> None:
    ids = Ids()
    member = adjust(enrolled(ids), 300, T0, ids).member
    change = redeem(member, "coffee", T0, ids)
    (voucher,) = change.member.rewards
    assert (voucher.reward_id, voucher.cost, voucher.status) == ("coffee", 150, RewardStatus.ACTIVE)
    assert voucher.expires_at == T0 + timedelta(days=30)
    assert change.member_reward_id == voucher.id
    assert change.member.idempotency[-1].member_reward_id == voucher.id


def test_a_gold_reward_keeps_its_own_voucher_validity() -> None:
    ids = Ids()
    gold = buy(enrolled(ids), "o1", "5000", T0, ids).member
    (voucher,) = redeem(gold, "lounge-pass", T0, ids).member.rewards
    assert voucher.expires_at == T0 + timedelta(days=90)


def test_redeeming_the_whole_balance_leaves_zero() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "150", T0, ids).member
    assert redeem(member, "coffee", T0, ids).member.balance == 0


def test_redeeming_never_overdraws() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "149", T0, ids).member
    with pytest.raises(InsufficientPoints) as refused:
        redeem(member, "coffee", T0, ids)
    assert (refused.value.needed, refused.value.balance) == (150, 149)
    assert refused.value.code is ErrorCode.INSUFFICIENT_POINTS


def test_expired_points_cannot_be_spent() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "200", T0, ids).member
    with pytest.raises(InsufficientPoints):
        redeem(member, "coffee", expiry_of(T0), ids)


def test_a_gold_reward_is_unavailable_below_gold() -> None:
    ids = Ids()
    # given a BRONZE member with enough goodwill points for the lounge pass
    member = adjust(enrolled(ids), 3000, T0, ids).member
    with pytest.raises(RewardUnavailable) as refused:
        redeem(member, "lounge-pass", T0, ids)
    assert refused.value.message == "Airport lounge pass is for Gold members and above"


def test_an_unknown_reward_is_not_found() -> None:
    ids = Ids()
    with pytest.raises(RewardNotFound):
        redeem(adjust(enrolled(ids), 300, T0, ids).member, "yacht", T0, ids)


def test_voucher_codes_are_two_groups_of_four_from_the_unambiguous_alphabet() -> None:
    shape = re.compile(rf"^[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}$")
    codes = {new_voucher_code() for _ in range(500)}
    assert all(shape.match(code) for code in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert len(codes) > 490  # random, not a fixed sequence


@pytest.mark.parametrize("typed", ["abcd2345", "ABCD 2345", " abcd-2345 ", "ab cd-23 45"])
def test_a_typed_voucher_code_is_normalised(typed: str) -> None:
    assert normalise_voucher_code(typed) == "ABCD-2345"


@pytest.mark.parametrize("typed", ["ABC-2345", "ABCD-23456", "ABCD_2345", "", "ÄBCD-2345"])
def test_a_malformed_voucher_code_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_voucher_code(typed)


def test_a_voucher_is_used_once() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    code = member.rewards[0].code
    # when the voucher is used at the till (typed in lower case)
    used = use(member, code.lower(), T0 + timedelta(days=1), ids)
    (voucher,) = used.member.rewards
    assert (voucher.status, voucher.used_at, voucher.used_store_id) == (
        RewardStatus.USED,
        T0 + timedelta(days=1),
        "store-1",
    )
    assert (used.entries[0].kind, used.entries[0].points) == (EntryKind.REWARD_USED, 0)
    assert used.member.balance == 150
    # then a second use is refused
    with pytest.raises(RewardNotActive) as refused:
        use(used.member, code, T0 + timedelta(days=2), ids)
    assert refused.value.message == f"voucher {code} is used"


def test_an_expired_voucher_cannot_be_used() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    code = member.rewards[0].code
    # a second before its expiry it still works
    use(member, code, T0 + timedelta(days=30, seconds=-1), ids)
    # at its expiry, settling marks it expired and the points are not refunded
    expired = settled(member, T0 + timedelta(days=30), ids)
    assert expired.rewards[0].status is RewardStatus.EXPIRED
    assert expired.balance == 150
    with pytest.raises(RewardNotActive):
        use(expired, code, T0 + timedelta(days=30), ids)


def test_an_unknown_voucher_code_is_not_found() -> None:
    ids = Ids()
    with pytest.raises(RewardNotFound):
        use(enrolled(ids), "ABCD-2345", T0, ids)
