"""Idempotency keys live with the member: a replay returns the first result, once."""

from __future__ import annotations

from datetime import datetime

from domain.errors import IdempotencyKeyReused
from domain.member import IdempotencyRecord, Member


def recall(member: Member, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The first result for `key`, or None if the key is new. A different request is refused."""
    record = next((r for r in member.idempotency if r.key == key), None)
    if record is not None and record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was already used for a different request"
        )
    return record


def remember(
    member: Member,
    key: str,
    fingerprint: str,
    entry_id: str,
    now: datetime,
    member_reward_id: str | None = None,
) -> tuple[IdempotencyRecord, ...]:
    record = IdempotencyRecord(key, fingerprint, entry_id, now, member_reward_id)
    return (*member.idempotency, record)
