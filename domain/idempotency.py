"""Idempotency keys: a replay returns the first result, once.

The member keeps its latest requests (`RECENT_REQUESTS`); every request is also recorded with
its ledger entry. A key is looked for on the member first, which settles every replay that
races its first attempt (compare-and-swap makes the loser read the winner's record). Only
when a request that is still within the retention no longer fits on the member
(`Member.idempotency_spilled_at`) can an unknown key be an older request: then the ledger
is asked too (`domain.handlers.members.recall_request`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.errors import IdempotencyKeyReused
from domain.member import IdempotencyRecord, Member

# Enough for any burst of retries from one member's devices; small enough to keep the
# member's document a few kilobytes however many requests it sees.
RECENT_REQUESTS = 32


def checked(record: IdempotencyRecord | None, fingerprint: str) -> IdempotencyRecord | None:
    """`record` if it is for the same request; a different request under its key is refused."""
    if record is not None and record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"idempotency key {record.key!r} was already used for a different request"
        )
    return record


def recall(member: Member, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The first result for `key` among the member's latest requests, or None."""
    return checked(next((r for r in member.idempotency if r.key == key), None), fingerprint)


def may_have_spilled(member: Member, now: datetime, retention: timedelta) -> bool:
    """True when a key unknown to the member may still be a request within the retention."""
    spilled = member.idempotency_spilled_at
    return spilled is not None and spilled > now - retention


def remember(member: Member, record: IdempotencyRecord) -> Member:
    """The member with `record` among its latest requests; the oldest makes room."""
    recent = (*member.idempotency, record)
    if len(recent) <= RECENT_REQUESTS:
        return replace(member, idempotency=recent)
    dropped, kept = recent[: len(recent) - RECENT_REQUESTS], recent[-RECENT_REQUESTS:]
    newest_dropped = max(r.recorded_at for r in dropped)
    spilled = member.idempotency_spilled_at
    return replace(
        member,
        idempotency=kept,
        idempotency_spilled_at=newest_dropped if spilled is None else max(spilled, newest_dropped),
    )


def forget_expired(member: Member, now: datetime, retention: timedelta) -> Member:
    """Requests past the retention are forgotten (a replay after it is a new request)."""
    kept = tuple(r for r in member.idempotency if r.recorded_at > now - retention)
    spilled = member.idempotency_spilled_at if may_have_spilled(member, now, retention) else None
    return replace(member, idempotency=kept, idempotency_spilled_at=spilled)


def with_requests_of(survivor: Member, duplicate: Member) -> Member:
    """A merge: the survivor also answers the duplicate's requests (the newest stay on it;
    the ledger is asked for the rest, kept under the duplicate's id)."""
    merged = survivor
    for record in sorted(duplicate.idempotency, key=lambda r: r.recorded_at):
        merged = remember(merged, record)
    spilled = [t for t in (merged.idempotency_spilled_at, duplicate.idempotency_spilled_at) if t]
    return replace(merged, idempotency_spilled_at=max(spilled, default=None))
