"""One identity spine: every way a customer shows up, normalised so that it matches once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidInput
from domain.validation import require_id

MAX_IDENTIFIER_LENGTH = 256
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces
_CARD = re.compile(r"^[A-Z0-9]{4,32}$")


class IdentifierKind(Enum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    APP_DEVICE = "APP_DEVICE"
    WEB_COOKIE = "WEB_COOKIE"
    POS_CARD = "POS_CARD"
    EXTERNAL = "EXTERNAL"


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value: str

    @property
    def key(self) -> str:
        """The lookup key that is unique across members."""
        return f"{self.kind.value}:{self.value}"


def normalise_identifier(kind: IdentifierKind, raw: str, default_region: str) -> Identifier:
    value = require_id("identifier.value", raw, MAX_IDENTIFIER_LENGTH)
    if kind is IdentifierKind.EMAIL:
        return Identifier(kind, _normalise_email(value))
    if kind is IdentifierKind.PHONE:
        return Identifier(kind, _normalise_phone(value, default_region))
    if kind is IdentifierKind.POS_CARD:
        card = re.sub(r"[\s-]", "", value).upper()
        if not _CARD.match(card):
            raise InvalidInput("identifier.value", "a card number is 4 to 32 letters or digits")
        return Identifier(kind, card)
    if not _TOKEN.match(value):
        raise InvalidInput("identifier.value", "printable characters without spaces only")
    return Identifier(kind, value)


def _normalise_email(value: str) -> str:
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput("identifier.value", f"not an email address ({exc})") from None
    # The whole address is compared case-insensitively, as customers type it both ways.
    return checked.normalized.lower()


def _normalise_phone(value: str, default_region: str) -> str:
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInput("identifier.value", "not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("identifier.value", "not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
