"""Quiet hours: no message reaches a member during their night, in their own time zone.

A message due in quiet hours is deferred to the end of them, never dropped. The window is
wall-clock time in the member's zone, so a 21:00-08:00 night is 21:00-08:00 in Paris and in
New York alike, and on a daylight-saving night it is an hour shorter or longer in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.messaging.policy import QuietHours


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local date, as a UTC instant.

    A wall time skipped by a spring-forward gap (02:30 when clocks jump 02:00 -> 03:00) reads
    with the offset before the jump, i.e. an hour later in the new time (03:30); a repeated
    one (autumn) is its first occurrence. Either way the result is a real, unique instant.
    """
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _nights(quiet: QuietHours, zone: ZoneInfo, around: date) -> list[tuple[datetime, datetime]]:
    """The quiet intervals, as UTC instants, that start the day before, on, or after `around`.

    Instants rather than wall times, so that every check agrees on one reading of a DST day.
    """
    crosses_midnight = quiet.start > quiet.end
    nights = []
    for offset in (-1, 0, 1):
        day = around + timedelta(days=offset)
        end_day = day + timedelta(days=1) if crosses_midnight else day
        nights.append((_at(day, quiet.start, zone), _at(end_day, quiet.end, zone)))
    return nights


def quiet_until(quiet: QuietHours, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the member's quiet hours end if `now` is inside them; None if it is not."""
    if quiet.start == quiet.end:
        return None
    local_day = now.astimezone(zone).date()
    return next((end for start, end in _nights(quiet, zone, local_day) if start <= now < end), None)


def next_sendable(quiet: QuietHours, zone: ZoneInfo, at: datetime) -> datetime:
    """`at` itself, or the end of the quiet hours it falls in."""
    return quiet_until(quiet, zone, at) or at
