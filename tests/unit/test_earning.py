"""Earning on purchases and clawing back on returns, in proportion and to the exact point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase, ReturnPurchase
from domain.earn_rules.base_rate import points_for
from domain.earning import validate_purchase
from domain.errors import (
    ErrorCode,
    InvalidInput,
    OrderNotFound,
    ReturnExceedsPurchase,
    UnsupportedCurrency,
)
from domain.ledger import EntryKind
from domain.returns import validate_return
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, give_back, redeem


def purchase_cmd(amount: str, currency: str = "EUR") -> RecordPurchase:
    return RecordPurchase(
        MemberRef(id="mbr1"), "o1", Decimal(amount), currency, Channel.POS, None, "k1"
    )


@pytest.mark.parametrize(
    ("amount", "tier", "points"),
    [
        ("10.99", "BRONZE", 10),
        ("10.99", "SILVER", 13),  # 13.7375
        ("33.33", "GOLD", 49),  # 49.995
        ("0.99", "BRONZE", 0),
        ("1000000", "GOLD", 1_500_000),
    ],
)
def test_points_are_the_floor_of_amount_times_rate_times_multiplier(
    amount: str, tier: str, points: int
) -> None:
    assert points_for(Decimal(amount), demo_program(), tier) == points


def test_a_purchase_earns_a_batch_valid_for_12_months_and_an_earned_entry() -> None:
    ids = Ids()
    change = buy(enrolled(ids), "o1", "42.50", T0, ids)
    (earned,) = change.member.batches
    # good through 15 January 2026 in Paris: its last millisecond there
    expires = datetime(2026, 1, 15, 22, 59, 59, 999_000, tzinfo=UTC)
    assert (earned.points, earned.earned_at, earned.expires_at) == (42, T0, expires)
    (entry,) = change.entries
    assert (entry.kind, entry.points, entry.order_id, entry.store_id) == (
        EntryKind.EARNED,
        42,
        "o1",
        "store-1",
    )
    assert change.entry_id == entry.id


def test_another_currency_is_refused() -> None:
    with pytest.raises(UnsupportedCurrency) as refused:
        validate_purchase(purchase_cmd("10", "USD"), demo_program())
    assert refused.value.code is ErrorCode.UNSUPPORTED_CURRENCY


def test_the_currency_code_is_read_case_insensitively() -> None:
    assert validate_purchase(purchase_cmd("10", "eur"), demo_program()).currency == "EUR"


@pytest.mark.parametrize(
    "amount", ["0", "0.00", "-5", "NaN", "Infinity", "10.001", "1000000.01", "1E+7"]
)
def test_an_invalid_amount_is_refused(amount: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_purchase(purchase_cmd(amount), demo_program())
    assert refused.value.field == "amount"


@pytest.mark.parametrize(("typed", "kept"), [("1000000", "1000000.00"), ("12.5", "12.50")])
def test_a_valid_amount_is_kept_exactly_at_the_currency_precision(typed: str, kept: str) -> None:
    validated = validate_purchase(purchase_cmd(typed), demo_program())
    assert str(validated.amount) == kept


def test_a_return_amount_is_validated_like_a_purchase() -> None:
    with pytest.raises(InvalidInput):
        validate_return(ReturnPurchase("o1", Decimal("-1"), "k"), demo_program())


def test_partial_returns_add_up_to_exactly_the_orders_points() -> None:
    ids = Ids()
    # given a 10.00 EUR order that earned 10 points, and 5 more points elsewhere
    member = buy(enrolled(ids), "o1", "10.00", T0, ids).member
    member = buy(member, "o2", "5", T0, ids).member
    # when it comes back in three parts
    reversed_points = []
    for part in ("3.33", "3.33", "3.34"):
        change = give_back(member, "o1", part, T0 + timedelta(days=1), ids)
        member = change.member
        reversed_points.append(-change.entries[0].points)
    # then floor(3.33) = 3, floor(6.66) - 3 = 3, 10 - 6 = 4: exactly 10 in all
    assert reversed_points == [3, 3, 4]
    returned = member.returned("o1")
    assert returned is not None
    # and the day's qualifying points keep only o2's
    assert (returned.amount, returned.points, member.activity[0].qualifying_points) == (
        Decimal("10.00"),
        10,
        5,
    )
    assert member.balance == 5


def test_a_return_is_clawed_back_from_its_orders_batch_first() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "100", T0, ids).member
    member = buy(member, "o2", "100", T0 + timedelta(days=1), ids).member
    # when half of the later order comes back
    member = give_back(member, "o2", "50", T0 + timedelta(days=2), ids).member
    # then the earlier (sooner-expiring) batch is untouched
    assert sorted(b.points for b in member.batches) == [50, 100]


def test_returning_more_than_was_bought_is_refused() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "100", T0, ids).member
    member = give_back(member, "o1", "60", T0, ids).member
    with pytest.raises(ReturnExceedsPurchase) as refused:
        give_back(member, "o1", "40.01", T0, ids)
    assert "40.00 EUR can still be returned" in refused.value.message
    assert refused.value.code is ErrorCode.RETURN_EXCEEDS_PURCHASE


def test_returning_an_unknown_order_is_refused() -> None:
    ids = Ids()
    with pytest.raises(OrderNotFound):
        give_back(enrolled(ids), "nope", "1", T0, ids)


def test_a_return_after_spending_leaves_a_debt_that_the_next_purchase_repays() -> None:
    ids = Ids()
    # given 500 points from an order, all spent on a tote bag
    member = buy(enrolled(ids), "o1", "500", T0, ids).member
    member = redeem(member, "tote-bag", T0, ids).member
    assert member.balance == 0
    # when the order is returned in full, then the balance goes 500 below zero
    member = give_back(member, "o1", "500", T0 + timedelta(days=1), ids).member
    assert member.balance == -500
    assert [(b.points, b.expires_at) for b in member.batches] == [(-500, None)]
    # when 800 points are earned next, then 300 are left
    member = buy(member, "o2", "800", T0 + timedelta(days=2), ids).member
    assert member.balance == 300
    assert [b.points for b in member.batches] == [300]


def test_an_order_past_the_return_window_cannot_be_returned() -> None:
    ids = Ids()
    # given an order and a 365-day return window
    member = buy(enrolled(ids), "o1", "100", T0, ids).member
    assert demo_program().return_window_days == 365
    # when it is returned 400 days later, then it is refused
    with pytest.raises(OrderNotFound):
        give_back(member, "o1", "100", T0 + timedelta(days=400), ids)
