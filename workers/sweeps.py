"""One run of a sweep (see `domain.sweeps`): hold the job, go on from where the last run
stopped (or begin a pass, if one is due), a page at a time, saving the position after each
page, until the pass ends or the run's bounds (members, seconds) are reached.

Two runs of one job at once (two workers, or a run that outlasted its schedule) do not both
walk the members: the first holds the job in `job_progress`, and the other returns at once.
Each save is a compare-and-set, so a run that lost its hold (it stalled past it and another
took over) stops at its next page instead of moving the position back.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.sweeps import (
    Every,
    Position,
    SweepProgress,
    advanced,
    begun,
    finished,
    new_pass_due,
)
from workers.context import Messaging, SweepBounds
from workers.metrics import CRON_LAST_FINISHED, CRON_MEMBERS, CRON_PASS_MEMBERS, CRON_PASSES

log = logging.getLogger(__name__)

# Members after `after` (None: from the start), at most `limit`, in the sweep's order.
Page = Callable[[Messaging, datetime, Position | None, int], Awaitable[tuple[Position, ...]]]
# Do the sweep's work for one member; returns what it counts (messages raised, say).
Visit = Callable[[Messaging, str, datetime], Awaitable[int]]

# A run holds its job for its time bound plus this, renewed at every page: time for the page
# in flight to end. A run that died leaves its hold to expire.
HOLD_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Sweep:
    job: str
    page: Page
    visit: Visit
    new_pass: Every | None  # when a new pass is due; None: each run, once the last finished


def _hold(bounds: SweepBounds) -> tuple[datetime, datetime]:
    """(now, held until) on the wall clock, not the app's: a hold is about how long a run
    really takes, and the app's clock may stand still (tests) or jump."""
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as MongoDB keeps it
    return now, now + timedelta(seconds=bounds.seconds_per_run) + HOLD_MARGIN


async def run_sweep(messaging: Messaging, sweep: Sweep) -> int:
    """One bounded run; returns the sum of what the visits counted."""
    bounds = messaging.sweep_bounds
    started = time.monotonic()
    claimed = await messaging.progress.claim(sweep.job, *_hold(bounds))
    if claimed is None:
        log.info("%s: another run holds the job; this one does nothing", sweep.job)
        return 0
    now = messaging.clock.now()
    if claimed.under_way:
        this_pass = claimed
    elif new_pass_due(claimed, sweep.new_pass, now):
        this_pass = begun(claimed, now)
    else:
        log.debug("%s: the last pass is finished and no new one is due", sweep.job)
        await messaging.progress.save(
            dataclasses.replace(claimed, last_run_at=now, held_until=None)
        )
        return 0
    # None once the job is lost to another run: nothing more is saved then.
    progress: SweepProgress | None = dataclasses.replace(
        this_pass, runs=this_pass.runs + 1, last_run_at=now
    )
    counted = members = 0
    try:
        while progress is not None:
            limit = min(bounds.page_size, bounds.members_per_run - members)
            now = messaging.clock.now()
            page = await sweep.page(messaging, now, progress.after, limit)
            done, out_of_time = 0, False
            for position in page:
                counted += await sweep.visit(messaging, position.member_id, now)
                done += 1
                out_of_time = time.monotonic() - started >= bounds.seconds_per_run
                if out_of_time:
                    break
            members += done
            if done:
                progress = advanced(progress, page[done - 1], done)
                CRON_MEMBERS.labels(sweep.job).inc(done)
                CRON_PASS_MEMBERS.labels(sweep.job).set(progress.done)
            ended = len(page) < limit and done == len(page)
            if ended:
                progress = finished(progress, now)
            held = dataclasses.replace(progress, held_until=_hold(bounds)[1])
            progress = await messaging.progress.save(held)
            if progress is None:
                log.warning("%s: another run took the job over; this one stops", sweep.job)
                break
            if ended:
                CRON_PASSES.labels(sweep.job).inc()
                CRON_LAST_FINISHED.labels(sweep.job).set(now.timestamp())
            if ended or out_of_time or members >= bounds.members_per_run:
                break
    finally:
        if progress is not None:  # let go of the job, also when a visit raised
            await messaging.progress.save(dataclasses.replace(progress, held_until=None))
    if progress is not None:
        _report(sweep.job, progress, members, time.monotonic() - started)
    return counted


def _report(job: str, progress: SweepProgress, members: int, seconds: float) -> None:
    state = "pass finished" if progress.finished_at is not None else "goes on next run"
    after = progress.after.member_id if progress.after is not None else "-"
    started = progress.pass_started_at.isoformat() if progress.pass_started_at else "-"
    log.info(
        "%s: %d members in %.2f s this run (run %d of the pass begun %s: %d members so far, "
        "after %s); %s",
        job,
        members,
        seconds,
        progress.runs,
        started,
        progress.done,
        after,
        state,
    )
