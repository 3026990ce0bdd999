"""The arq worker: `tessera worker` (needs TESSERA_REDIS_URL) runs `WorkerSettings`.

Jobs take ids, never payloads, and are idempotent: arq runs a job at least once (a worker
killed mid-job runs it again), so a repeat finds the message the first run made, and a send
resumed after a crash carries the same message id to the provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from arq import Retry, cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.settings import Settings
from storage.availability import describe, is_unavailable
from workers.context import Messaging
from workers.jobs import CRON_JOBS, JOBS

log = logging.getLogger(__name__)
JOB_TIMEOUT_SECONDS = 120
# A job that found the database down runs again after 5 s, 10 s, ... (at most a minute
# apart): 20 tries cover about a quarter of an hour. Crashes and cancellations count too.
MAX_TRIES = 20
UNAVAILABLE_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 60.0
CLOSE_SECONDS = 10.0  # a stopping worker waits this long for Redis, then goes anyway
RESTART_SECONDS = 1.0  # between a worker that lost Redis and its replacement
KEEP_RESULT_SECONDS = 24 * 3600
POLL_SECONDS = 0.05  # a repeated trigger within a day is dropped by its job id


def _job(name: str) -> WorkerCoroutine:
    target = JOBS[name]

    async def run(ctx: dict[str, Any], *args: str) -> None:
        try:
            await target(ctx["messaging"], *args)
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
    target = CRON_JOBS[name]

    async def run(ctx: dict[str, Any]) -> int:
        try:
            return await target(ctx["messaging"])
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


def cron_jobs() -> list[CronJob]:
    every_30s = {0, 30}
    return [
        cron(_cron("dispatch_due"), name="dispatch_due", second=every_30s, run_at_startup=True),
        cron(_cron("expire_due"), name="expire_due", second=0, run_at_startup=True),
        cron(_cron("remind_due"), name="remind_due", minute=5, second=0),
        cron(_cron("score_churn"), name="score_churn", hour=3, minute=30, second=0),
    ]


def worker_options(settings: Settings, messaging: Messaging | None = None) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`. With `messaging` given (tests, embedded
    callers) the jobs use it; otherwise start-up builds one from the settings."""
    if not settings.redis_url:
        raise SystemExit("tessera worker needs TESSERA_REDIS_URL (the arq queue lives there)")
    options: dict[str, Any] = {
        "functions": functions(),
        "cron_jobs": cron_jobs(),
        "redis_settings": redis_for_worker(settings.redis_url),
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
    else:
        options["on_startup"] = _startup
        options["on_shutdown"] = _shutdown
    return options


class TesseraWorker(Worker):
    """arq's worker, whose shutdown does not wait for Redis for ever: `close` tells Redis the
    worker is gone, and with Redis down each command waits for it (`redis_for_worker`)."""

    async def close(self) -> None:
        try:
            await asyncio.wait_for(super().close(), CLOSE_SECONDS)
        except TimeoutError:
            log.warning("stopped without saying goodbye to Redis (unreachable)")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(_shutdown(self.ctx), CLOSE_SECONDS)


def run(settings: Settings, burst: bool = False) -> None:
    """`tessera worker`: until SIGTERM or SIGINT (or, with `burst`, until the queue is empty).

    Most Redis commands wait for Redis (`redis_for_worker`), but arq still ends a worker on
    some Redis failures (a connection lost while it WATCHes a job it is about to take raises
    WatchError out of its loop). A worker ended that way is replaced by a new one, as a
    supervisor would; its running jobs finished first (arq's close waits for them)."""
    while True:
        try:
            TesseraWorker(**worker_options(settings), burst=burst).run()
            return
        except (RedisError, OSError) as exc:
            log.warning("the worker lost Redis (%s); starting a new one", exc)
            time.sleep(RESTART_SECONDS)


async def _startup(ctx: dict[str, Any]) -> None:
    from app.wiring import Tessera

    tessera = Tessera.build(Settings())
    ctx["tessera"] = tessera  # first: a start-up that fails (no MongoDB yet) is still stopped
    await tessera.start_worker()
    ctx["messaging"] = tessera.messaging


async def _shutdown(ctx: dict[str, Any]) -> None:
    if "tessera" in ctx:  # arq calls this even when start-up failed before building it
        await ctx["tessera"].stop()


class WorkerSettings:
    """For `arq workers.arq_worker.WorkerSettings`; `tessera worker` does the same."""

    functions = functions()
    cron_jobs = cron_jobs()
    on_startup = _startup
    on_shutdown = _shutdown
    job_timeout = JOB_TIMEOUT_SECONDS
    poll_delay = POLL_SECONDS
    keep_result = KEEP_RESULT_SECONDS
    redis_settings = redis_for_worker(Settings().redis_url or "redis://localhost:6379")
