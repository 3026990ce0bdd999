"""What `bench.scale_out` checks after each topology's purchases: every acknowledged purchase
in the ledger once, as its answer said; each member's balance what it was plus the points
acknowledged (and the sum of its ledger); one receipt per purchase, each sent once or
merged into another message, which was sent. Messages and the ledger are read from the database,
balances through the API."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bench.load import Reply
from bench.verify import graphql
from domain.ledger import EntryKind
from domain.messaging.decide import SuppressReason
from domain.messaging.message import FINAL, MessageStatus
from storage.mongo import Collections

BALANCE = "query Balance($id: ID!) { member(ref: {id: $id}) { balance } }"
POLL = 0.5  # seconds between looks at the messages while waiting (each look scans them)
FINAL_STATUSES = {status.value for status in FINAL}


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    member_id: str
    points: int


@dataclass
class Acknowledged:
    """The ledger entry each successful `recordPurchase` answered with, by order id."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def check(self, reply: Reply) -> bool:
        if reply.status != 200:
            return False
        payload = (orjson.loads(reply.body).get("data") or {}).get("recordPurchase") or {}
        if payload.get("__typename") != "PointsEarned":
            return False
        entry = payload["entry"]
        self.entries[entry["orderId"]] = Entry(
            entry["id"], payload["member"]["id"], int(entry["points"])
        )
        return True

    def points_of(self, member_id: str) -> int:
        return sum(e.points for e in self.entries.values() if e.member_id == member_id)


async def balances(api: httpx.AsyncClient, members: Sequence[str]) -> dict[str, int]:
    async def one(member_id: str) -> int:
        return int((await graphql(api, BALANCE, {"id": member_id}))["data"]["member"]["balance"])

    return dict(zip(members, await asyncio.gather(*map(one, members)), strict=True))


async def receipts_final(
    collections: Collections, members: Sequence[str], journey: str, expected: int, timeout: float
) -> list[dict[str, Any]]:
    """The `journey` messages of `members`, once there are `expected` and all are final."""
    query = {"journey": journey, "member_id": {"$in": list(members)}}
    fields = {"status": 1, "updated_at": 1, "reason": 1, "suppressed_reason": 1}
    deadline = time.monotonic() + timeout
    while True:
        found: list[dict[str, Any]] = await collections.messages.find(query, fields).to_list(None)
        final = [m for m in found if m["status"] in FINAL_STATUSES]
        if len(final) >= expected:
            return found
        if time.monotonic() > deadline:
            raise SystemExit(
                f"{journey}: {len(final)} of {expected} messages final after {timeout:.0f} s "
                f"({len(found)} made)"
            )
        await asyncio.sleep(POLL)


async def verify(
    collections: Collections,
    members: Sequence[str],
    acks: Acknowledged,
    receipts: Sequence[dict[str, Any]],
    before: dict[str, int],
    after: dict[str, int],
) -> tuple[list[str], list[str]]:
    """Lines saying what was checked, and lines saying what was wrong (none, we hope)."""
    checks: list[str] = []
    problems: list[str] = []
    ledger = await collections.ledger.find({"member_id": {"$in": list(members)}}).to_list(None)
    earned = [d for d in ledger if d["kind"] == EntryKind.EARNED.value]
    by_order = Counter(d["order_id"] for d in earned)
    as_answered = sum(
        1
        for d in earned
        if (ack := acks.entries.get(d["order_id"])) is not None
        and (ack.id, ack.member_id, ack.points) == (d["_id"], d["member_id"], d["points"])
        and by_order[d["order_id"]] == 1
    )
    total = len(acks.entries)
    checks.append(f"ledger: {as_answered}/{total} purchases' entries there once, as answered")
    if as_answered != total or set(by_order) != set(acks.entries):
        missing = sorted(set(acks.entries) - set(by_order))[:3]
        problems.append(f"LEDGER: {total - as_answered} wrong or missing, e.g. {missing}")

    ledger_sum = Counter[str]()
    for d in ledger:
        ledger_sum[d["member_id"]] += d["points"]
    right = [m for m in members if after[m] == before[m] + acks.points_of(m) == ledger_sum[m]]
    checks.append(
        f"balances: {len(right)}/{len(members)} members = before + points acknowledged "
        "= sum of their ledger"
    )
    if len(right) != len(members):
        problems.append(f"BALANCES: {len(members) - len(right)} members wrong")

    checks += await _receipts(collections, acks, receipts, problems)
    return checks, problems


async def _receipts(
    collections: Collections,
    acks: Acknowledged,
    receipts: Sequence[dict[str, Any]],
    problems: list[str],
) -> list[str]:
    orders = Counter(r["reason"]["order_id"] for r in receipts)
    if set(orders) != set(acks.entries) or any(n != 1 for n in orders.values()):
        problems.append(f"RECEIPTS: {len(receipts)} messages for {len(acks.entries)} purchases")
    status = Counter(r["status"] for r in receipts)
    merged = sum(1 for r in receipts if r.get("suppressed_reason") == SuppressReason.MERGED.value)
    sent_ids = [r["_id"] for r in receipts if r["status"] == MessageStatus.SENT.value]
    sent = await collections.sent.find({"_id": {"$in": sent_ids}}, {"attempts": 1}).to_list(None)
    once = sum(1 for d in sent if d["attempts"] == 1)
    if once != len(sent_ids):
        problems.append(f"RECEIPTS: {len(sent_ids) - once} sent twice or not stored")
    if len(sent_ids) + merged != len(receipts):
        others = {k: v for k, v in status.items() if k != MessageStatus.SENT.value}
        problems.append(f"RECEIPTS: neither sent nor merged: {others} ({merged} merged)")
    return [
        f"receipts: {len(receipts)} messages, one per purchase: {once} sent once, {merged} "
        "merged into another message that was sent"
    ]
