"""Every job by name, for both runners: arq (`workers.arq_worker`) and in-process
(`workers.embedded`). A job takes the `Messaging` context and string ids."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from workers import cron
from workers.context import Messaging
from workers.dispatch import DISPATCH, dispatch_member
from workers.job_metrics import timed
from workers.journeys import START_JOURNEYS, start_journeys

Job = Callable[..., Awaitable[Any]]

JOBS: dict[str, Job] = {  # each timed (tessera_job_duration_seconds) whichever runner runs it
    name: timed(name, job)
    for name, job in ((START_JOURNEYS, start_journeys), (DISPATCH, dispatch_member))
}

# name -> job; `arq_worker` gives each its schedule, `embedded` runs them all on a timer.
CRON_JOBS: dict[str, Callable[[Messaging], Awaitable[int]]] = {
    "dispatch_due": cron.dispatch_due,
    "expire_due": cron.expire_due,
    "remind_due": cron.remind_due,
    "score_churn": cron.score_churn,
}


async def run_job(m: Messaging, name: str, args: tuple[str, ...]) -> None:
    await JOBS[name](m, *args)
