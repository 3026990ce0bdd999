"""A cart of lines: each line earns on its own, the amount is their sum, and a return names
lines and quantities and takes back what those lines earned, never more."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import (
    MemberRef,
    PurchaseLine,
    RecordPurchase,
    ReturnLine,
    ReturnPurchase,
    fingerprint,
)
from domain.earning import record_purchase, validate_purchase
from domain.errors import InvalidInput, ReturnExceedsPurchase
from domain.events import Change
from domain.member import Member, OrderRecord
from domain.returns import return_purchase, validate_return
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, give_back, settled

CART = (
    PurchaseLine("COF-1", "COFFEE", 3, Decimal("2.30")),
    PurchaseLine("MUG-1", "HOME", 2, Decimal("9.99")),
    PurchaseLine("GIFT-25", "GIFT_CARD", 1, Decimal("25.00"), earns=False),
)


def order_of(lines: tuple[PurchaseLine, ...], amount: str | None = None) -> RecordPurchase:
    total = None if amount is None else Decimal(amount)
    member = MemberRef(id="mbr_1")
    return RecordPurchase(member, "o-1", total, "EUR", Channel.POS, "store-1", "k-1", lines)


def bought(member: Member, ids: Ids, lines: tuple[PurchaseLine, ...] = CART) -> Change:
    program = demo_program()
    cmd = validate_purchase(order_of(lines), program)
    return record_purchase(member, cmd, program, T0, ids)


def brought_back(
    member: Member, order: OrderRecord, ids: Ids, *lines: tuple[str, int], amount: str | None = None
) -> Change:
    program = demo_program()
    key = f"r-{len(member.idempotency)}"
    returned = tuple(ReturnLine(sku, quantity) for sku, quantity in lines)
    total = None if amount is None else Decimal(amount)
    cmd = validate_return(ReturnPurchase("o-1", total, key, lines=returned), program)
    return return_purchase(settled(member, T0, ids), order, cmd, program, T0, ids)


def test_a_cart_earns_per_line_and_records_each_lines_points() -> None:
    ids = Ids()
    change = bought(enrolled(ids), ids)

    assert change.order is not None
    assert [(line.sku, line.points) for line in change.order.lines] == [
        ("COF-1", 6),  # 6.90 at BRONZE x1, rounded down on its own
        ("MUG-1", 19),  # 19.98
        ("GIFT-25", 0),  # earns nothing
    ]
    assert change.order.amount == Decimal("51.88")  # the gift card counts in the amount
    assert change.entries[0].points == change.member.balance == 25


def test_the_amount_must_be_the_sum_of_the_lines_when_both_are_given() -> None:
    program = demo_program()

    assert validate_purchase(order_of(CART, "51.88"), program).amount == Decimal("51.88")
    with pytest.raises(InvalidInput, match=r"sum of the lines, 51\.88") as wrong:
        validate_purchase(order_of(CART, "50.00"), program)
    assert wrong.value.field == "amount"


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ((), "amount"),  # neither an amount nor lines
        ((PurchaseLine("A", "X", 0, Decimal("1")),), "lines[0].quantity"),
        ((PurchaseLine("A", "X", 1, Decimal("1.001")),), "lines[0].unitPrice"),
        ((PurchaseLine("A", "X", 1, Decimal("0")),), "lines[0].unitPrice"),
        ((PurchaseLine(" ", "X", 1, Decimal("1")),), "lines[0].sku"),
        ((PurchaseLine("A", "", 1, Decimal("1")),), "lines[0].category"),
        (
            (PurchaseLine("A", "X", 1, Decimal("1")), PurchaseLine("A", "X", 2, Decimal("1"))),
            "lines",
        ),
    ],
)
def test_a_bad_line_is_refused_naming_it(lines: tuple[PurchaseLine, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_purchase(order_of(lines), demo_program())
    assert refused.value.field == field


def test_a_return_by_line_takes_back_what_those_units_earned() -> None:
    ids = Ids()
    purchase = bought(enrolled(ids), ids)
    assert purchase.order is not None

    one_mug = brought_back(purchase.member, purchase.order, ids, ("MUG-1", 1))
    two_coffees = brought_back(one_mug.member, purchase.order, ids, ("COF-1", 2))

    assert one_mug.entries[0].points == -9  # half of the mugs' 19, rounded down
    assert one_mug.entries[0].reason == "returned 1 \u00d7 MUG-1 (9.99 EUR) of 51.88"
    assert two_coffees.entries[0].points == -4  # two thirds of 6, rounded down
    assert two_coffees.member.balance == 25 - 9 - 4


def test_returning_every_unit_in_parts_takes_back_exactly_the_orders_points() -> None:
    ids = Ids()
    purchase = bought(enrolled(ids), ids)
    assert purchase.order is not None
    member = purchase.member

    for sku, quantity in [("COF-1", 1), ("MUG-1", 1), ("COF-1", 1), ("GIFT-25", 1)]:
        member = brought_back(member, purchase.order, ids, (sku, quantity)).member
    member = brought_back(member, purchase.order, ids, ("COF-1", 1), ("MUG-1", 1)).member

    assert member.balance == 0
    (returned,) = member.returns
    assert returned.amount == purchase.order.amount and returned.points == 25


def test_a_return_cannot_take_more_units_than_the_line_had() -> None:
    ids = Ids()
    purchase = bought(enrolled(ids), ids)
    assert purchase.order is not None
    after = brought_back(purchase.member, purchase.order, ids, ("MUG-1", 1)).member

    with pytest.raises(ReturnExceedsPurchase, match="had 2 of MUG-1; 1 can still be returned"):
        brought_back(after, purchase.order, ids, ("MUG-1", 2))


@pytest.mark.parametrize(
    ("lines", "amount", "field"),
    [
        ((("TEA-1", 1),), None, "lines[0].sku"),  # not on the order
        ((), "9.99", "lines"),  # recorded with lines: name them
        ((("MUG-1", 1),), "5.00", "amount"),  # not what a mug cost
    ],
)
def test_a_return_that_does_not_fit_the_order_is_refused(
    lines: tuple[tuple[str, int], ...], amount: str | None, field: str
) -> None:
    ids = Ids()
    purchase = bought(enrolled(ids), ids)
    assert purchase.order is not None

    with pytest.raises(InvalidInput) as refused:
        brought_back(purchase.member, purchase.order, ids, *lines, amount=amount)
    assert refused.value.field == field


def test_an_order_recorded_as_an_amount_is_returned_by_amount_only() -> None:
    ids = Ids()
    purchase = buy(enrolled(ids), "o-1", "40.00", T0, ids)
    assert purchase.order is not None and purchase.order.lines == ()

    with pytest.raises(InvalidInput) as refused:
        brought_back(purchase.member, purchase.order, ids, ("COF-1", 1))

    assert refused.value.field == "lines"
    assert give_back(purchase.member, "o-1", "10.00", T0, ids).entries[0].points == -10


def digest_of(amount: str, **more: object) -> str:
    """The digest of `order_of`'s request as its canonical JSON spells it."""
    said = {
        "member": {"id": "mbr_1", "identifier": None},
        "order_id": "o-1",
        "amount": amount,
        "currency": "EUR",
        "channel": "POS",
        "store_id": "store-1",
        "idempotency_key": "k-1",
        **more,
    }
    canonical = json.dumps([said], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def test_a_request_without_lines_has_the_digest_it_had_before_lines_existed() -> None:
    # Stored digests tell a replay from a reused key across upgrades: a field added later
    # is left out while empty, so the canonical form is the one made before it.
    cmd = validate_purchase(order_of((), "42.50"), demo_program())

    assert fingerprint(cmd) == digest_of("42.50")
    assert fingerprint(validate_purchase(order_of(CART), demo_program())) != fingerprint(cmd)


def test_a_cart_has_the_digest_of_what_its_lines_say() -> None:
    # A line's total is worked out from the line, not said by the request: the digest of a
    # cart is the one its lines gave before the total was kept on the line.
    cmd = validate_purchase(order_of(CART), demo_program())
    lines = [
        {"sku": "COF-1", "category": "COFFEE", "quantity": 3, "unit_price": "2.30", "earns": True},
        {"sku": "MUG-1", "category": "HOME", "quantity": 2, "unit_price": "9.99", "earns": True},
        {"sku": "GIFT-25", "category": "GIFT_CARD", "quantity": 1, "unit_price": "25.00"}
        | {"earns": False},
    ]

    assert fingerprint(cmd) == digest_of("51.88", lines=lines)
    assert cmd.lines[1].total == Decimal("19.98")


def test_a_cart_of_what_earns_nothing_records_its_lines_and_no_points() -> None:
    ids = Ids()
    gift_cards = (PurchaseLine("GIFT-25", "GIFT_CARD", 2, Decimal("25.00"), earns=False),)

    change = bought(enrolled(ids), ids, gift_cards)

    assert change.order is not None
    assert [(line.sku, line.points) for line in change.order.lines] == [("GIFT-25", 0)]
    assert change.member.balance == 0 and change.order.amount == Decimal("50.00")
