"""The event bus: in-process for the embedded default. Subscribers get member-change events
after they are stored; delivery is at-most-once, so subscribers re-read views on gaps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from domain.events import MemberChanged

log = logging.getLogger(__name__)


class InProcessBus:
    def __init__(self, queue_size: int = 256) -> None:
        self._queues: set[asyncio.Queue[MemberChanged]] = set()
        self._queue_size = queue_size

    async def publish(self, event: MemberChanged) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a bus listener is too slow; dropping an event for it")

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[MemberChanged]]:
        queue: asyncio.Queue[MemberChanged] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)
