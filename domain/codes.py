"""Codes people read out and type: vouchers, referral codes. Eight characters of an
alphabet without 0/O, 1/I/L, shown as ABCD-2345 and read back however typed."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{8}$")


def shown(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(typed: str, field: str, what: str) -> str:
    """`typed` as the code it means (spaces, dashes and case ignored); InvalidInput on
    `field` when it cannot be one."""
    raw = re.sub(r"[\s-]", "", typed).upper()
    if not _CODE_SHAPE.match(raw):
        raise InvalidInput(field, f"a {what} is 8 letters or digits, like ABCD-2345")
    return shown(raw)
