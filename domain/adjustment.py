"""Goodwill and corrections by the call center, always with a reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.commands import AdjustPoints, fingerprint
from domain.errors import InsufficientPoints, InvalidInput
from domain.events import Change
from domain.expiry import kept_alive, new_batch
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, add, take
from domain.member import IdempotencyRecord, Member
from domain.program import Program
from domain.validation import MAX_ADJUSTMENT, require_key, require_text


def validate_adjustment(cmd: AdjustPoints) -> AdjustPoints:
    if cmd.points == 0:
        raise InvalidInput("points", "must not be zero")
    if abs(cmd.points) > MAX_ADJUSTMENT:
        raise InvalidInput("points", f"at most {MAX_ADJUSTMENT} either way")
    return replace(
        cmd,
        reason=require_text("reason", cmd.reason, 500),
        idempotency_key=require_key(cmd.idempotency_key),
    )


def adjust_points(
    member: Member, cmd: AdjustPoints, program: Program, now: datetime, new_id: NewId
) -> Change:
    """Credits are a new batch (not qualifying); debits spend like a redemption, never overdraw."""
    if cmd.points > 0:
        # Points credited count as activity under the inactivity policy: they get a full term.
        batches = add(kept_alive(member.batches, program, now), new_batch(cmd.points, program, now))
    else:
        if member.balance < -cmd.points:
            raise InsufficientPoints(-cmd.points, member.balance, member.pending_balance)
        batches = take(member.batches, -cmd.points)
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.ADJUSTED,
        cmd.points,
        now,
        channel=cmd.channel,
        reason=cmd.reason,
    )
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
    after = remember(replace(member, batches=batches), request)
    return Change(after, (entry,), EntryKind.ADJUSTED, cmd.channel, None, entry.id)
