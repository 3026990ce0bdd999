"""A tier set by hand (a status match, a VIP, a complaint settled), until an expiry, with a
reason; audited as a TIER_CHANGED entry in the member's history.

The override is the tier held with its requalification date at the override's expiry:
while it lasts no requalification applies, and then the program's rule does, as for any
tier (kept when the points qualify, else one tier down). Points still upgrade at once
during an override, as always."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.commands import OverrideTier, fingerprint
from domain.errors import InvalidInput
from domain.events import Change
from domain.idempotency import remember
from domain.ledger import EntryKind, NewId
from domain.member import IdempotencyRecord, Member, TierStatus
from domain.program import Program
from domain.tiers import tier_changed_entry
from domain.validation import require_id, require_key, require_text

LONGEST_OVERRIDE = timedelta(days=5 * 366)


def validate_override(cmd: OverrideTier, program: Program, now: datetime) -> OverrideTier:
    code = require_id("tierCode", cmd.tier_code).upper()
    codes = [tier.code for tier in program.tiers]
    if code not in codes:
        raise InvalidInput("tierCode", f"no tier {code}; one of {', '.join(codes)}")
    if code == codes[0]:
        raise InvalidInput("tierCode", f"{code} is the entry tier, held without an expiry")
    if cmd.expires_at.tzinfo is None:
        raise InvalidInput("expiresAt", "a date and time with its offset, like 2027-03-31T23:59Z")
    if not now < cmd.expires_at <= now + LONGEST_OVERRIDE:
        raise InvalidInput("expiresAt", "in the future, and at most five years from now")
    return replace(
        cmd,
        tier_code=code,
        reason=require_text("reason", cmd.reason, 500),
        idempotency_key=require_key(cmd.idempotency_key),
    )


def override_tier(
    member: Member, cmd: OverrideTier, program: Program, now: datetime, new_id: NewId
) -> Change:
    before = member.tier.code
    until = f"{cmd.expires_at:%Y-%m-%d %H:%M} UTC"
    why = f"set by hand until {until}: {cmd.reason}"
    entry = tier_changed_entry(member.id, before, cmd.tier_code, why, now, new_id, cmd.channel)
    status = TierStatus(cmd.tier_code, now, cmd.expires_at)
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
    after = remember(replace(member, tier=status), request)
    return Change(
        after,
        (entry,),
        EntryKind.TIER_CHANGED,
        cmd.channel,
        None,
        entry.id,
        previous_tier=before if before != cmd.tier_code else None,
    )
