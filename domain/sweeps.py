"""Sweeps: the scheduled jobs that walk members a page at a time (expiry, reminders, churn).

A *pass* walks every member the sweep is about once, in a fixed order, from the start to the
end. It may take several *runs*: each run is bounded (members and seconds) and records where
it stopped, so the next run goes on from there instead of starting over. A pass that reached
the end is finished; the next one starts when its schedule says a new one is due.

This module is the rules of that, without I/O: positions, progress and when a pass is due.
Storing the progress is `SweepProgressStore`'s (in `storage/`), walking members the jobs'.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Every:
    """Moments `offset + k * period` after midnight UTC, 1 January 1970: `Every(DAY, 3h30)` is
    03:30 UTC each day. The period divides a day, so the moments are the same every day."""

    period: timedelta
    offset: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.period <= timedelta(0) or _DAY % self.period:
            raise ValueError(f"a period must divide a day: {self.period}")
        if not timedelta(0) <= self.offset < self.period:
            raise ValueError(f"the offset must be within the period: {self.offset}")

    def latest(self, now: datetime) -> datetime:
        """The last of these moments at or before `now`."""
        periods = (now - _EPOCH - self.offset) // self.period
        return _EPOCH + self.offset + periods * self.period

    def times_of_day(self) -> tuple[timedelta, ...]:
        """The moments of one day, from midnight."""
        return tuple(self.offset + k * self.period for k in range(_DAY // self.period))


@dataclass(frozen=True, slots=True)
class Position:
    """A member's place in a sweep's order: by `at` (a date the member carries, for sweeps
    ordered by one) then by id; `at` is None for sweeps in plain id order."""

    member_id: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SweepProgress:
    """One sweep's state, one document per job (`job_progress`)."""

    job: str
    version: int = 0  # compare-and-set: every save goes up by one
    pass_started_at: datetime | None = None  # None: no pass yet
    after: Position | None = None  # the last member done in this pass; None: from the start
    done: int = 0  # members done in this pass
    runs: int = 0  # runs that worked on this pass
    finished_at: datetime | None = None  # when this pass reached the end; None while under way
    passes: int = 0  # passes finished, ever
    last_run_at: datetime | None = None
    held_until: datetime | None = None  # a run works on the job until then (wall clock)

    @property
    def under_way(self) -> bool:
        return self.pass_started_at is not None and self.finished_at is None


def new_pass_due(progress: SweepProgress, new_pass: Every | None, now: datetime) -> bool:
    """Whether a run at `now` starts a new pass: never while one is under way (it is continued
    instead); once a moment of `new_pass` came since the last pass started (at most one pass
    per moment, however long a pass took). The first pass, too, waits for a moment of its
    schedule after the job's first run (which only notes its time, `last_run_at`): a new
    deployment, or the embedded store started afresh, does not walk every member at once.
    `None`: each run starts one, once the last one finished."""
    if progress.pass_started_at is None:
        if new_pass is None:
            return True
        # Each run before the first pass notes its time: a moment since the last such run.
        return progress.last_run_at is not None and progress.last_run_at <= new_pass.latest(now)
    if progress.finished_at is None:
        return False
    return new_pass is None or progress.pass_started_at < new_pass.latest(now)


def begun(progress: SweepProgress, now: datetime) -> SweepProgress:
    return dataclasses.replace(
        progress, pass_started_at=now, after=None, done=0, runs=0, finished_at=None
    )


def advanced(progress: SweepProgress, after: Position, count: int) -> SweepProgress:
    return dataclasses.replace(progress, after=after, done=progress.done + count)


def finished(progress: SweepProgress, now: datetime) -> SweepProgress:
    return dataclasses.replace(progress, finished_at=now, passes=progress.passes + 1)


class SweepProgressStore(Protocol):
    async def claim(self, job: str, now: datetime, until: datetime) -> SweepProgress | None:
        """The job's progress, held for the caller until `until`; None while another run holds
        it (its `held_until` is after `now`) or took it in the same instant."""
        ...

    async def save(self, progress: SweepProgress) -> SweepProgress | None:
        """Write `progress` if the job is still as it was read (same version); the progress as
        saved (next version), or None when another run took the job meanwhile."""
        ...
