"""Members with a purchase receipt waiting, made through the real path, for `bench.dispatch`.

The demo program caps messages at 2 a day and keeps quiet from 21:00 to 08:00 (Paris), so
a throughput run on it would mostly measure deferrals. `bench_program` writes a variant
with every cap at the most a profile counts (256) and quiet hours that start where they end
(none): every receipt is then actually sent. It holds no points either (`pending_days = 0`;
the demo holds them 14 days): `bench.scale_out` checks that each balance grew by the points
its purchases were answered with, and the topology test (tests/e2e) spends them.

Receipts are made by the domain handlers (enroll, then record a purchase), whose commits
the outbox relay turns into `start_journeys` jobs, which record the messages. Only the
dispatch jobs are held back (`DispatchHold`), so the measured phase is decide + render +
claim + send + mark SENT and nothing else.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from app.settings import DEMO_PROGRAM, Settings
from app.wiring import Tessera, read_program
from bench.server import UNTHROTTLED
from bench.stores import IN_PROCESS, Store
from bench.workload import amount
from domain.channel import Channel
from domain.commands import EnrollMember, MemberRef, RawIdentifier, RecordPurchase
from domain.handlers import enroll_member, record_purchase
from domain.identity import IdentifierKind
from domain.messaging.journeys import Journey
from domain.messaging.message import MessageStatus
from domain.messaging.policy import MAX_CAP
from workers.dispatch import DISPATCH
from workers.jobs import run_job
from workers.queue import InProcessQueue, JobArguments

T = TypeVar("T")

CAP_LINE = re.compile(
    r"(?m)^(all_channels|EMAIL|SMS|PUSH|WALLET) = \{ per_day = \d+, per_week = \d+ \}"
)
QUIET_LINE = re.compile(r"(?m)^(start|end) = \d\d:\d\d:\d\d")
HOLD_LINE = re.compile(r"(?m)^pending_days = \d+")
CONCURRENCY = 50  # commands in flight during set-up
RECEIPT = Journey.PURCHASE_RECEIPT.name


def bench_program(folder: Path) -> Path:
    """The demo program with caps at 256, no quiet hours and no hold, checked by loading it
    back."""
    text, caps = CAP_LINE.subn(r"\1 = { per_day = 256, per_week = 256 }", DEMO_PROGRAM.read_text())
    text, quiet = QUIET_LINE.subn(r"\1 = 00:00:00", text)
    text, holds = HOLD_LINE.subn("pending_days = 0", text)
    path = folder / "dispatch-bench.toml"
    path.write_text(text)
    program, policy = read_program(path)
    limits = [policy.caps.across_channels, *(limit for _, limit in policy.caps.per_channel)]
    wrong = holds != 1 or program.pending_days != 0
    if caps != 5 or quiet != 2 or wrong or any(x.per_day != MAX_CAP for x in limits):
        raise SystemExit(f"{DEMO_PROGRAM} changed shape; update bench.receipts.bench_program")
    if policy.quiet_hours.start != policy.quiet_hours.end:
        raise SystemExit("the bench program still has quiet hours")
    return path


def bench_settings(
    program: Path, redis_url: str | None = None, store: Store = IN_PROCESS, tag: str = ""
) -> Settings:
    """`store` (the embedded one unless said; whatever TESSERA_* says), its database named
    by `tag`, no demo members, in-process cron off: a sweep in the middle of a timed phase
    would only add noise."""
    return Settings(
        program=program,
        demo=False,
        redis_url=redis_url,
        cron_interval_seconds=3600,
        **store.settings(tag or "dispatch"),
        **UNTHROTTLED,  # type: ignore[arg-type]
    )


async def in_chunks(
    numbers: Sequence[int], step: Callable[[int], Awaitable[T]], size: int = CONCURRENCY
) -> list[T]:
    found: list[T] = []
    for start in range(0, len(numbers), size):
        found += await asyncio.gather(*(step(n) for n in numbers[start : start + size]))
    return found


async def enroll(tessera: Tessera, count: int, tag: str) -> list[str]:
    async def one(number: int) -> str:
        email = RawIdentifier(IdentifierKind.EMAIL, f"dispatch-{tag}-{number}@example.com")
        command = EnrollMember((email,), f"Bench Buyer {number}", Channel.POS)
        return (await enroll_member.handle(command, tessera.ports)).member.id

    return await in_chunks(range(count), one)


async def purchase(tessera: Tessera, member_id: str, order_id: str, number: int) -> int:
    command = RecordPurchase(
        MemberRef(id=member_id),
        order_id,
        Decimal(amount(number)),
        "EUR",
        Channel.POS,
        "store-001",
        f"bench:{order_id}",
    )
    return (await record_purchase.handle(command, tessera.ports)).member.version


def in_process_queue(tessera: Tessera) -> InProcessQueue:
    queue = tessera.messaging.queue
    if not isinstance(queue, InProcessQueue):
        raise TypeError("set-up needs the embedded in-process queue")
    return queue


class DispatchHold:
    """Every job of the in-process queue runs as usual except dispatch, whose member ids
    are kept instead: the receipts stay PENDING until `release`."""

    def __init__(self, tessera: Tessera) -> None:
        self._messaging = tessera.messaging
        self._queue = in_process_queue(tessera)
        self.members: dict[str, None] = {}  # insertion-ordered set
        self._queue.bind(self._run)

    async def _run(self, name: str, arguments: JobArguments) -> None:
        if name == DISPATCH:
            self.members[str(arguments["member_id"])] = None
            return
        await run_job(self._messaging, name, arguments)

    def release(self) -> None:
        messaging = self._messaging
        self._queue.bind(lambda name, arguments: run_job(messaging, name, arguments))


async def count(tessera: Tessera, collection: str, query: dict[str, Any]) -> int:
    return int(await getattr(tessera.collections, collection).count_documents(query))


async def receipts_waiting(tessera: Tessera, members: int, tag: str) -> tuple[list[str], float]:
    """`members` new members, welcomed (their welcome sent, so it does not carry the receipt),
    each with one purchase whose receipt is PENDING; returns them and the purchases' rate."""
    queue = in_process_queue(tessera)
    buyers = await enroll(tessera, members, tag)
    await queue.idle()
    welcomed = await count(tessera, "sent", {"member_id": {"$in": buyers}})
    if welcomed != members:
        raise SystemExit(f"set-up: {welcomed} of {members} welcome messages were sent")
    hold = DispatchHold(tessera)
    started = time.perf_counter()
    try:
        await in_chunks(range(members), lambda n: purchase(tessera, buyers[n], f"{tag}-{n}", n))
        await queue.idle()
    finally:
        hold.release()
    rate = members / (time.perf_counter() - started)
    waiting = await count(
        tessera,
        "messages",
        {"journey": RECEIPT, "status": MessageStatus.PENDING.value, "member_id": {"$in": buyers}},
    )
    if waiting != members or set(hold.members) != set(buyers):
        raise SystemExit(f"set-up: {waiting} of {members} receipts are pending")
    return buyers, rate
