"""The measured phases of `bench.dispatch`: dispatch throughput on a backlog of receipts,
the raw sent-messages provider write rate beside it, and purchase → receipt stored latency.

arq's worker runs in this process, as the only consumer of the queue: the embedded store
(mongomock) lives in one process, so a `tessera worker` process beside it would see an
empty database of its own; on FerretDB it runs here too, so that both stores measure the
same thing (`bench.scale_out` runs `tessera worker` processes). Jobs still go through a
real redis-server and arq's Worker (its polling, its concurrency limit, its job
bookkeeping), as in production. Each phase has a database of its own (`bench.stores`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from arq.utils import timestamp_ms
from arq.worker import Worker

from app.auth import issue_token
from app.factory import create_app
from app.settings import Settings
from app.wiring import Tessera
from bench.load import Sample
from bench.queries import RECORD_PURCHASE, purchase_input
from bench.receipts import (
    RECEIPT,
    bench_settings,
    count,
    in_chunks,
    in_process_queue,
    receipts_waiting,
)
from bench.stores import Store
from bench.verify import enroll_members, graphql
from bench.workload import amount
from domain.access import Role
from domain.messaging.journeys import MessageChannel
from storage.sent_messages import MongoSentMessages
from workers.arq_worker import worker_options
from workers.dispatch import schedule_dispatch
from workers.providers.base import OutgoingMessage
from workers.providers.sent_messages import SentMessagesProvider


@dataclass
class Throughput:
    messages: int
    seconds: float
    raw_per_second: float  # the sent-messages provider alone, same store, same messages
    purchases_per_second: float  # set-up: recordPurchase + start_journeys, dispatch held
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds

    @property
    def ratio(self) -> float:
        return self.per_second / self.raw_per_second


@dataclass
class Latency:
    purchases: int
    stored: int
    sample: Sample  # seconds from the recordPurchase request's start to `stored_at`
    answer: Sample  # recordPurchase round trips, for comparison
    poll_seconds: float  # how often the arq worker looks for jobs; 0 in-process


@contextlib.asynccontextmanager
async def arq_worker(
    settings: Settings, tessera: Tessera, *, cron: bool = True
) -> AsyncIterator[Worker]:
    """arq's Worker with the options `tessera worker` uses, on this process's store."""
    assert settings.redis_url is not None
    options: dict[str, Any] = worker_options(settings.redis_url, tessera.messaging)
    if not cron:
        options["cron_jobs"] = []
    worker = Worker(**options, handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        # Let running jobs finish their bookkeeping: `close` cancels whatever still runs.
        worker.allow_pick_jobs = False
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        await worker.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def idle(worker: Worker) -> bool:
    """No job running and none due (arq keeps a job on its queue until it ends)."""
    if any(not task.done() for task in worker.tasks.values()):
        return False
    return not await worker.pool.zcount(worker.queue_name, "-inf", timestamp_ms())


async def raw_outbox_rate(tessera: Tessera, messages: int, tag: str) -> float:
    """The sent-messages provider's own write rate: a receipt as dispatch rendered it, stored
    `messages` times under new ids, 50 at a time (arq's `max_jobs`)."""
    receipt = await tessera.collections.messages.find_one({"journey": RECEIPT, "status": "SENT"})
    assert receipt is not None, "no receipt was sent to copy"
    sample = await tessera.collections.sent.find_one({"_id": receipt["_id"]})
    assert sample is not None
    provider = SentMessagesProvider(MongoSentMessages(tessera.collections.sent), tessera.clock)

    async def send(number: int) -> None:
        await provider.send(
            OutgoingMessage(
                message_id=f"raw-{tag}-{number}",
                channel=MessageChannel(sample["channel"]),
                to=sample["to"],
                subject=sample["subject"],
                body=sample["body"],
                member_id=sample["member_id"],
                member_version=sample["member_version"],
            )
        )

    started = time.perf_counter()
    await in_chunks(range(messages), send)
    return messages / (time.perf_counter() - started)


async def check_sent(tessera: Tessera, buyers: list[str]) -> None:
    query = {"journey": RECEIPT, "status": "SENT", "member_id": {"$in": buyers}}
    sent = await count(tessera, "messages", query)
    if sent != len(buyers):
        raise SystemExit(f"dispatch: {sent} of {len(buyers)} receipts were sent")


async def throughput_embedded(program: Path, members: int, tag: str, store: Store) -> Throughput:
    """The embedded default: one dispatch job per member on the in-process queue at once."""
    tessera = Tessera.build(bench_settings(program, None, store, tag))
    async with tessera.running():
        buyers, purchase_rate = await receipts_waiting(tessera, members, tag)
        queue = in_process_queue(tessera)
        started = time.perf_counter()
        for member_id in buyers:
            await schedule_dispatch(tessera.messaging, member_id)
        await queue.idle()
        seconds = time.perf_counter() - started
        await check_sent(tessera, buyers)
        raw = await raw_outbox_rate(tessera, members, tag)
    return Throughput(members, seconds, raw, purchase_rate)


async def throughput_arq(
    program: Path, members: int, tag: str, redis_url: str, store: Store
) -> Throughput:
    """One arq worker (cron jobs off) consuming a queue of one dispatch job per member."""
    maker = Tessera.build(bench_settings(program, None, store, tag))
    async with maker.running():
        buyers, purchase_rate = await receipts_waiting(maker, members, tag)
    settings = bench_settings(program, redis_url, store, tag)
    tessera = Tessera.build(settings, client=maker.client)
    async with tessera.running():
        started = time.perf_counter()
        for member_id in buyers:
            await schedule_dispatch(tessera.messaging, member_id)
        enqueued = time.perf_counter() - started
        started = time.perf_counter()
        async with arq_worker(settings, tessera, cron=False) as worker:
            # Every job done, not a count of them: a dispatch that finds the member's turn
            # held ends at once (its holder sends), and other jobs count as complete too.
            while worker.jobs_complete + worker.jobs_failed < members or not await idle(worker):
                await asyncio.sleep(0.005)
            seconds = time.perf_counter() - started
            failed = worker.jobs_failed
        if failed:
            raise SystemExit(f"dispatch: {failed} arq jobs failed")
        await check_sent(tessera, buyers)
        raw = await raw_outbox_rate(tessera, members, tag)
    note = f"{members} jobs enqueued in {enqueued:.2f} s before the worker started"
    return Throughput(members, seconds, raw, purchase_rate, [note])


async def wait_for(tessera: Tessera, query: dict[str, Any], expected: int, timeout: float) -> int:
    """Poll the sent-messages provider's collection until `expected` documents match."""
    deadline = time.monotonic() + timeout
    while (found := await count(tessera, "sent", query)) < expected:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    return found


async def purchases_at_rate(
    client: httpx.AsyncClient, buyers: list[str], rate: float, tag: str
) -> tuple[dict[str, float], Sample]:
    """One purchase per buyer, started every 1/rate s; the wall-clock start of each."""
    started: dict[str, float] = {}
    answer = Sample()
    origin = time.perf_counter()
    for number, member_id in enumerate(buyers):
        await asyncio.sleep(max(0.0, origin + number / rate - time.perf_counter()))
        variables = {"input": purchase_input(member_id, f"{tag}-{number}", amount(number))}
        started[member_id] = time.time()
        before = time.perf_counter()
        payload = (await graphql(client, RECORD_PURCHASE, variables))["data"]["recordPurchase"]
        answer.latencies.append(time.perf_counter() - before)
        if payload["__typename"] != "PointsEarned":
            raise SystemExit(f"purchase {number} failed: {payload}")
    answer.seconds = time.perf_counter() - origin
    return started, answer


async def stored_delays(tessera: Tessera, started: dict[str, float]) -> Sample:
    """Each receipt's `stored_at` (the provider's clock, milliseconds) minus its purchase's
    start. Receipts are found by journey; each buyer made one purchase."""
    receipts = tessera.collections.messages.find(
        {"journey": RECEIPT, "member_id": {"$in": list(started)}}, {"member_id": 1}
    )
    sample = Sample()
    async for receipt in receipts:
        sent = await tessera.collections.sent.find_one({"_id": receipt["_id"]})
        if sent is not None:
            stored_at: datetime = sent["stored_at"]
            sample.latencies.append(stored_at.timestamp() - started[receipt["member_id"]])
    return sample


async def latency(
    program: Path,
    purchases: int,
    rate: float,
    tag: str,
    redis_url: str | None,
    drain: float,
    store: Store,
) -> Latency:
    """recordPurchase through GraphQL (in-process ASGI, no socket) at a steady rate, one per
    fresh member whose welcome was already sent; then when each receipt was stored."""
    settings = bench_settings(program, redis_url, store, tag)
    app = create_app(settings)
    tessera: Tessera = app.state.tessera
    token = issue_token(settings.secret.get_secret_value(), Role.ADMIN)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    poll_seconds = 0.0
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(tessera.running())
        if redis_url:
            worker = await stack.enter_async_context(arq_worker(settings, tessera))
            poll_seconds = worker.poll_delay_s
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
            )
        )
        buyers = await enroll_members(client, purchases)
        welcomed = await wait_for(tessera, {"member_id": {"$in": buyers}}, purchases, drain)
        if welcomed != purchases:
            raise SystemExit(f"latency set-up: {welcomed} of {purchases} welcomes were sent")
        started, answer = await purchases_at_rate(client, buyers, rate, tag)
        await wait_for(tessera, {"member_id": {"$in": buyers}}, 2 * purchases, drain)
        sample = await stored_delays(tessera, started)
    return Latency(purchases, len(sample.latencies), sample, answer, poll_seconds)
