"""Every job by name, for both runners: arq (`workers.arq_worker`) and in-process
(`workers.embedded`). A job takes the `Messaging` context and keyword arguments.

`CRON_JOBS` is the one schedule of the cron jobs: arq's cron entries are made from it, and
the embedded runner reads it to run each job when arq would. The sweeps run more often than
they begin a pass: a run between passes goes on with a pass cut short by its bounds, or
finds nothing to do in one read (each sweep's `new_pass` is in `workers.cron`; the first
pass, too, waits for a moment of it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.sweeps import Every
from workers import cron
from workers.context import Messaging
from workers.dispatch import DISPATCH, dispatch_member
from workers.job_metrics import timed
from workers.journeys import START_JOURNEYS, start_journeys
from workers.metrics import CRON_RUN_SECONDS
from workers.queue import JobArguments
from workers.referrals import REWARD_REFERRER, reward_referrer_job
from workers.webhooks import (
    DELIVER,
    deliver_webhooks,
    deliver_webhooks_due,
    forget_webhook_deliveries,
)

Job = Callable[..., Awaitable[Any]]

JOBS: dict[str, Job] = {  # each timed (tessera_job_duration_seconds) whichever runner runs it
    name: timed(name, job)
    for name, job in (
        (START_JOURNEYS, start_journeys),
        (DISPATCH, dispatch_member),
        (REWARD_REFERRER, reward_referrer_job),
        (DELIVER, deliver_webhooks),
    )
}


@dataclass(frozen=True)
class CronJob:
    name: str
    job: Callable[[Messaging], Awaitable[int]]
    runs: Every  # when it runs, in UTC
    at_startup: bool = False  # also as soon as a worker starts


_SECONDS, _MINUTES = timedelta(seconds=1), timedelta(minutes=1)

CRON_JOBS: dict[str, CronJob] = {
    job.name: job
    for job in (
        CronJob("dispatch_due", cron.dispatch_due, Every(30 * _SECONDS), at_startup=True),
        CronJob("expire_due", cron.expire_due, Every(_MINUTES), at_startup=True),
        # A new pass hourly, at minute 5 (cron.REMINDERS).
        CronJob("remind_due", cron.remind_due, Every(5 * _MINUTES)),
        # A new pass daily, at 03:30 UTC (cron.CHURN).
        CronJob("score_churn", cron.score_churn, Every(5 * _MINUTES)),
        CronJob("forget_requests", cron.forget_requests, Every(60 * _MINUTES)),
        # Webhook deliveries whose job was lost (a stopped process), or whose sender died.
        CronJob("deliver_webhooks_due", deliver_webhooks_due, Every(30 * _SECONDS), True),
        CronJob("forget_webhook_deliveries", forget_webhook_deliveries, Every(60 * _MINUTES)),
    )
}


async def run_job(messaging: Messaging, name: str, arguments: JobArguments) -> None:
    await JOBS[name](messaging, **arguments)


async def run_cron(messaging: Messaging, name: str) -> int:
    """One run of a cron job, timed (`tessera_cron_run_seconds`)."""
    with CRON_RUN_SECONDS.labels(name).time():
        return await CRON_JOBS[name].job(messaging)
