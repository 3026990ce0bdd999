"""The arq worker: `tessera worker` (needs TESSERA_REDIS_URL) runs `WorkerSettings`.

Jobs take ids, never payloads, and are idempotent: arq runs a job at least once (a worker
killed mid-job runs it again), so a repeat finds the message the first run made, and a send
resumed after a crash carries the same message id to the provider.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, NamedTuple

from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function

from app.settings import Settings
from domain.sweeps import Every
from workers.context import Messaging
from workers.jobs import CRON_JOBS, JOBS, run_cron

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
    async def run(ctx: dict[str, Any]) -> int:
        return await run_cron(ctx["messaging"], name)

    run.__qualname__ = run.__name__ = name
    return run


def functions() -> list[Function]:
    return [
        func(_job(name), name=name, timeout=JOB_TIMEOUT_SECONDS, keep_result=KEEP_RESULT_SECONDS)
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


def worker_options(settings: Settings, messaging: Messaging | None = None) -> dict[str, Any]:
    """Keyword arguments for `arq.worker.Worker`. With `messaging` given (tests, embedded
    callers) the jobs use it; otherwise start-up builds one from the settings."""
    if not settings.redis_url:
        raise SystemExit("tessera worker needs TESSERA_REDIS_URL (the arq queue lives there)")
    options: dict[str, Any] = {
        "functions": functions(),
        "cron_jobs": cron_jobs(),
        "timezone": UTC,  # the schedule (workers.jobs.CRON_JOBS) is in UTC, as is the app
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
    timezone = UTC
    on_startup = _startup
    on_shutdown = _shutdown
    job_timeout = JOB_TIMEOUT_SECONDS
    poll_delay = POLL_SECONDS
    keep_result = KEEP_RESULT_SECONDS
    redis_settings = RedisSettings.from_dsn(Settings().redis_url or "redis://localhost:6379")
