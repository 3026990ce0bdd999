"""The event bus. Listeners on an instance share one in-process fan-out; with Redis, events
travel through one Redis channel that every instance subscribes to once.

Delivery is at-most-once, so correctness never depends on it: a `Resync` tells listeners
that events may have been missed (the Redis link dropped), and they re-read the member.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from domain.events import MemberChanged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Resync:
    """Events may have been lost; every listener should send the current state again."""


Signal = MemberChanged | Resync


class InProcessBus:
    def __init__(self, queue_size: int = 1024) -> None:
        self._queues: set[asyncio.Queue[Signal]] = set()
        self._queue_size = queue_size

    async def publish(self, event: MemberChanged) -> None:
        self.fan_out(event)

    def fan_out(self, signal: Signal) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(signal)
            except asyncio.QueueFull:
                # A listener this far behind has lost track anyway; it is told to resync.
                log.warning("a bus listener is too slow; it will resync")
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(Resync())

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[Signal]]:
        queue: asyncio.Queue[Signal] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)
