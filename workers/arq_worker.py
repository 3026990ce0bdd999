"""The jobs as arq runs them: the functions, the cron entries made from the one schedule
(`workers.jobs.CRON_JOBS`), the connection settings and the worker's options. The process
around them (`tessera worker`) is `app.worker`.

Jobs take ids, never payloads, and are idempotent: arq runs a job at least once (a worker
killed mid-job runs it again), so a repeat finds the message the first run made, and a send
resumed after a crash carries the same message id to the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any, NamedTuple

from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.sweeps import Every
from storage.availability import describe, is_unavailable
from workers.context import Messaging
from workers.jobs import CRON_JOBS, JOBS, run_cron
from workers.queue import JobArgument

log = logging.getLogger(__name__)
JOB_TIMEOUT_SECONDS = 120
# A job that found the database down runs again after 5 s, 10 s, ... (at most a minute
# apart): 20 tries cover about a quarter of an hour. Crashes and cancellations count too.
MAX_TRIES = 20
UNAVAILABLE_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 60.0
KEEP_RESULT_SECONDS = 24 * 3600
POLL_SECONDS = 0.05  # a repeated trigger within a day is dropped by its job id

Hook = Callable[[dict[str, Any]], Awaitable[None]]


def _job(name: str) -> WorkerCoroutine:
    target = JOBS[name]

    async def run(ctx: dict[str, Any], **arguments: JobArgument) -> None:
        try:
            await target(ctx["messaging"], **arguments)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # The database was down: the job runs again later (arq counts it a retry,
            # not a failure), or a receipt started during an outage would be lost.
            delay = min(UNAVAILABLE_RETRY_SECONDS * ctx.get("job_try", 1), MAX_RETRY_SECONDS)
            log.warning(
                "%s: the database is unavailable (%s); again in %g s", name, describe(exc), delay
            )
            raise Retry(defer=delay) from None

    run.__qualname__ = run.__name__ = name
    return run


def _cron(name: str) -> WorkerCoroutine:
    async def run(ctx: dict[str, Any]) -> int:
        try:
            return await run_cron(ctx["messaging"], name)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # The next tick does the work; a line, not a failed job's traceback per tick.
            log.warning("%s: the database is unavailable (%s)", name, describe(exc))
            return 0

    run.__qualname__ = run.__name__ = name
    return run


def functions() -> list[Function]:
    return [
        func(
            _job(name),
            name=name,
            timeout=JOB_TIMEOUT_SECONDS,
            keep_result=KEEP_RESULT_SECONDS,
            max_tries=MAX_TRIES,
        )
        for name in JOBS
    ]


class ArqTimes(NamedTuple):
    hour: set[int] | None  # None: any
    minute: set[int] | None
    second: set[int]  # arq's None would be every second


def arq_times(every: Every) -> ArqTimes:
    """`every` as arq's cron fields. The moments of a day must be every combination of
    those fields, as arq matches each field on its own."""
    seconds = [int(t.total_seconds()) for t in every.times_of_day()]
    hours = {t // 3600 for t in seconds}
    minutes = {t // 60 % 60 for t in seconds}
    second = {t % 60 for t in seconds}
    if len(hours) * len(minutes) * len(second) != len(seconds):
        raise ValueError(f"arq cannot run {every}: not one set of hours, minutes and seconds")
    return ArqTimes(
        None if len(hours) == 24 else hours, None if len(minutes) == 60 else minutes, second
    )


def cron_jobs() -> list[CronJob]:
    jobs = []
    for job in CRON_JOBS.values():
        times = arq_times(job.runs)
        jobs.append(
            cron(
                _cron(job.name),
                name=job.name,
                hour=times.hour,
                minute=times.minute,
                second=times.second,
                run_at_startup=job.at_startup,
            )
        )
    return jobs


def redis_for_worker(url: str) -> RedisSettings:
    """arq's connection settings for `url`. arq ends the worker (and `tessera worker`) at the
    first Redis command that fails: here each command instead waits for Redis, reconnecting
    with a backoff of up to 2 s, however long it is down. Jobs resume once it is back; a
    job that was running finishes then; SIGTERM still stops the worker meanwhile."""
    settings = RedisSettings.from_dsn(url)
    # OSError too: a refused connection reaches the retry as one (redis-py 5 types the
    # tuple as RedisError classes, but only catches them).
    errors = (RedisConnectionError, RedisTimeoutError, OSError)
    settings.retry = RedisRetry(ExponentialBackoff(cap=2.0, base=0.05), -1, errors)  # type: ignore[arg-type]
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    return settings


def worker_options(
    redis_url: str,
    messaging: Messaging | None = None,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`, the one place arq is configured. Either
    `messaging` (tests, in-process callers: the jobs use it) or the start-up and shutdown
    hooks that build and stop one (`app.worker`)."""
    options: dict[str, Any] = {
        "functions": functions(),
        "cron_jobs": cron_jobs(),
        "timezone": UTC,  # the schedule (workers.jobs.CRON_JOBS) is in UTC, as is the app
        "redis_settings": redis_for_worker(redis_url),
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "keep_result": KEEP_RESULT_SECONDS,
        "max_jobs": 50,
        # A receipt is two jobs in a row (start_journeys, then dispatch_member): at arq's
        # default 0.5 s poll that alone is ~0.8 s from purchase to message; 50 ms keeps it
        # near 0.1 s for 20 cheap Redis polls a second per worker (bench.dispatch).
        "poll_delay": POLL_SECONDS,
    }
    if messaging is not None:
        options["ctx"] = {"messaging": messaging}
    if on_startup is not None:
        options["on_startup"] = on_startup
    if on_shutdown is not None:
        options["on_shutdown"] = on_shutdown
    return options
