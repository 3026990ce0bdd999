"""The member's profile: name, birthday and time zone, set at enrollment or later.

The time zone is the member's one zone: the campaigns read their local day in it (birthday
week), and messaging reads it for quiet hours (`messaging.addresses.with_addresses`). A
birthday is a date; its month and day are what rules read (the year is kept as given).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.channel import Channel
from domain.commands import EnrollMember, MemberRef, fingerprint
from domain.errors import InvalidInput
from domain.events import Change
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import IdempotencyRecord, Member
from domain.time_zones import validate_time_zone
from domain.validation import optional_text, require_id, require_key

MAX_ZONE_NAME = 64  # the longest IANA name is about half this; the rest is an attack
EARLIEST_BIRTHDAY = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class UpdateMemberProfile:
    """Set what is given; None leaves a field as it is."""

    member: MemberRef
    display_name: str | None = None
    birthday: date | None = None
    time_zone: str | None = None
    idempotency_key: str | None = None
    channel: Channel = Channel.CALL_CENTER


def checked_time_zone(name: str | None) -> str | None:
    if name is None:
        return None
    # Bounded first: the tz lookup reads a file named after the value.
    return validate_time_zone(require_id("timeZone", name, MAX_ZONE_NAME))


def checked_birthday(birthday: date | None, now: datetime) -> date | None:
    if birthday is None:
        return None
    if birthday > now.date():
        raise InvalidInput("birthday", "must not be in the future")
    if birthday < EARLIEST_BIRTHDAY:
        raise InvalidInput("birthday", f"must be on or after {EARLIEST_BIRTHDAY}")
    return birthday


def with_checked_profile(cmd: EnrollMember, now: datetime) -> EnrollMember:
    return replace(
        cmd,
        birthday=checked_birthday(cmd.birthday, now),
        time_zone=checked_time_zone(cmd.time_zone),
    )


def validate_profile_update(cmd: UpdateMemberProfile, now: datetime) -> UpdateMemberProfile:
    if cmd.display_name is None and cmd.birthday is None and cmd.time_zone is None:
        raise InvalidInput("input", "give at least one of displayName, birthday and timeZone")
    key = cmd.idempotency_key
    return replace(
        cmd,
        display_name=None
        if cmd.display_name is None
        else optional_text("displayName", cmd.display_name, 100) or "",
        birthday=checked_birthday(cmd.birthday, now),
        time_zone=checked_time_zone(cmd.time_zone),
        idempotency_key=None if key is None else require_key(key),
    )


def update_profile(
    member: Member, cmd: UpdateMemberProfile, now: datetime, new_id: NewId
) -> Change | None:
    """The member with the profile as given, audited in history; None when nothing differs
    (setting a value it has changes nothing)."""
    name = member.display_name if cmd.display_name is None else cmd.display_name or None
    after = replace(
        member,
        display_name=name,
        birthday=cmd.birthday or member.birthday,
        time_zone=cmd.time_zone or member.time_zone,
    )
    changed = [
        label
        for label, old, new in (
            ("name", member.display_name, after.display_name),
            ("birthday", member.birthday, after.birthday),
            (f"time zone {after.time_zone}", member.time_zone, after.time_zone),
        )
        if old != new
    ]
    if not changed:
        return None
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.PROFILE_CHANGED,
        0,
        now,
        channel=cmd.channel,
        reason=f"changed {', '.join(changed)}",
    )
    if cmd.idempotency_key is not None:
        request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
        after = remember(after, request)
    return Change(after, (entry,), EntryKind.PROFILE_CHANGED, cmd.channel, None, entry.id)
