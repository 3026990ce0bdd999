"""Frequency caps: at most so many messages per rolling day and week, per channel and across.

Windows roll (the last 24 hours, the last 7 days) rather than follow the calendar, so a burst
at 23:59 and another at 00:01 cannot both fit. When a cap is full, the message can go when
the oldest counted send leaves the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.messaging.journeys import MessageChannel
from domain.messaging.policy import CapLimit, FrequencyCaps

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message a provider accepted; what the caps count (a bounce still reached a provider,
    so it counts too: retrying it elsewhere is the fallback's job, not a fresh message)."""

    channel: MessageChannel
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class CapCheck:
    free_at: datetime  # now, or when the binding cap has room again
    binding: str | None  # the full caps, e.g. "EMAIL 1 per day"; None when there is room now


def _room_at(
    sent: Iterable[datetime], limit: int | None, window: timedelta, now: datetime
) -> datetime:
    """The earliest moment from `now` on at which one more send stays within `limit`."""
    if limit is None:
        return now
    # A send stamped in the future (clock skew between workers) counts as already made.
    counted = sorted(t for t in sent if t > now - window)
    if len(counted) < limit:
        return now
    # The send that must leave the window for one more to fit; at its time + window it is out.
    return counted[len(counted) - limit] + window


def check_caps(
    caps: FrequencyCaps, channel: MessageChannel, recent: Sequence[SentMessage], now: datetime
) -> CapCheck:
    """Whether one more message on `channel` fits every cap now, and if not, from when."""
    on_channel = [s.sent_at for s in recent if s.channel is channel]
    everywhere = [s.sent_at for s in recent]
    limits: list[tuple[str, CapLimit, list[datetime]]] = [
        (channel.value, caps.for_channel(channel), on_channel),
        ("all channels", caps.across_channels, everywhere),
    ]
    waits = [
        (_room_at(sent, count, window, now), f"{name} {count} per {label}")
        for name, limit, sent in limits
        for count, window, label in ((limit.per_day, DAY, "day"), (limit.per_week, WEEK, "week"))
    ]
    free_at = max(at for at, _ in waits)
    # Every cap that holds the message until then, so staff see all of them, not one.
    binding = [name for at, name in waits if at == free_at and at > now]
    return CapCheck(free_at, ", ".join(binding) or None)
