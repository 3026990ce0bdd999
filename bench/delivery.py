"""Purchases sent at a steady rate, and how their updates reached the subscribers.

A purchase is timed twice with `time.perf_counter`: when its request is written and when
its HTTP response has been read. Each update a subscriber receives is matched to its
purchase by (member id, version). The update is published before the response is written,
so it may arrive first: `from_response` counts such an update as 0 ms (and `early` counts
them), while `from_send` is measured from the request and is never negative.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import orjson

from bench.load import Connection, LoadFailed, Sample
from bench.queries import RECORD_PURCHASE, purchase_input
from bench.subscribers import Receipt
from bench.workload import amount


@dataclass(frozen=True, slots=True)
class Purchase:
    member_id: str
    version: int
    sent: float
    answered: float


async def send_purchases(
    connection: Connection, buyers: Sequence[str], count: int, rate: float, run: str
) -> list[Purchase]:
    """`count` purchases, one at a time, started every 1/rate s (or at once when late)."""
    done: list[Purchase] = []
    start = time.perf_counter()
    for number in range(count):
        await asyncio.sleep(max(0.0, start + number / rate - time.perf_counter()))
        buyer = buyers[number % len(buyers)]
        variables = {"input": purchase_input(buyer, f"{run}-{number}", amount(number))}
        body = orjson.dumps({"query": RECORD_PURCHASE, "variables": variables})
        sent = time.perf_counter()
        reply = await connection.request("POST", "/graphql", body)
        answered = time.perf_counter()
        payload = orjson.loads(reply.body).get("data", {}).get("recordPurchase") or {}
        if reply.status != 200 or payload.get("__typename") != "PointsEarned":
            raise LoadFailed(f"purchase {number} failed: {reply.status} {reply.body[:300]!r}")
        member = payload["member"]
        done.append(Purchase(member["id"], int(member["version"]), sent, answered))
    return done


@dataclass
class Delivery:
    expected: int
    delivered: int = 0
    duplicates: int = 0
    unexpected: int = 0  # updates that match no purchase of a member the subscriber follows
    resyncs: int = 0  # snapshots sent again: the server thought events may have been lost
    early: int = 0  # arrived before the purchase's HTTP response
    from_response: Sample = field(default_factory=Sample)
    from_send: Sample = field(default_factory=Sample)

    @property
    def complete(self) -> bool:
        """Every update once, nothing else: no duplicates, strays or resync snapshots."""
        extra = self.duplicates or self.unexpected or self.resyncs
        return self.delivered == self.expected and not extra


def expected_updates(buyers: Sequence[str], followers: Mapping[str, Sequence[int]]) -> int:
    return sum(len(followers.get(member_id, ())) for member_id in buyers)


def match(
    purchases: Sequence[Purchase],
    receipts: Sequence[Receipt],
    followers: Mapping[str, Sequence[int]],
) -> Delivery:
    by_update = {(p.member_id, p.version): p for p in purchases}
    delivery = Delivery(expected_updates([p.member_id for p in purchases], followers))
    seen: set[tuple[int, str, int]] = set()
    for receipt in receipts:
        if receipt.cause == "SNAPSHOT":
            delivery.resyncs += 1
            continue
        purchase = by_update.get((receipt.member_id, receipt.version))
        if purchase is None or receipt.subscriber not in followers.get(receipt.member_id, ()):
            delivery.unexpected += 1
            continue
        key = (receipt.subscriber, receipt.member_id, receipt.version)
        if key in seen:
            delivery.duplicates += 1
            continue
        seen.add(key)
        delivery.delivered += 1
        delivery.early += receipt.at < purchase.answered
        delivery.from_response.latencies.append(max(0.0, receipt.at - purchase.answered))
        delivery.from_send.latencies.append(receipt.at - purchase.sent)
    return delivery
