"""Where jobs go: arq on Redis (`tessera worker` runs them), or in-process on the embedded
default. Both take a job name, its keyword arguments (ids and codes: never a member's data,
which a job reads fresh), a job id and an optional start time.

The job id deduplicates as arq does: a job whose id is already queued (or, for arq, whose
result is still kept) is not queued again. Jobs are at-least-once either way; each one is
idempotent, so a repeat is harmless and dedup only saves work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name
from redis.exceptions import RedisError

from domain.clock import Clock, SystemClock
from domain.ports import PublisherUnavailable
from storage.availability import log_failure

log = logging.getLogger(__name__)

JobArgument = str | int | tuple[str, ...] | None  # plain values arq can store
JobArguments = Mapping[str, JobArgument]
RunJob = Callable[[str, JobArguments], Awaitable[None]]


class JobQueue(Protocol):
    async def enqueue(
        self, job: str, *, job_id: str, at: datetime | None = None, **arguments: JobArgument
    ) -> None: ...


class ArqQueue:
    """Enqueue on arq's Redis queue, connecting on first use."""

    def __init__(self, redis_url: str, clock: Clock | None = None) -> None:
        self._settings = RedisSettings.from_dsn(redis_url)
        self._clock: Clock = clock or SystemClock()
        self._pool: ArqRedis | None = None
        self._connecting = asyncio.Lock()

    async def enqueue(
        self, job: str, *, job_id: str, at: datetime | None = None, **arguments: JobArgument
    ) -> None:
        try:
            await self._enqueue(job, arguments, job_id, at)
        except (RedisError, OSError) as exc:
            # The relay keeps the event that triggered this job and sends it again.
            raise PublisherUnavailable(f"job queue: {exc}") from exc

    async def depth(self) -> int:
        """Jobs in arq's queue: waiting, deferred or running (arq removes a job when done)."""
        pool = await self._connected()
        return int(await pool.zcard(default_queue_name))

    async def _connected(self) -> ArqRedis:
        if self._pool is None:
            async with self._connecting:
                if self._pool is None:
                    self._pool = await create_pool(self._settings, retry=2)
        return self._pool

    async def _enqueue(
        self, job: str, arguments: JobArguments, job_id: str, at: datetime | None
    ) -> None:
        pool = await self._connected()
        # `at` is on Tessera's clock and arq counts wall time, so pass the delay from the
        # clock's now (as InProcessQueue does); a start already past runs at once (arq
        # refuses a `_defer_until` over a day old: the job's expiry comes out negative).
        delay = None if at is None else max(timedelta(0), at - self._clock.now())
        # arq's keyword options start with "_"; a job's own arguments never do.
        job_arguments: dict[str, Any] = dict(arguments)
        await pool.enqueue_job(job, _job_id=job_id, _defer_by=delay or None, **job_arguments)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None


class InProcessQueue:
    """Runs jobs as tasks of this process: the embedded default, where `make run` shows the
    whole flow on one machine. A job that fails is logged; the cron sweeps finish its work."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._run: RunJob | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._waiting: set[str] = set()  # scheduled for later, not yet started

    def bind(self, run: RunJob) -> None:
        self._run = run

    async def enqueue(
        self, job: str, *, job_id: str, at: datetime | None = None, **arguments: JobArgument
    ) -> None:
        if job_id in self._tasks:
            return
        delay = 0.0 if at is None else max(0.0, (at - self._clock.now()).total_seconds())
        self._tasks[job_id] = asyncio.create_task(self._later(job_id, job, arguments, delay))

    async def _later(self, job_id: str, job: str, arguments: JobArguments, delay: float) -> None:
        try:
            if delay:
                self._waiting.add(job_id)
                await asyncio.sleep(delay)
                self._waiting.discard(job_id)
            assert self._run is not None, "InProcessQueue.bind() was not called"
            await self._run(job, arguments)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log_failure(log, exc, "job %s failed; the cron sweeps will pick its work up", job_id)
        finally:
            self._waiting.discard(job_id)
            self._tasks.pop(job_id, None)

    async def depth(self) -> int:
        """Jobs queued here: waiting, deferred or running."""
        return len(self._tasks)

    def running(self) -> int:
        """Jobs due now or running; wake-ups scheduled for later are not counted."""
        return sum(job_id not in self._waiting for job_id in self._tasks)

    async def idle(self) -> None:
        """Wait until every job due now has finished (jobs scheduled for later keep waiting),
        including the jobs those jobs queue."""
        while self.running():
            await asyncio.sleep(0.002)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
