"""The embedded default: the same jobs, run in this process, with the cron jobs on a timer.

`make run` thus shows the whole flow (purchase → receipt in the outbox) on one machine with
no Redis. Jobs queued here are lost if the process stops; the cron sweeps pick their work up
again from MongoDB on the next start (messages, outboxes and due dates are all stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.availability import log_failure
from workers.context import Messaging
from workers.jobs import CRON_JOBS, run_job
from workers.queue import InProcessQueue

log = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self, messaging: Messaging, queue: InProcessQueue, interval_seconds: float):
        self._messaging = messaging
        self._queue = queue
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None
        queue.bind(lambda name, args: run_job(messaging, name, args))

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
        """Run every cron job once, then wait for the jobs they queued that are due now."""
        for name, job in CRON_JOBS.items():
            try:
                await job(self._messaging)
            except Exception as exc:
                log_failure(log, exc, "cron job %s failed; it runs again next time", name)
        await self._queue.idle()

    async def idle(self) -> None:
        await self._queue.idle()

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.tick()
