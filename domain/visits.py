"""Visits: a member arriving at a store (app geofence or a QR scan) is put on the store's
screen with the live view, and the visit is kept on the ledger."""

from __future__ import annotations

from datetime import datetime

from domain.commands import CheckIn
from domain.events import Change
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import Member
from domain.validation import require_id


def validate_check_in(cmd: CheckIn) -> CheckIn:
    return CheckIn(cmd.member, require_id("storeId", cmd.store_id), cmd.channel)


def check_in(member: Member, cmd: CheckIn, now: datetime, new_id: NewId) -> Change:
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.CHECKED_IN,
        0,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
    )
    return Change(member, (entry,), EntryKind.CHECKED_IN, cmd.channel, cmd.store_id, entry.id)
