"""One bus listener per instance, fanned out in memory to the subscriptions on it.

For each event the changed member is loaded once, then offered to every subscription that
watches one of its ids. Each subscription has a bounded queue: one that falls this far
behind is dropped (it must resubscribe, and its first message will be a fresh snapshot),
so a slow consumer never grows the server's memory.

Metrics: live subscriptions by kind, and the delay from an event's publication to its
update offered to each subscriber (`subscriptions.metrics`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from domain.errors import MemberNotFound
from domain.events import MemberChanged
from domain.handlers.members import finish_merges
from domain.member import Member
from domain.ports import Ports
from storage.availability import log_failure
from subscriptions.bus import InProcessBus, Resync, Signal
from subscriptions.mailbox import Mailbox
from subscriptions.metrics import FANOUT_DELAY_SECONDS, SUBSCRIPTIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Update:
    event: MemberChanged
    member: Member  # the live member after the event (the survivor, after a merge)


class SlowConsumer(Exception):
    """The subscription fell too far behind and was dropped; resubscribe for a snapshot."""


class Watch:
    """One subscription's place in the feed. Its reader either awaits `next` (a task per
    subscription) or sets a `listener`, called after each offer (queued or dropped), and
    takes what is queued with `take` (no task while idle: `app.subscription_socket`)."""

    __slots__ = ("_feed", "dropped", "listener", "member_ids", "queue")

    def __init__(self, feed: MemberFeed, member_ids: Iterable[str], queue_size: int) -> None:
        self._feed = feed
        self.member_ids = frozenset(member_ids)
        self.queue: Mailbox[Update | Resync] = Mailbox(queue_size)
        self.dropped = False
        self.listener: Callable[[], None] | None = None

    def offer(self, item: Update | Resync) -> bool:
        """Queue `item`; False when this subscription is (or is now) dropped."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            # Unregistered at once: its sender may be blocked on a socket that is not read,
            # and nothing more should pile up for it meanwhile.
            self.dropped = True
            self._feed._remove(self)
            log.info("dropped a slow subscriber of %s", sorted(self.member_ids))
            return False
        finally:
            if self.listener is not None:
                self.listener()

    def take(self) -> Update | Resync | None:
        """What is queued next, without waiting (None: nothing); SlowConsumer once dropped."""
        if self.dropped:
            raise SlowConsumer("this subscription fell behind and was dropped; resubscribe")
        return None if self.queue.empty() else self.queue.get_nowait()

    def retarget(self, member_ids: Iterable[str]) -> None:
        """Follow a merge: watch the survivor's ids from now on, keeping what is queued."""
        self._feed._remove(self)
        self.member_ids = frozenset(member_ids)
        self._feed._add(self)

    async def next(self) -> Update | Resync:
        if self.dropped:
            raise SlowConsumer("this subscription fell behind and was dropped; resubscribe")
        item = await self.queue.get()
        if self.dropped and self.queue.empty():
            raise SlowConsumer("this subscription fell behind and was dropped; resubscribe")
        return item


class MemberFeed:
    def __init__(self, bus: InProcessBus, ports: Ports, queue_size: int = 64) -> None:
        self._bus = bus
        self._ports = ports
        self._queue_size = queue_size
        self._by_member: dict[str, set[Watch]] = {}
        self._by_store: dict[str, set[Watch]] = {}

    @property
    def watch_count(self) -> int:
        return len({w for watches in self._by_member.values() for w in watches})

    @asynccontextmanager
    async def watch(self, member_ids: Iterable[str]) -> AsyncIterator[Watch]:
        watch = self.follow(member_ids)
        try:
            yield watch
        finally:
            self.unfollow(watch)

    def follow(self, member_ids: Iterable[str]) -> Watch:
        """A watch on these member ids, until `unfollow` (`watch` as a context manager)."""
        watch = Watch(self, member_ids, self._queue_size)
        self._add(watch)
        SUBSCRIPTIONS.labels("member").inc()
        return watch

    def unfollow(self, watch: Watch) -> None:
        SUBSCRIPTIONS.labels("member").dec()
        self._remove(watch)

    @asynccontextmanager
    async def watch_store(self, store_id: str) -> AsyncIterator[Watch]:
        watch = Watch(self, (), self._queue_size)
        self._by_store.setdefault(store_id, set()).add(watch)
        SUBSCRIPTIONS.labels("store").inc()
        try:
            yield watch
        finally:
            SUBSCRIPTIONS.labels("store").dec()
            watches = self._by_store.get(store_id, set())
            watches.discard(watch)
            if not watches:
                self._by_store.pop(store_id, None)

    def listen_all(self) -> AbstractAsyncContextManager[asyncio.Queue[Signal]]:
        """Every event on the bus, of any member (the program's live figures)."""
        return self._bus.listen()

    async def run(self) -> None:
        async with self._bus.listen_timed() as signals:
            while True:
                signal, published_at = await signals.get()
                try:
                    await self._dispatch(signal, published_at)
                except Exception as exc:
                    log_failure(log, exc, "member feed could not dispatch %s", signal)

    async def _dispatch(
        self, signal: MemberChanged | Resync, published_at: float | None = None
    ) -> None:
        if isinstance(signal, Resync):
            for watches in (*self._by_member.values(), *self._by_store.values()):
                for watch in list(watches):
                    watch.offer(signal)
            return
        watchers = {
            w
            for member_id in (signal.member_id, *signal.merged_ids)
            for w in self._by_member.get(member_id, ())
        }
        if signal.store_id is not None:
            watchers.update(self._by_store.get(signal.store_id, ()))
        if not watchers:
            return
        try:
            member = await finish_merges(self._ports, signal.member_id)
        except MemberNotFound:
            return
        update = Update(signal, member)
        for watch in watchers:
            if watch.offer(update) and published_at is not None:
                FANOUT_DELAY_SECONDS.observe(max(0.0, time.time() - published_at))

    def _add(self, watch: Watch) -> None:
        for member_id in watch.member_ids:
            self._by_member.setdefault(member_id, set()).add(watch)

    def _remove(self, watch: Watch) -> None:
        for member_id in watch.member_ids:
            watches = self._by_member.get(member_id)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._by_member[member_id]
