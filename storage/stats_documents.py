"""A version's `StatsDelta` as it travels in the member's outbox item (and on the Redis bus,
as JSON): counter names are data (a tier code may hold a dot), so they are values, never
field names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.program_stats import StatsDelta


def stats_to_doc(stats: StatsDelta | None) -> dict[str, Any]:
    if stats is None:
        return {}
    counts = [{"n": name, "v": n} for name, n in stats.counts.items()]
    return {"stats": {"counts": counts, "at": stats.at}}


def stats_from_doc(doc: dict[str, Any]) -> StatsDelta | None:
    stats = doc.get("stats")
    if not isinstance(stats, dict):
        return None
    at = stats.get("at")
    if isinstance(at, str):  # from the Redis bus's JSON
        at = datetime.fromisoformat(at)
    if isinstance(at, datetime) and at.tzinfo is None:  # as stored: UTC
        at = at.replace(tzinfo=UTC)
    counts = {str(c["n"]): int(c["v"]) for c in stats.get("counts", [])}
    return StatsDelta(counts, at if isinstance(at, datetime) else None)
