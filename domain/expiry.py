"""When points expire: the program's expiry policy, and deadlines as the end of a day.

Three policies, one setting (`[expiry]` in the program file):
- rolling: each batch expires `months` after it was earned (the rule before policies);
- calendar: `months` after it was earned, then on to the end of that calendar month,
  quarter or year (`period`): points earned over a whole period expire together;
- inactivity: all points expire `months` after the member's last activity (a purchase, a
  recorded activity, a redemption, or points credited by staff); each activity pushes the
  deadline of every open batch, so the member's open points always share one deadline.

Every deadline is the last millisecond of a day in the program's time zone (never UTC's, nor
the server's): points are good through the date the member is shown. Batches are keyed by
that local day (`batch_key`), so rounding keeps them coalesced: one batch per expiry day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from domain.clock import add_months
from domain.ledger import PointBatch, add, batch_for
from domain.time_zones import local_day, zone

if TYPE_CHECKING:
    from domain.program import Program

_MILLISECOND = timedelta(milliseconds=1)  # what MongoDB keeps: a deadline reads back exactly


class ExpiryKind(Enum):
    ROLLING = "rolling"
    CALENDAR = "calendar"
    INACTIVITY = "inactivity"


class CalendarPeriod(Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    kind: ExpiryKind = ExpiryKind.ROLLING
    months: int = 12
    period: CalendarPeriod = CalendarPeriod.YEAR  # calendar only


ROLLING_YEAR = ExpiryPolicy()  # the rule before policies: 12 months from the earning


def end_of_day(day: date, zone_name: str) -> datetime:
    """The last millisecond of `day` in the zone, in UTC. The next day starts at its first
    midnight (zoneinfo's fold 0), also where a DST change skips or repeats midnight."""
    next_start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(zone_name))
    return next_start.astimezone(UTC) - _MILLISECOND


def points_deadline(policy: ExpiryPolicy, earned_at: datetime, zone_name: str) -> datetime:
    """When points earned (or, under inactivity, last kept alive) at `earned_at` expire."""
    day = add_months_to_day(local_day(earned_at, zone_name), policy.months)
    if policy.kind is ExpiryKind.CALENDAR:
        day = _period_end(day, policy.period)
    return end_of_day(day, zone_name)


def add_months_to_day(day: date, months: int) -> date:
    return add_months(datetime.combine(day, time(0)), months).date()


def _period_end(day: date, period: CalendarPeriod) -> date:
    last_month = {
        CalendarPeriod.MONTH: day.month,
        CalendarPeriod.QUARTER: (day.month - 1) // 3 * 3 + 3,
        CalendarPeriod.YEAR: 12,
    }[period]
    first_of_next = add_months_to_day(date(day.year, last_month, 1), 1)
    return first_of_next - timedelta(days=1)


def batch_key(deadline: datetime, zone_name: str) -> str:
    """The batch for points expiring at `deadline`: one per program-local expiry day."""
    return batch_for(deadline.astimezone(zone(zone_name)))


def new_batch(points: int, program: Program, now: datetime) -> PointBatch:
    """A batch of points coming in at `now`, expiring as the program's policy says."""
    deadline = points_deadline(program.expiry, now, program.time_zone)
    return PointBatch(batch_key(deadline, program.time_zone), points, now, deadline)


def kept_alive(
    batches: tuple[PointBatch, ...], program: Program, now: datetime
) -> tuple[PointBatch, ...]:
    """An activity at `now`: under inactivity every open batch now expires at the deadline
    an activity at `now` gives (joined into one batch); other policies leave them be."""
    if program.expiry.kind is not ExpiryKind.INACTIVITY:
        return batches
    # Never earlier than a deadline already given (the file may have had longer ones).
    deadlines = [b.expires_at for b in batches if b.points > 0 and b.expires_at is not None]
    deadline = max([points_deadline(program.expiry, now, program.time_zone), *deadlines])
    return _joined(batches, deadline, program)


def pooled_batches(batches: tuple[PointBatch, ...], program: Program) -> tuple[PointBatch, ...]:
    """Points brought together without an activity (a merge, a cancelled redemption): under
    inactivity they share the latest deadline any of them has, never an earlier one."""
    if program.expiry.kind is not ExpiryKind.INACTIVITY:
        return batches
    deadlines = {b.expires_at for b in batches if b.points > 0 and b.expires_at is not None}
    return _joined(batches, max(deadlines), program) if len(deadlines) > 1 else batches


def _joined(
    batches: tuple[PointBatch, ...], deadline: datetime, program: Program
) -> tuple[PointBatch, ...]:
    open_ = [b for b in batches if b.points > 0]
    if not open_:
        return batches  # nothing, or only a debt (which never expires)
    # Earned-at is kept as the oldest: it says since when the points have been held.
    earned = min(b.earned_at for b in open_)
    key = batch_key(deadline, program.time_zone)
    one = PointBatch(key, sum(b.points for b in open_), earned, deadline)
    return add(tuple(b for b in batches if b.points <= 0), one)


def expiry_policy(data: dict[str, Any]) -> ExpiryPolicy:
    """The `[expiry]` section of a program file. Without one, the rolling policy with the
    `[program]` section's `points_validity_months` (how files before policies said it)."""
    section = data.get("expiry", {})
    if not isinstance(section, dict):
        raise ValueError("[expiry] must be a table")
    validity = data.get("program", {}).get("points_validity_months")
    if validity is not None and "months" in section and int(validity) != int(section["months"]):
        raise ValueError("points_validity_months and [expiry] months differ: give one")
    validity_months = int(validity) if validity is not None else 12
    unknown = set(section) - {"policy", "months", "period"}
    if unknown:
        raise ValueError(f"[expiry] has unknown settings {sorted(unknown)}")
    kind = ExpiryKind(str(section.get("policy", "rolling")))
    if "period" in section and kind is not ExpiryKind.CALENDAR:
        raise ValueError("[expiry] period is for the calendar policy only")
    months = int(section.get("months", validity_months))
    if not 1 <= months <= 120:
        raise ValueError("[expiry] months must be between 1 and 120")
    period = CalendarPeriod(str(section.get("period", "year")))
    return ExpiryPolicy(kind, months, period)
