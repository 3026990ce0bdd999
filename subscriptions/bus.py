"""The event bus. Listeners on an instance share one in-process fan-out; with Redis, events
travel through one Redis channel that every instance subscribes to once.

Delivery is at-most-once, so correctness never depends on it: a `Resync` tells listeners
that events may have been missed (the Redis link dropped), and they re-read the member.

A timed listener (`listen_timed`, the member feed's) also gets when each event was
published, as wall-clock seconds, for the fan-out delay metric.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from domain.events import MemberChanged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Resync:
    """Events may have been lost; every listener should send the current state again."""


Signal = MemberChanged | Resync
Timed = tuple[Signal, float | None]  # the signal, and when it was published (time.time())


class InProcessBus:
    def __init__(self, queue_size: int = 1024) -> None:
        self._queues: set[asyncio.Queue[Signal]] = set()
        self._timed: set[asyncio.Queue[Timed]] = set()
        self._queue_size = queue_size

    async def publish(self, event: MemberChanged) -> None:
        self.fan_out(event, time.time())

    def fan_out(self, signal: Signal, published_at: float | None = None) -> None:
        for queue in list(self._queues):
            _offer(queue, signal, Resync())
        for timed in list(self._timed):
            _offer(timed, (signal, published_at), (Resync(), None))

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[Signal]]:
        queue: asyncio.Queue[Signal] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    @asynccontextmanager
    async def listen_timed(self) -> AsyncIterator[asyncio.Queue[Timed]]:
        queue: asyncio.Queue[Timed] = asyncio.Queue(self._queue_size)
        self._timed.add(queue)
        try:
            yield queue
        finally:
            self._timed.discard(queue)


def _offer(queue: asyncio.Queue[Any], item: object, resync: object) -> None:
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:
        # A listener this far behind has lost track anyway; it is told to resync.
        log.warning("a bus listener is too slow; it will resync")
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(resync)
