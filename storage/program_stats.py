"""The program's counters: one document a UTC day, `{_id: "YYYY-MM-DD", c: {name: n}}`,
added to with `$inc` (atomic on every store), and read a period at a time without reading
any member (`domain.program_stats` says what they count).

Each change is counted once: a member version (or a message's outcome) first inserts its
marker, `{_id: "<member>:<version>"}`, in `program_stats_counted`; only the writer whose
insert succeeds adds to the day. A relay that runs again (a sweep after a crash, two
instances racing on the same outbox item) finds the marker and adds nothing. The price of
two writes without a transaction: a process dying between them leaves that one change
uncounted; it is never counted twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.clock import Clock
from domain.events import MemberChanged
from domain.messaging.message import FINAL, Message
from domain.program_stats import StatsDelta, message_delta
from storage.availability import log_failure
from storage.collection import Collection
from storage.messages import MongoMessageStore
from storage.outbox import TRANSIENT

log = logging.getLogger(__name__)


def _field(name: str) -> str:
    """A counter's name as a field of `c` (names hold tier codes, which may hold a dot)."""
    return "c." + name.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _name(field: str) -> str:
    return field.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


class MongoProgramStats:
    def __init__(self, days: Collection, counted: Collection, clock: Clock) -> None:
        self._days = days
        self._counted = counted
        self._clock = clock

    async def count(self, key: str, delta: StatsDelta) -> bool:
        """Add `delta` to its day, once for `key`; False when `key` was counted before."""
        if not delta.counts:
            return False
        day = f"{(delta.at or self._clock.now()).astimezone(UTC):%Y-%m-%d}"
        try:
            await self._counted.insert_one({"_id": key, "day": day})
        except DuplicateKeyError:
            return False
        # The marker stays even if this fails: the store may have added it all the same, and
        # a figure short by one change beats one counted twice.
        await self._add(day, {_field(name): n for name, n in delta.counts.items()})
        return True

    async def _add(self, day: str, increments: dict[str, int]) -> None:
        for _ in range(2):  # two first writers of a day: one inserts, the other retries
            with contextlib.suppress(DuplicateKeyError):
                await self._days.update_one({"_id": day}, {"$inc": increments}, upsert=True)
                return
        await self._days.update_one({"_id": day}, {"$inc": increments}, upsert=True)

    async def totals(
        self, first_day: str, last_day: str
    ) -> tuple[Mapping[str, int], Mapping[str, int]]:
        as_of: Counter[str] = Counter()
        period: Counter[str] = Counter()
        async for doc in self._days.find({"_id": {"$lte": last_day}}):
            counts = _flattened(doc.get("c", {}))
            as_of.update(counts)
            if doc["_id"] >= first_day:
                period.update(counts)
        return as_of, period


def _flattened(counts: dict[str, Any]) -> dict[str, int]:
    return {_name(field): int(n) for field, n in counts.items() if isinstance(n, int | float)}


class ProgramStatsCounter:
    """The PROGRAM_STATS reaction (`domain.reactions`): counts each member version's delta.

    The figures are derived: a failure here other than the store being down is logged and
    skipped, never a reason to set the member's event aside (its other reactions follow)."""

    def __init__(self, stats: MongoProgramStats) -> None:
        self._stats = stats

    async def publish(self, event: MemberChanged) -> None:
        if event.stats is None:
            return
        try:
            await self._stats.count(f"{event.member_id}:{event.version}", event.stats)
        except TRANSIENT:
            raise
        except Exception as exc:
            log_failure(
                log, exc, "program stats: %s v%s not counted", event.member_id, event.version
            )


class CountedMessageStore(MongoMessageStore):
    """The message store, counting each message once as it reaches SENT or SUPPRESSED (a
    compare-and-set moves it there: one writer only)."""

    def __init__(self, messages: Collection, stats: MongoProgramStats) -> None:
        super().__init__(messages)
        self._stats = stats

    async def create_if_absent(self, message: Message) -> tuple[Message, bool]:
        stored, created = await super().create_if_absent(message)
        if created:
            await self._counted(stored)
        return stored, created

    async def save(self, message: Message, previous: Message) -> bool:
        saved = await super().save(message, previous)
        if saved and previous.status not in FINAL:
            await self._counted(message)
        return saved

    async def _counted(self, message: Message) -> None:
        delta = message_delta(message)
        if delta is None:
            return
        try:
            await self._stats.count(f"message:{message.id}", delta)
        except Exception as exc:  # the message moved on; its count is a figure, not its state
            log_failure(log, exc, "program stats: message %s not counted", message.id)
