"""`tessera worker`: the arq worker process, beside `tessera serve` and sharing its MongoDB
and Redis. It builds the same instance (`app.wiring.Tessera`) without the surfaces, and runs
the jobs and cron entries of `workers.arq_worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from arq.worker import Worker
from redis.exceptions import RedisError

from app.settings import Settings
from app.wiring import Tessera
from storage.availability import describe, is_unavailable
from workers.arq_worker import worker_options

log = logging.getLogger(__name__)
CLOSE_SECONDS = 10.0  # a stopping worker waits this long for Redis, then goes anyway
RESTART_SECONDS = 1.0  # between a worker that lost Redis and its replacement


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


def options_for(settings: Settings, burst: bool = False) -> dict[str, Any]:
    """arq's options for this process: the instance built at start-up from `settings`. A
    worker that runs until stopped waits for MongoDB at start-up; a `burst` run (the queue
    once, then exit) fails at once without it."""
    assert settings.redis_url is not None

    async def startup(ctx: dict[str, Any]) -> None:
        tessera = Tessera.build(settings)
        ctx["tessera"] = tessera  # first: a start-up that fails is still stopped
        if burst:
            await tessera.start_worker()
        else:
            await _once_the_database_answers(tessera.start_worker)
        ctx["messaging"] = tessera.messaging

    options = worker_options(settings.redis_url, on_startup=startup, on_shutdown=_shutdown)
    # On SIGTERM arq stops taking jobs, waits this long for the running ones, then cancels
    # them (they stay queued and run again: jobs are at-least-once and idempotent).
    options["job_completion_wait"] = math.ceil(settings.shutdown_grace_seconds)
    return options


async def _once_the_database_answers(start: Callable[[], Awaitable[None]]) -> None:
    """Start, waiting for MongoDB while it cannot be reached. A worker replaced after it lost
    Redis (`run`) starts again while the same outage may have MongoDB down too: it exited
    there with a traceback, though the database came back a moment later."""
    waiting = False
    while True:
        try:
            await start()
            return
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            if not waiting:
                log.warning("the database is unavailable (%s); waiting for it", describe(exc))
                waiting = True
        await asyncio.sleep(RESTART_SECONDS)


async def _shutdown(ctx: dict[str, Any]) -> None:
    if "tessera" in ctx:  # arq calls this even when start-up failed before building it
        await ctx["tessera"].stop()


def run(options: dict[str, Any], burst: bool = False) -> None:
    """Until SIGTERM or SIGINT (or, with `burst`, until the queue is empty).

    Most Redis commands wait for Redis (`redis_for_worker`), but arq still ends a worker on
    some Redis failures (a connection lost while it WATCHes a job it is about to take raises
    WatchError out of its loop). A worker ended that way is replaced by a new one, as a
    supervisor would; its running jobs finished first (arq's close waits for them)."""
    while True:
        try:
            TesseraWorker(**options, burst=burst).run()
            return
        except (RedisError, OSError) as exc:
            log.warning("the worker lost Redis (%s); starting a new one", exc)
            time.sleep(RESTART_SECONDS)
