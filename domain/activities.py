"""Points for what a member does that is not a purchase (a review, a survey, an app login):
each kind the program declares gives its points at most `times` a period (ever, a UTC day,
month or year), and towards the tier only if the program says so. Not to be confused with
`domain.activity`, the purchases summed per day."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.activity import with_qualifying
from domain.commands import RecordActivity, fingerprint
from domain.errors import ActivityLimitReached, InvalidInput
from domain.events import Change
from domain.expiry import kept_alive, new_batch
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, add
from domain.member import ActivityCount, IdempotencyRecord, Member
from domain.program import Activity, ActivityPeriod, Program
from domain.tiers import tier_changed_entry, upgrade
from domain.validation import require_id


def validate_activity(cmd: RecordActivity, program: Program) -> RecordActivity:
    kind = require_id("kind", cmd.kind, 64).upper()
    if program.activity(kind) is None:
        kinds = ", ".join(a.kind for a in program.activities) or "none"
        raise InvalidInput("kind", f"no activity {kind} in the program; it has {kinds}")
    return replace(cmd, kind=kind, activity_id=require_id("activityId", cmd.activity_id))


def request_key(cmd: RecordActivity) -> str:
    """The activity's id is its idempotency key (per kind)."""
    return f"ACTIVITY:{cmd.kind}:{cmd.activity_id}"


def period_of(per: ActivityPeriod, at: datetime) -> str:
    if per is ActivityPeriod.DAY:
        return f"{at:%Y-%m-%d}"
    if per is ActivityPeriod.MONTH:
        return f"{at:%Y-%m}"
    if per is ActivityPeriod.YEAR:
        return f"{at:%Y}"
    return "ever"


def record_activity(
    member: Member, cmd: RecordActivity, program: Program, now: datetime, new_id: NewId
) -> Change:
    rule = program.activity(cmd.kind)
    assert rule is not None, "validate_activity checks the kind"
    counted = _counted(member, rule, now)
    if counted.count >= rule.times:
        per = "" if rule.per is ActivityPeriod.EVER else f" a {rule.per.value}"
        raise ActivityLimitReached(f"{rule.kind} counts {rule.times} time(s){per}; it did")
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.ACTIVITY,
        rule.points,
        now,
        channel=cmd.channel,
        reason=f"{rule.kind} {cmd.activity_id}" + (" (qualifying)" if rule.qualifying else ""),
    )
    counts = (
        *(c for c in member.activity_counts if c.kind != rule.kind),
        replace(counted, count=counted.count + 1),
    )
    request = IdempotencyRecord(request_key(cmd), fingerprint(cmd), entry.id, now)
    counted_member = replace(member, activity_counts=counts)
    return credit(member, counted_member, entry, rule.qualifying, request, program, now, new_id)


def credit(
    member: Member,
    after: Member,
    entry: LedgerEntry,
    qualifying: bool,
    request: IdempotencyRecord,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> Change:
    """The change giving `entry`'s points (an activity's, a partner's: not a purchase's) to
    `after` (the member with whatever else the rule changed) as a new batch, toward the tier
    if they qualify, under `request`."""
    after = replace(
        after,
        batches=add(
            kept_alive(member.batches, program, now), new_batch(entry.points, program, now)
        ),
    )
    if qualifying:
        activity = with_qualifying(member.activity, now, entry.points)
        after = replace(after, activity=activity, tier=upgrade(member.tier, activity, program, now))
    previous = member.tier.code if after.tier.code != member.tier.code else None
    entries: tuple[LedgerEntry, ...] = (entry,)
    if previous is not None:
        why = "qualifying points reached"
        changed = tier_changed_entry(
            member.id, previous, after.tier.code, why, now, new_id, entry.channel
        )
        entries = (entry, changed)
    return Change(
        remember(after, request),
        entries,
        entry.kind,
        entry.channel,
        None,
        entry.id,
        previous_tier=previous,
    )


def _counted(member: Member, rule: Activity, now: datetime) -> ActivityCount:
    """This kind's count in the current period (a count from an older one starts over)."""
    period = period_of(rule.per, now)
    found = next((c for c in member.activity_counts if c.kind == rule.kind), None)
    return (
        found
        if found is not None and found.period == period
        else ActivityCount(rule.kind, period, 0)
    )


def pooled_counts(
    survivor: tuple[ActivityCount, ...], duplicate: tuple[ActivityCount, ...]
) -> tuple[ActivityCount, ...]:
    """Two merged members' counts: one a kind, the later period's, summed when both are in
    it (what both did counts against the survivor's limits)."""
    pooled = {c.kind: c for c in survivor}
    for count in duplicate:
        mine = pooled.get(count.kind)
        if mine is None or count.period > mine.period:
            pooled[count.kind] = count
        elif count.period == mine.period:
            pooled[count.kind] = replace(mine, count=mine.count + count.count)
    return tuple(pooled.values())
