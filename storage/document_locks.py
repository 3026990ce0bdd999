"""Per-document write locks in the `write_locks` collection, built on the one write that is
atomic on every MongoDB server we know of: inserting a document with a unique `_id`.

They exist for FerretDB (see `storage.serialized_writes`), whose updates and deletes read the
matching documents, apply the change in Go, then write back or delete by `_id` in a separate
step. So a lock is never changed, only inserted (acquire) and deleted, and each delete is
made safe by who may do it:

- the holder deletes its own lock, but only if it held it for less than half the lease;
  after that a breaker may already be at work, so the holder leaves the lock to expire;
- a lock older than the lease belongs to a holder that died (or stalled): it is broken by
  whoever first takes the lock *on breaking it* (`<lock>!<owner>`, acquired the same way, so
  a breaker that dies is broken in turn). The stale lock is then deleted by `_id` and owner;
  while it exists nobody else deletes it, so the delete cannot hit a newer holder's lock.

Like any lease, this assumes a holder finishes within the lease (a single write, so
milliseconds) and that clocks of processes sharing a database differ by less than half of it.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError

from storage.cancellation import to_the_end

LEASE = timedelta(seconds=10)
LOOK_AT_HOLDER_EVERY = 1.0  # seconds between reads of the lock we are waiting for
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.032  # seconds; doubled after each failed attempt


class WriteLockTimeout(PyMongoError):
    """A document stayed locked for longer than a stale lock takes to be broken."""


@dataclass
class _Waiting:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    count: int = 0


class DocumentLocks:
    def __init__(self, locks: Any, lease: timedelta = LEASE) -> None:
        self._locks = locks
        self._lease = lease
        self._in_process: dict[str, _Waiting] = {}

    @asynccontextmanager
    async def holding(self, name: str) -> AsyncIterator[None]:
        # Writers in this process queue here first, in order: only one of them at a time
        # asks the database, instead of all of them polling it (and slowing the holder).
        waiting = self._in_process.setdefault(name, _Waiting())
        waiting.count += 1
        try:
            async with waiting.lock:
                owner = secrets.token_hex(8)
                try:
                    taken = await self._acquire(name, owner)
                except asyncio.CancelledError:
                    # Stopped while taking it (a shutdown): the insert may have landed.
                    await self._release(name, owner)
                    raise
                try:
                    yield
                finally:
                    if time.monotonic() - taken < self._lease.total_seconds() / 2:
                        await self._release(name, owner)
        finally:
            waiting.count -= 1
            if not waiting.count:
                del self._in_process[name]

    async def _acquire(self, name: str, owner: str) -> float:
        """Insert the lock, waiting for the holder or breaking a stale lock; returns the
        monotonic time it was taken at."""
        started = time.monotonic()
        pause, looked = FIRST_PAUSE, float("-inf")
        while True:
            taken = time.monotonic()
            try:
                await to_the_end(
                    self._locks.insert_one({"_id": name, "owner": owner, "at": _now()})
                )
                return taken
            except DuplicateKeyError:
                pass
            if taken - looked >= LOOK_AT_HOLDER_EVERY:  # at once, then now and then
                looked = taken
                holder = await self._locks.find_one({"_id": name})
                if holder is not None and holder["owner"] == owner:
                    return taken  # our insert went through, and its retry was refused
                if holder is not None and _now() - _utc(holder["at"]) > self._lease:
                    await self._break(holder)
                    continue
            if taken - started > 3 * self._lease.total_seconds():  # long after any lease ends
                raise WriteLockTimeout(f"{name} stayed locked for {taken - started:.0f} s")
            await asyncio.sleep(random.uniform(pause / 2, pause))
            pause = min(2 * pause, LONGEST_PAUSE)

    async def _release(self, name: str, owner: str) -> None:
        await to_the_end(self._locks.delete_one({"_id": name, "owner": owner}))

    async def _break(self, stale: dict[str, Any]) -> None:
        async with self.holding(f"{stale['_id']}!{stale['owner']}"):
            await self._locks.delete_one({"_id": stale["_id"], "owner": stale["owner"]})


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _now() -> datetime:
    # Wall-clock time, not the domain's clock: tests move that one, and a lease is real time.
    return datetime.now(UTC)
