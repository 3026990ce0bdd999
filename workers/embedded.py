"""The embedded default: the same jobs, run in this process, with the cron jobs on a timer.

`make run` thus shows the whole flow (purchase → receipt in the outbox) on one machine with
no Redis. Jobs queued here are lost if the process stops; the cron sweeps pick their work up
again from MongoDB on the next start (messages, outboxes, due dates and sweep positions are
all stored).

The timer looks every `interval_seconds` for cron jobs whose time came on the app's clock,
by the same schedule as arq (`workers.jobs.CRON_JOBS`): dispatch_due every 30 s, not the
churn sweep every 30 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from storage.availability import log_failure
from workers.context import Messaging
from workers.jobs import CRON_JOBS, run_cron, run_job
from workers.queue import InProcessQueue

log = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self, messaging: Messaging, queue: InProcessQueue, interval_seconds: float):
        self._messaging = messaging
        self._queue = queue
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        # The moment of its schedule each job last ran for; none yet: at the first look for
        # a job that runs at start-up, else at its next moment.
        now = messaging.clock.now()
        self._ran_for: dict[str, datetime | None] = {
            name: None if job.at_startup else job.runs.latest(now)
            for name, job in CRON_JOBS.items()
        }
        queue.bind(lambda name, arguments: run_job(messaging, name, arguments))

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._queue.stop()

    async def tick(self) -> None:
        """Run every cron job once now, whatever its schedule (a sweep still begins a pass
        only when one is due), then wait for the jobs they queued that are due now."""
        for name in CRON_JOBS:
            await self._run(name)
        await self._queue.idle()

    async def run_due(self) -> list[str]:
        """Run the cron jobs whose time came since they last ran, as the timer does; their
        names."""
        now = self._messaging.clock.now()
        ran = []
        for name, job in CRON_JOBS.items():
            moment = job.runs.latest(now)
            last = self._ran_for[name]
            if last is None or moment > last:
                self._ran_for[name] = moment
                await self._run(name)
                ran.append(name)
        await self._queue.idle()
        return ran

    async def idle(self) -> None:
        await self._queue.idle()

    async def _run(self, name: str) -> None:
        try:
            await run_cron(self._messaging, name)
        except Exception as exc:
            log_failure(log, exc, "cron job %s failed; it runs again next time", name)

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.run_due()
