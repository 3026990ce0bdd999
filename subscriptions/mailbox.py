"""Per-connection queues and flags that cost next to nothing while idle.

An idle WebSocket subscriber holds a few queues: the server's receive queue and the
subscription's update queue. `asyncio.Queue` allocates four deques up front (its items,
getters, putters, and the deque of its `join` Event), about 3 KiB per queue, and an
`asyncio.Event` one deque, about 760 B: at 10,000 subscribers, tens of MiB for queues that
are nearly always empty. These keep a list that grows only while items wait and one future
only while someone waits (`bench.realtime` measures the difference).
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class _Parking:
    """A list of waiting futures, made when the first one waits and dropped with the last."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] | None = None

    async def _park(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None

    def _wake(self, everyone: bool) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                if not everyone:
                    return


class Mailbox(_Parking, Generic[T]):
    """A FIFO of at most `maxsize` items (0: unbounded) with asyncio.Queue's `put_nowait`
    (raising asyncio.QueueFull), `get`, `get_nowait`, `empty` and `qsize`; no `join`."""

    __slots__ = ("_items", "_maxsize")

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__()
        self._items: list[T] = []
        self._maxsize = maxsize

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        if self._maxsize and len(self._items) >= self._maxsize:
            raise asyncio.QueueFull
        self._items.append(item)
        self._wake(everyone=False)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)  # short: bounded, and usually one item

    async def get(self) -> T:
        while not self._items:
            try:
                await self._park()
            except BaseException:
                if self._items:  # woken, then cancelled: the item goes to another getter
                    self._wake(everyone=False)
                raise
        item = self._items.pop(0)
        if self._items:
            self._wake(everyone=False)
        return item


class Flag(_Parking):
    """asyncio.Event's `set`, `clear`, `is_set` and `wait`, without its deque."""

    __slots__ = ("_set",)

    def __init__(self) -> None:
        super().__init__()
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        self._wake(everyone=True)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if not self._set:
            await self._park()  # as asyncio.Event: woken by set(), even if cleared since
        return True
