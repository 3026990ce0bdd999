"""arq jobs and an unreachable database: the job runs again later (arq's Retry), instead of
failing for good and losing, say, the receipt of a purchase made just before the outage.
And `tessera worker` and an unreachable Redis: a worker arq ends is replaced."""

from __future__ import annotations

from typing import Any

import pytest
from arq import Retry
from pymongo.errors import AutoReconnect, DuplicateKeyError
from redis.exceptions import WatchError

from app import worker
from app.settings import Settings
from workers import arq_worker, jobs
from workers.journeys import START_JOURNEYS


async def test_a_job_that_finds_the_database_down_is_retried_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def database_down(*_: Any, **__: Any) -> None:
        raise AutoReconnect("127.0.0.1:27017: connection closed")

    monkeypatch.setitem(jobs.JOBS, START_JOURNEYS, database_down)
    job = arq_worker._job(START_JOURNEYS)

    with pytest.raises(Retry) as first:
        await job({"messaging": None, "job_try": 1}, member_id="mbr_x")
    with pytest.raises(Retry) as later:
        await job({"messaging": None, "job_try": 50}, member_id="mbr_x")

    assert first.value.defer_score == 5_000  # milliseconds
    assert later.value.defer_score == 60_000  # at most a minute apart


async def test_any_other_failure_is_the_jobs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_: Any, **__: Any) -> None:
        raise DuplicateKeyError("a bug, not an outage")

    monkeypatch.setitem(jobs.JOBS, START_JOURNEYS, refused)

    with pytest.raises(DuplicateKeyError):
        await arq_worker._job(START_JOURNEYS)({"messaging": None, "job_try": 1}, member_id="mbr_x")


def test_a_worker_that_arq_ends_on_a_redis_failure_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[dict[str, Any]] = []

    class Worker:
        def __init__(self, **options: Any) -> None:
            runs.append(options)

        def run(self) -> None:
            if len(runs) == 1:  # what arq lets out when Redis goes during a WATCH
                raise WatchError("A ConnectionError occurred on while watching one or more keys")

    monkeypatch.setattr(worker, "TesseraWorker", Worker)
    monkeypatch.setattr(worker, "RESTART_SECONDS", 0)

    worker.run(worker.options_for(Settings(redis_url="redis://127.0.0.1:6379/0")))

    assert len(runs) == 2  # the second ran until it was stopped
