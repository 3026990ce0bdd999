"""Enrollment and identity linking: one member, however the customer shows up."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.channel import Channel
from domain.commands import EnrollMember, RawIdentifier
from domain.errors import IdentifierTaken, InvalidInput
from domain.events import Change
from domain.identity import Identifier, normalise_identifier
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import Member
from domain.program import Program
from domain.tiers import entry_status
from domain.validation import optional_text

MAX_IDENTIFIERS = 20


def normalise_all(raw: tuple[RawIdentifier, ...], program: Program) -> tuple[Identifier, ...]:
    if not raw:
        raise InvalidInput("identifiers", "at least one identifier is needed")
    if len(raw) > MAX_IDENTIFIERS:
        raise InvalidInput("identifiers", f"at most {MAX_IDENTIFIERS}")
    unique: dict[str, Identifier] = {}
    for item in raw:
        identifier = normalise_identifier(item.kind, item.value, program.default_phone_region)
        unique.setdefault(identifier.key, identifier)
    return tuple(unique.values())


def validate_enrollment(cmd: EnrollMember, program: Program) -> tuple[Identifier, ...]:
    optional_text("displayName", cmd.display_name, 100)
    return normalise_all(cmd.identifiers, program)


def enroll_member(
    member_id: str,
    identifiers: tuple[Identifier, ...],
    cmd: EnrollMember,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> tuple[Member, LedgerEntry]:
    """A new member at version 1, on the entry tier, with its enrollment on the ledger."""
    member = Member(
        id=member_id,
        version=1,
        display_name=optional_text("displayName", cmd.display_name, 100),
        identifiers=identifiers,
        enrolled_at=now,
        enrolled_channel=cmd.channel,
        tier=entry_status(program, now),
        birthday=cmd.birthday,
        time_zone=cmd.time_zone,
    )
    entry = LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.ENROLLED,
        0,
        now,
        channel=cmd.channel,
        reason=f"enrolled with {', '.join(i.kind.value for i in identifiers)}",
    )
    return member, entry


def link_identifier(
    member: Member, identifier: Identifier, channel: Channel, now: datetime, new_id: NewId
) -> Change | None:
    """None when the member already has it: linking twice changes nothing."""
    if identifier in member.identifiers:
        return None
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.IDENTIFIER_LINKED,
        0,
        now,
        channel=channel,
        reason=f"linked {identifier.kind.value}",
    )
    after = replace(member, identifiers=(*member.identifiers, identifier))
    return Change(
        after,
        (entry,),
        EntryKind.IDENTIFIER_LINKED,
        channel,
        None,
        entry.id,
        linked=(identifier.kind,),
    )


def identifier_taken(identifier: Identifier) -> IdentifierTaken:
    return IdentifierTaken(f"{identifier.kind.value} {identifier.value} belongs to another member")
