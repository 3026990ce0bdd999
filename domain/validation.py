"""Input rules shared by commands: every bad value is refused before anything changes.

Text must be something every store and every client can hold: Unicode scalar values only
(a lone UTF-16 surrogate, sent as the JSON escape "\\ud800", cannot be encoded as UTF-8 or
BSON, so it would fail half-way through a command), no control characters, and a bounded
length. Ids, codes and keys are stricter: no invisible formatting characters either (bidi
marks, zero-width joiners), so that two ids that look the same are the same.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from domain.errors import InvalidInput

MAX_AMOUNT = Decimal("1000000")
MAX_ADJUSTMENT = 1_000_000
MAX_ID_LENGTH = 64
MAX_KEY_LENGTH = 128

# Categories no text may hold: surrogates and control characters (C0, DEL, C1).
_NEVER = frozenset({"Cs", "Cc"})
# Ids, codes and keys also refuse what cannot be seen or is not yet a character.
_NEVER_IN_IDS = _NEVER | {"Cf", "Zl", "Zp", "Co", "Cn"}
# ASCII digits only, at most one point: Python's Decimal() also takes "1_000", Arabic-Indic
# and fullwidth digits, "1e3", " 5 " and "NaN", none of which a till means as an amount.
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


def text_problem(value: str, strict: bool = False) -> str | None:
    """Why `value` cannot be stored as text (None when it can); `strict` for ids and keys."""
    if value.isascii():  # the common case, and a fast one
        return "must not contain control characters" if _has_ascii_control(value) else None
    refused = _NEVER_IN_IDS if strict else _NEVER
    for character in value:
        category = unicodedata.category(character)
        if category in refused:
            if category == "Cs":
                return "must be valid Unicode text (it holds a lone surrogate)"
            if category == "Cc":
                return "must not contain control characters"
            return "must not contain invisible, private-use or unassigned characters"
    return None


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _has_ascii_control(value: str) -> bool:
    return _ASCII_CONTROL.search(value) is not None


def _checked(field: str, value: str, max_length: int, strict: bool) -> str:
    if len(value) > max_length:  # before anything reads the whole of a long value
        raise InvalidInput(field, f"at most {max_length} characters")
    problem = text_problem(value, strict)
    if problem is not None:
        raise InvalidInput(field, problem)
    text = value.strip()
    if not text:
        raise InvalidInput(field, "must not be empty")
    return text


def require_text(field: str, value: str, max_length: int) -> str:
    """Free text written by people (a reason, a name): any printable Unicode."""
    return _checked(field, value, max_length, strict=False)


def optional_text(field: str, value: str | None, max_length: int) -> str | None:
    return None if value is None or not value.strip() else require_text(field, value, max_length)


def require_id(field: str, value: str, max_length: int = MAX_ID_LENGTH) -> str:
    """An id, code or key: visible characters only, trimmed, not empty."""
    return _checked(field, value, max_length, strict=True)


def optional_id(field: str, value: str | None, max_length: int = MAX_ID_LENGTH) -> str | None:
    """Absent is fine; given, it must be a real id (a blank store id is not "no store")."""
    return None if value is None else require_id(field, value, max_length)


def require_key(value: str) -> str:
    return require_id("idempotencyKey", value, MAX_KEY_LENGTH)


def parse_amount(field: str, text: str, decimals: int) -> Decimal:
    """An amount as typed: ASCII digits, at most one point, at most `decimals` after it."""
    if len(text) > 32 or not _AMOUNT.fullmatch(text):
        raise InvalidInput(field, "an amount is ASCII digits with at most one '.', like 42.50")
    return require_amount(field, Decimal(text), decimals)


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
