"""A cart's lines: checked once, priced per line, and recorded with the points each earned,
so that a return can take back a line's points and no more."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.commands import PurchaseLine, RecordPurchase
from domain.errors import InvalidInput
from domain.member import LineRecord
from domain.validation import require_amount, require_id

MAX_LINES = 500
MAX_QUANTITY = 100_000


def validate_lines(cmd: RecordPurchase, decimals: int) -> RecordPurchase:
    """The lines checked, and the amount set from them (or checked against them)."""
    if not cmd.lines:
        if cmd.amount is None:
            raise InvalidInput("amount", "give the amount, or the lines it is the sum of")
        return replace(cmd, amount=require_amount("amount", cmd.amount, decimals))
    if len(cmd.lines) > MAX_LINES:
        raise InvalidInput("lines", f"at most {MAX_LINES} lines an order")
    lines = tuple(_line(n, line, decimals) for n, line in enumerate(cmd.lines))
    skus = [line.sku for line in lines]
    if len(set(skus)) != len(skus):
        raise InvalidInput("lines", "each sku once an order, with its quantity")
    total = require_amount("amount", sum((line.total for line in lines), Decimal(0)), decimals)
    if cmd.amount is not None and require_amount("amount", cmd.amount, decimals) != total:
        raise InvalidInput("amount", f"must equal the sum of the lines, {total}")
    return replace(cmd, amount=total, lines=lines)


def as_lines(cmd: RecordPurchase) -> tuple[PurchaseLine, ...]:
    """What the earn rules price: the cart's lines, or the amount as one line that earns."""
    return cmd.lines or (PurchaseLine("", "", 1, cmd.total),)


def line_records(cmd: RecordPurchase, points: tuple[int, ...]) -> tuple[LineRecord, ...]:
    """The cart's lines with the points each earned (none for an amount-only purchase)."""
    if not cmd.lines:
        return ()
    return tuple(map(line_record, cmd.lines, points))


def line_record(line: PurchaseLine, points: int) -> LineRecord:
    return LineRecord(line.sku, line.category, line.quantity, line.unit_price, line.earns, points)


def _line(n: int, line: PurchaseLine, decimals: int) -> PurchaseLine:
    at = f"lines[{n}]"
    if not 1 <= line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"{at}.quantity", f"between 1 and {MAX_QUANTITY}")
    return PurchaseLine(
        require_id(f"{at}.sku", line.sku),
        require_id(f"{at}.category", line.category),
        line.quantity,
        require_amount(f"{at}.unitPrice", line.unit_price, decimals),
        line.earns,
    )
