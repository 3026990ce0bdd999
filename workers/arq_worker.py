"""The arq worker: `tessera worker` (needs TESSERA_REDIS_URL) runs `WorkerSettings`.

Jobs take ids, never payloads, and are idempotent: arq runs a job at least once (a worker
killed mid-job runs it again), so a repeat finds the message the first run made, and a send
resumed after a crash carries the same message id to the provider.
"""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function

from app.settings import Settings
from workers.context import Messaging
from workers.jobs import CRON_JOBS, JOBS

JOB_TIMEOUT_SECONDS = 120
KEEP_RESULT_SECONDS = 24 * 3600
POLL_SECONDS = 0.05  # a repeated trigger within a day is dropped by its job id


def _job(name: str) -> WorkerCoroutine:
    target = JOBS[name]

    async def run(ctx: dict[str, Any], *args: str) -> None:
        await target(ctx["messaging"], *args)

    run.__qualname__ = run.__name__ = name
    return run


def _cron(name: str) -> WorkerCoroutine:
    target = CRON_JOBS[name]

    async def run(ctx: dict[str, Any]) -> int:
        return await target(ctx["messaging"])

    run.__qualname__ = run.__name__ = name
    return run


def functions() -> list[Function]:
    return [
        func(_job(name), name=name, timeout=JOB_TIMEOUT_SECONDS, keep_result=KEEP_RESULT_SECONDS)
        for name in JOBS
    ]


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
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
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
    redis_settings = RedisSettings.from_dsn(Settings().redis_url or "redis://localhost:6379")
