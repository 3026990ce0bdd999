"""The outbox relay: after a member write commits, store its entries, then publish its event.

A crash between the steps leaves the item in the member's outbox; `sweep` finishes it at
start-up and on a timer. Ledger inserts are keyed by entry id, so a replay is harmless, and
subscribers discard versions they have already seen.

Items are relayed one at a time, in version order. When the database or the publisher's
transport is down, an item stays for the next sweep (and so do the member's later ones, to
keep their order). Any other failure means the item itself cannot be relayed: it is set
aside in `outbox_parked`, logged once and counted, so that it never blocks the items
behind it, nor turns every sweep into the same traceback. Admins see parked items in
GraphQL (`parkedOutboxItems`).

The timed sweep finds members through `outbox_pending`, a field set by the same atomic write
that pushes an item (`storage.members`) and removed by the write that pulls the last one: a
sparse index on it holds only the members with something waiting, so a sweep that finds
nothing reads nothing, however many members there are. The sweep at start-up also looks for
items without the field (pushed before it existed), once.

For metrics, each sweep notes what it leaves waiting (`backlog`): how many items, and since
when a sweep of this process first found the oldest of them (a monotonic time, kept in
memory: after a restart the age counts from the first sweep).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from pymongo.errors import BulkWriteError, ConnectionFailure

from domain.clock import Clock
from domain.events import Commit, MemberChanged
from domain.ledger import LedgerEntry
from domain.ports import EventPublisher, ParkedOutboxItem, PublisherUnavailable
from storage.collection import Collection
from storage.documents import entry_from_doc, event_from_doc, utc
from storage.entry_records import outbox_item

log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000
# Worth another try later: the link to MongoDB or to the publisher's transport is down.
TRANSIENT = (ConnectionFailure, PublisherUnavailable, TimeoutError)
# On a member document while its outbox holds items (indexed, sparse: storage.mongo).
PENDING = "outbox_pending"


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    items: int  # still waiting after the last sweep
    oldest_age_seconds: float  # since a sweep first found the oldest of them; 0 when none


class MongoOutbox:
    def __init__(
        self,
        members: Collection,
        ledger: Collection,
        requests: Collection,
        parked: Collection,
        publisher: EventPublisher,
        clock: Clock,
    ) -> None:
        self._members = members
        self._ledger = ledger
        self._requests = requests
        self._parked = parked
        self._publisher = publisher
        self._clock = clock
        self.parked_total = 0  # set aside by this process, for metrics
        self._waiting_since: dict[tuple[str, int], float] = {}  # (member, version) -> first seen

    async def deliver(self, commit: Commit) -> None:
        # The event goes out as the commit made it; only the sweep reads it back from its
        # stored document.
        await self._relay_now(commit.member.id, [outbox_item(commit)], commit.event)

    async def deliver_pending(self, member_id: str) -> None:
        doc = await self._members.find_one({"_id": member_id}, {"outbox": 1})
        if doc and doc.get("outbox"):
            await self._relay_now(member_id, doc["outbox"])

    async def _relay_now(
        self, member_id: str, items: list[dict[str, Any]], event: MemberChanged | None = None
    ) -> None:
        try:
            await self._relay(member_id, items, made=event)
        except Exception as exc:  # durable already: the sweep finishes it, the caller goes on
            log.warning("relaying %s failed; the sweep will finish it (%s)", member_id, _text(exc))

    async def pending_entry(self, member_id: str, entry_id: str) -> LedgerEntry | None:
        doc = await self._members.find_one({"_id": member_id}, {"outbox": 1})
        for item in (doc or {}).get("outbox", []):
            for entry in item["entries"]:
                if entry["_id"] == entry_id:
                    return entry_from_doc(entry)
        return None

    async def sweep(self, unmarked: bool = False) -> int:
        """Relay every member's pending items; returns how many were found. `unmarked`: also
        items pushed without `outbox_pending` (a scan of every member: once, at start-up)."""
        found = failed = 0
        last: Exception | None = None
        waiting: list[tuple[str, int]] = []
        query = {"outbox.0": {"$exists": True}} if unmarked else {PENDING: True}
        async for doc in self._members.find(query, {"outbox": 1}):
            found += len(doc["outbox"])
            relayed: list[dict[str, Any]] = []
            try:
                await self._relay(doc["_id"], doc["outbox"], relayed)
            except Exception as exc:  # one member's trouble never stops the others'
                failed += 1
                last = exc
                left = [i for i in doc["outbox"] if not any(i is r for r in relayed)]
                waiting += [(doc["_id"], i["version"]) for i in left]
        now = time.monotonic()
        self._waiting_since = {key: self._waiting_since.get(key, now) for key in waiting}
        if failed:
            log.warning("outbox sweep: %d members still waiting (%s)", failed, _text(last))
        return found

    def backlog(self) -> OutboxBacklog:
        """What the last sweep left waiting (the relay of a commit that just happened is
        not counted: it is the caller's, and the next sweep's if it fails)."""
        if not self._waiting_since:
            return OutboxBacklog(0, 0.0)
        oldest = min(self._waiting_since.values())
        return OutboxBacklog(len(self._waiting_since), time.monotonic() - oldest)

    async def parked(self, first: int) -> tuple[ParkedOutboxItem, ...]:
        cursor = self._parked.find().sort([("parked_at", -1), ("_id", -1)]).limit(first)
        return tuple(_parked_from_doc(d) for d in await cursor.to_list(length=first))

    async def _relay(
        self,
        member_id: str,
        items: list[dict[str, Any]],
        relayed: list[dict[str, Any]] | None = None,
        made: MemberChanged | None = None,
    ) -> None:
        """Relay in version order; `relayed` collects the items that went (and are pulled).
        `made`: the event of a commit just written, used as it is."""
        relayed = [] if relayed is None else relayed
        try:
            if not items:  # marked, with nothing left (a relay stopped between its writes)
                await self._pull(member_id, [])
            for item in sorted(items, key=lambda item: item["version"]):
                try:
                    known = made if made is not None and made.version == item["version"] else None
                    await self._relay_one(item, known)
                except TRANSIENT:
                    raise
                except Exception as exc:
                    await self._park(member_id, item, exc)
                relayed.append(item)
        finally:
            if relayed:
                await self._pull(member_id, relayed)

    async def _pull(self, member_id: str, relayed: list[dict[str, Any]]) -> None:
        """Remove the relayed items, by value, as stored (BSON keeps datetimes to the
        millisecond on both sides): FerretDB's $pull ignores a condition such as
        {"version": {"$in": [...]}}, and $pullAll means the same everywhere. When they are
        the whole outbox (the common case) the member leaves the sweep's index in the same
        write; when another item came meanwhile, it stays (the push marked it again)."""
        emptied = await self._members.update_one(
            {"_id": member_id, "outbox": relayed}, {"$set": {"outbox": []}, "$unset": {PENDING: ""}}
        )
        if emptied.matched_count == 0 and relayed:
            await self._members.update_one({"_id": member_id}, {"$pullAll": {"outbox": relayed}})

    async def _relay_one(self, item: dict[str, Any], event: MemberChanged | None) -> None:
        await insert_new(self._ledger, item["entries"])
        # A key is used again only after its retention: a record left under it is older
        # and is replaced (`storage.recorded` ignores what is past the retention anyway).
        for request in await insert_new(self._requests, item.get("requests", [])):
            await self._requests.replace_one({"_id": request["_id"]}, request)
        await self._publisher.publish(event or event_from_doc(item["event"]))

    async def _park(self, member_id: str, item: dict[str, Any], error: Exception) -> None:
        version = item["version"]
        doc = {
            "_id": f"{member_id}:{version}",
            "member_id": member_id,
            "version": version,
            "parked_at": self._clock.now(),
            "error": _text(error),
            "item": _storable(item),
        }
        await self._parked.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        self.parked_total += 1
        log.error("outbox item %s v%s set aside: %s", member_id, version, doc["error"])


async def insert_new(collection: Collection, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert `docs`; those whose `_id` was taken are returned (a replay finds its own)."""
    if not docs:
        return []
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details["writeErrors"]
        if any(e["code"] != DUPLICATE_KEY for e in errors):
            raise
        return [docs[e["index"]] for e in errors]
    return []


def _parked_from_doc(doc: dict[str, Any]) -> ParkedOutboxItem:
    item = doc.get("item", {})
    entries = item.get("entries", [])
    event = item.get("event", {})
    return ParkedOutboxItem(
        member_id=str(doc["member_id"]),
        version=int(doc["version"]),
        cause=str(event.get("cause", "")),
        error=str(doc["error"]),
        parked_at=utc(doc["parked_at"]),
        entry_ids=tuple(str(e.get("_id")) for e in entries),
        points=sum(int(e.get("points", 0)) for e in entries if isinstance(e.get("points"), int)),
    )


def _text(error: Exception | None) -> str:
    """An error as text any store and log can hold (a message may quote a lone surrogate)."""
    text = "" if error is None else f"{type(error).__name__}: {error}"
    return text[:1000].encode("utf-8", "backslashreplace").decode()


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode()
    if isinstance(value, dict):
        return {str(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
