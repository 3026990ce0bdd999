"""Identifiers are normalised before any lookup, so a customer matches however they type."""

from __future__ import annotations

import pytest

from domain.channel import Channel
from domain.commands import EnrollMember, RawIdentifier
from domain.enrollment import MAX_IDENTIFIERS, validate_enrollment
from domain.errors import ErrorCode, InvalidInput
from domain.identity import Identifier, IdentifierKind, normalise_identifier
from tests.unit.support import demo_program

EMAIL, PHONE, CARD = IdentifierKind.EMAIL, IdentifierKind.PHONE, IdentifierKind.POS_CARD


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (EMAIL, "  Ana.Martin@Example.COM ", "ana.martin@example.com"),
        (PHONE, "06 12 34 56 78", "+33612345678"),
        (PHONE, "0033 6 12 34 56 78", "+33612345678"),
        (PHONE, "+1 650-253-0000", "+16502530000"),
        (CARD, "1234 5678-abcd", "12345678ABCD"),
        (IdentifierKind.APP_DEVICE, " device-42 ", "device-42"),
        (IdentifierKind.EXTERNAL, "crm:00042", "crm:00042"),
    ],
)
def test_identifiers_are_normalised(kind: IdentifierKind, typed: str, stored: str) -> None:
    assert normalise_identifier(kind, typed, "FR") == Identifier(kind, stored)


def test_the_default_region_reads_a_national_number() -> None:
    # the same digits are a UK number when the program's region is GB
    assert normalise_identifier(PHONE, "020 7946 0958", "GB").value == "+442079460958"


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        (EMAIL, "ana@"),
        (EMAIL, "ana example.com"),
        (EMAIL, "ana@localhost"),
        (PHONE, "12"),
        (PHONE, "call me"),
        (PHONE, "+33 1"),
        (CARD, "12"),
        (CARD, "ABCD!234"),
        (CARD, "X" * 33),
        (IdentifierKind.WEB_COOKIE, "two words"),
        (IdentifierKind.EXTERNAL, "   "),
        (IdentifierKind.EXTERNAL, "x" * 257),
    ],
)
def test_bad_identifiers_are_refused(kind: IdentifierKind, typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_identifier(kind, typed, "FR")
    assert refused.value.code is ErrorCode.INVALID_INPUT
    assert refused.value.field == "identifier.value"


def test_the_lookup_key_names_the_kind() -> None:
    assert Identifier(EMAIL, "ana@example.com").key == "EMAIL:ana@example.com"


def test_enrollment_keeps_one_of_each_identifier_however_typed() -> None:
    cmd = EnrollMember(
        (
            RawIdentifier(EMAIL, "Ana@Example.com"),
            RawIdentifier(PHONE, "06 12 34 56 78"),
            RawIdentifier(EMAIL, " ana@example.com"),
            RawIdentifier(PHONE, "+33612345678"),
        ),
        "Ana",
        Channel.WEB,
    )
    assert validate_enrollment(cmd, demo_program()) == (
        Identifier(EMAIL, "ana@example.com"),
        Identifier(PHONE, "+33612345678"),
    )


@pytest.mark.parametrize("count", [0, MAX_IDENTIFIERS + 1])
def test_enrollment_needs_between_one_and_twenty_identifiers(count: int) -> None:
    raw = tuple(RawIdentifier(CARD, f"CARD{n:04d}") for n in range(count))
    with pytest.raises(InvalidInput) as refused:
        validate_enrollment(EnrollMember(raw, None, Channel.POS), demo_program())
    assert refused.value.field == "identifiers"
