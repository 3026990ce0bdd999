"""An order's lines as the ledger keeps them (one compact text): read back exactly as
recorded, and entries recorded before (one sub-document per line) still read the same."""

from __future__ import annotations

from decimal import Decimal

from domain.member import LineRecord
from storage.entry_records import lines_doc, lines_from_doc

LINES = (
    LineRecord("COF-250", "COFFEE", 2, Decimal("6.40"), True, 12),
    LineRecord("GIFT-€50", "GIFT_CARD", 1, Decimal("50.000"), False, 0),  # not ASCII
)


def test_lines_read_back_exactly_as_recorded() -> None:
    stored = lines_doc(LINES)

    assert isinstance(stored, str)
    assert lines_from_doc(stored) == LINES
    assert str(lines_from_doc(stored)[1].unit_price) == "50.000"  # the price as given


def test_lines_recorded_as_sub_documents_read_the_same() -> None:
    legacy = [
        {
            "sku": n.sku,
            "category": n.category,
            "quantity": n.quantity,
            "unit_price": str(n.unit_price),
            "earns": n.earns,
            "points": n.points,
        }
        for n in LINES
    ]

    assert lines_from_doc(legacy) == LINES
