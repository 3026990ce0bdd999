"""Input rules shared by commands: every bad value is refused before anything changes."""

from __future__ import annotations

from decimal import Decimal

from domain.errors import InvalidInput

MAX_AMOUNT = Decimal("1000000")
MAX_ADJUSTMENT = 1_000_000


def require_text(field: str, value: str, max_length: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidInput(field, f"at most {max_length} characters")
    if any(ord(ch) < 32 for ch in text):
        raise InvalidInput(field, "must not contain control characters")
    return text


def optional_text(field: str, value: str | None, max_length: int) -> str | None:
    return None if value is None or not value.strip() else require_text(field, value, max_length)


def require_amount(field: str, amount: Decimal, decimals: int) -> Decimal:
    """A positive, finite amount with no more decimals than the currency has."""
    if not amount.is_finite():
        raise InvalidInput(field, "must be a finite number")
    if amount <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if amount > MAX_AMOUNT:
        raise InvalidInput(field, f"must be at most {MAX_AMOUNT}")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise InvalidInput(field, f"at most {decimals} decimal places")
    return amount.quantize(Decimal(1).scaleb(-decimals))


def require_key(value: str) -> str:
    return require_text("idempotencyKey", value, 128)
