"""Sweeps without I/O: the moments of a schedule, when a new pass is due, and arq's fields."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from domain.sweeps import Every, Position, SweepProgress, advanced, begun, finished, new_pass_due
from workers.arq_worker import ArqTimes, arq_times

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
DAILY_0330 = Every(DAY, timedelta(hours=3, minutes=30))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_latest_moment_of_a_schedule() -> None:
    assert DAILY_0330.latest(at("2026-01-15 10:00")) == at("2026-01-15 03:30")
    assert DAILY_0330.latest(at("2026-01-15 03:30")) == at("2026-01-15 03:30")
    assert DAILY_0330.latest(at("2026-01-15 03:29:59")) == at("2026-01-14 03:30")
    every_30s = Every(timedelta(seconds=30))
    assert every_30s.latest(at("2026-01-15 10:00:59")) == at("2026-01-15 10:00:30")


def test_a_schedule_repeats_each_day() -> None:
    with pytest.raises(ValueError, match="divide a day"):
        Every(timedelta(hours=7))
    with pytest.raises(ValueError, match="within the period"):
        Every(HOUR, timedelta(minutes=60))
    assert Every(6 * HOUR, HOUR).times_of_day() == (HOUR, 7 * HOUR, 13 * HOUR, 19 * HOUR)


def test_the_first_pass_waits_for_a_moment_after_the_first_run() -> None:
    never = SweepProgress("score_churn")
    # the job's first run only notes its time
    assert not new_pass_due(never, DAILY_0330, at("2026-01-15 10:00"))
    looked = dataclasses.replace(never, last_run_at=at("2026-01-15 10:00"))
    assert not new_pass_due(looked, DAILY_0330, at("2026-01-16 03:29"))
    assert new_pass_due(looked, DAILY_0330, at("2026-01-16 03:30"))
    # a first run at the moment itself leaves the pass to the next run
    at_the_moment = dataclasses.replace(never, last_run_at=at("2026-01-16 03:30"))
    assert new_pass_due(at_the_moment, DAILY_0330, at("2026-01-16 03:35"))
    # with no schedule, the first run begins one
    assert new_pass_due(never, None, at("2026-01-15 10:00"))


def test_a_new_pass_is_due_once_per_moment_and_never_while_one_is_under_way() -> None:
    never = SweepProgress("score_churn")
    under_way = begun(never, at("2026-01-15 10:00"))
    assert not new_pass_due(under_way, DAILY_0330, at("2026-01-20 10:00"))
    done = finished(advanced(under_way, Position("mbr_b"), 2), at("2026-01-15 10:02"))
    assert (done.done, done.passes, done.after) == (2, 1, Position("mbr_b"))
    assert not new_pass_due(done, DAILY_0330, at("2026-01-16 03:29"))
    assert new_pass_due(done, DAILY_0330, at("2026-01-16 03:30"))
    # with no schedule, each run begins one once the last finished
    assert new_pass_due(done, None, at("2026-01-15 10:02"))
    assert not new_pass_due(under_way, None, at("2026-01-15 10:02"))


def test_a_new_pass_starts_from_the_beginning() -> None:
    first = begun(SweepProgress("score_churn"), at("2026-01-15 10:00"))
    done = finished(advanced(first, Position("mbr_b"), 9), at("2026-01-15 10:05"))
    again = begun(done, at("2026-01-16 03:30"))
    assert again == SweepProgress("score_churn", pass_started_at=at("2026-01-16 03:30"), passes=1)


def test_arq_fields_of_a_schedule() -> None:
    assert arq_times(Every(timedelta(seconds=30))) == ArqTimes(None, None, {0, 30})
    assert arq_times(Every(timedelta(minutes=5))) == ArqTimes(None, set(range(0, 60, 5)), {0})
    assert arq_times(DAILY_0330) == ArqTimes({3}, {30}, {0})
    assert arq_times(Every(6 * HOUR, HOUR)) == ArqTimes({1, 7, 13, 19}, {0}, {0})
    # 00:00, 01:30, 03:00 ...: no one set of minutes fits every hour
    with pytest.raises(ValueError, match="arq cannot run"):
        arq_times(Every(timedelta(minutes=90)))
