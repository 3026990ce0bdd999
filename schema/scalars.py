"""Scalars whose parsing is the domain's business.

`Decimal` keeps its name and description in the contract, but an input amount reaches the
resolver as the text the client sent (`Amount`): Python's Decimal() would otherwise have
turned "1_000", Arabic-Indic or fullwidth digits into numbers before any rule could refuse
them. `domain.validation.parse_amount` decides what an amount is, and refuses the rest as
INVALID_INPUT naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NewType

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

Amount = NewType("Amount", str)


def _amount_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise StrawberryInputCoercionError('an amount is a string of digits, like "42.50"')
    return value if isinstance(value, str) else str(value)


DECIMAL = ScalarDefinition(
    name="Decimal",
    description="Decimal (fixed-point)",
    specified_by_url=None,
    serialize=str,
    parse_value=_amount_text,
    parse_literal=None,
    origin=Decimal,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {Decimal: DECIMAL, Amount: DECIMAL}
