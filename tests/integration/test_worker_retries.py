"""arq jobs and an unreachable database: the job runs again later (arq's Retry), instead of
failing for good and losing, say, the receipt of a purchase made just before the outage."""

from __future__ import annotations

from typing import Any

import pytest
from arq import Retry
from pymongo.errors import AutoReconnect, DuplicateKeyError

from workers import arq_worker
from workers.journeys import START_JOURNEYS


async def test_a_job_that_finds_the_database_down_is_retried_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def database_down(*_: Any) -> None:
        raise AutoReconnect("127.0.0.1:27017: connection closed")

    monkeypatch.setitem(arq_worker.JOBS, START_JOURNEYS, database_down)
    job = arq_worker._job(START_JOURNEYS)

    with pytest.raises(Retry) as first:
        await job({"messaging": None, "job_try": 1}, "mbr_x")
    with pytest.raises(Retry) as later:
        await job({"messaging": None, "job_try": 50}, "mbr_x")

    assert first.value.defer_score == 5_000  # milliseconds
    assert later.value.defer_score == 60_000  # at most a minute apart


async def test_any_other_failure_is_the_jobs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_: Any) -> None:
        raise DuplicateKeyError("a bug, not an outage")

    monkeypatch.setitem(arq_worker.JOBS, START_JOURNEYS, refused)

    with pytest.raises(DuplicateKeyError):
        await arq_worker._job(START_JOURNEYS)({"messaging": None, "job_try": 1}, "mbr_x")
