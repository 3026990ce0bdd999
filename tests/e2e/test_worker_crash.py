"""Crash safety on arq, with a real redis-server and a real SMTP server.

arq runs a job at least once: a worker that dies mid-job leaves the job on the queue and it
runs again. So a job that runs twice must not make a second message, and an email resent
after a crash must carry the same Message-ID, so the receiver can drop the repeat.

The arq worker runs in the test process on the embedded store (mongomock cannot be shared
with another process); cancelling it mid-send stands for the crash, and arq treats a
cancelled job as one to run again. test_worker_process.py kills a real `tessera worker`.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name, in_progress_key_prefix
from arq.jobs import Job, JobStatus
from arq.utils import timestamp_ms
from arq.worker import Worker

from app.factory import create_app
from app.settings import Settings
from app.wiring import Tessera
from domain.clock import SettableClock
from domain.events import MemberChanged
from domain.ledger import EntryKind
from tests.conftest import SECRET, Api
from tests.e2e.held_smtp import HoldingMailbox, smtp_server
from tests.e2e.redis_server import RedisServer
from tests.integration.graphql import ENROLL, PURCHASE, by_id, purchase
from workers.arq_worker import worker_options
from workers.dispatch import DISPATCH
from workers.journeys import START_JOURNEYS, JourneyTrigger

# arq 0.28 closes its Redis pool with redis-py's deprecated close(); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
WAIT = 10.0  # seconds; each step takes well under one
LEASE = timedelta(seconds=30)  # on the test clock, which only moves when told


async def until(check: Callable[[], Awaitable[bool]], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def enrolled(api: Api, name: str, email: str) -> str:
    """A customer joins through GraphQL with an email address; returns the member id."""
    identifiers = [{"kind": "EMAIL", "value": email}]
    data = await api.data(
        ENROLL, {"input": {"identifiers": identifiers, "displayName": name, "channel": "WEB"}}
    )
    payload = data["enrollMember"]
    assert payload["__typename"] == "MemberEnrolled", payload
    member_id: str = payload["member"]["id"]
    return member_id


async def messages_of(tessera: Tessera, member_id: str) -> list[dict[str, Any]]:
    found = tessera.collections.messages.find({"member_id": member_id})
    docs: list[dict[str, Any]] = await found.to_list(None)
    return docs


async def the_welcome(tessera: Tessera, member_id: str) -> dict[str, Any]:
    """The member's only message: their welcome."""
    docs = await messages_of(tessera, member_id)
    assert [d["journey"] for d in docs] == ["WELCOME"], docs
    return docs[0]


async def welcome_is(tessera: Tessera, member_id: str, status: str) -> bool:
    docs = await messages_of(tessera, member_id)
    return any(d["journey"] == "WELCOME" and d["status"] == status for d in docs)


def outcomes(message: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(a["outcome"], a["detail"]) for a in message["attempts"]]


@pytest.fixture
async def mail() -> AsyncIterator[tuple[HoldingMailbox, int]]:
    """A real SMTP server in this process, with a mailbox that can hold its reply."""
    mailbox = HoldingMailbox()
    async with smtp_server(mailbox) as port:
        yield mailbox, port


@pytest.fixture
async def api(
    redis: RedisServer, mail: tuple[HoldingMailbox, int], clock: SettableClock
) -> AsyncIterator[Api]:
    """The app with its jobs on arq (so no worker runs in it) and email over SMTP."""
    _, port = mail
    settings = Settings(
        secret=SECRET,
        mongodb_url=None,
        mongodb_database=f"tessera_test_{secrets.token_hex(4)}",
        redis_url=redis.url,
        demo=False,
        relay_interval_seconds=3600,
        smtp_host="127.0.0.1",
        smtp_port=port,
        send_lease_seconds=LEASE.total_seconds(),
    )
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http,
    ):
        yield Api(http, app.state.tessera)


@pytest.fixture
async def queue(redis: RedisServer) -> AsyncIterator[ArqRedis]:
    """arq's Redis, to look at the queue and the jobs as arq keeps them."""
    pool = await create_pool(RedisSettings.from_dsn(redis.url))
    yield pool
    await pool.aclose()


@asynccontextmanager
async def worker_running(tessera: Tessera) -> AsyncIterator[Worker]:
    """An arq worker, as `tessera worker` builds it, on this app's store and providers."""
    assert tessera.settings.redis_url is not None
    options = worker_options(tessera.settings.redis_url, tessera.messaging)
    worker = Worker(**{**options, "poll_delay": 0.02}, handle_signals=False)
    running = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        await stopped(worker)  # again is harmless: a test may have stopped it already
        await asyncio.wait([running])


async def stopped(worker: Worker) -> None:
    """`worker.close()`: cancel every job (each one comes back on the queue) and disconnect.
    A job cancelled before its own try block began lets the CancelledError out of arq's
    close (arq 0.28); collect the jobs first, so the test is not stopped with them."""
    worker.handle_sig(signal.SIGUSR1)  # what close() does first without signal handlers
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    worker.tasks.clear()
    await worker.close()


def running_jobs(worker: Worker) -> int:
    return sum(not task.done() for task in worker.tasks.values())


async def due_jobs(queue: ArqRedis) -> list[str]:
    """Jobs on the queue whose time has come; a running job stays there until it ends."""
    due = await queue.zrangebyscore(default_queue_name, "-inf", timestamp_ms())
    return [job_id.decode() for job_id in due]


async def only_the_send_runs(queue: ArqRedis, worker: Worker) -> bool:
    """The held send is the one job running or due (start-up crons and wake-ups are done)."""
    return running_jobs(worker) == 1 and len(await due_jobs(queue)) == 1


async def drained(queue: ArqRedis, worker: Worker) -> bool:
    """Nothing runs, and nothing more will run while the test looks: a due job still marked
    in progress by a stopped worker waits for arq's job timeout (minutes), and a wake-up for
    later (a run that found the message mid-send looks again when the lease ends) for its
    time."""
    for job_id in await due_jobs(queue):
        if not await queue.exists(in_progress_key_prefix + job_id):
            return False
    return running_jobs(worker) == 0


async def test_a_worker_stopped_mid_send_is_resumed_with_the_same_message_id(
    api: Api, mail: tuple[HoldingMailbox, int], queue: ArqRedis, clock: SettableClock
) -> None:
    # given a worker on the queue, and a mail server that will hold its reply to an email
    mailbox, _ = mail
    mailbox.hold_next()
    async with worker_running(api.tessera) as first:
        # when a customer joins, and the server has the welcome but has not answered yet
        zoe = await enrolled(api, "Zoe", "zoe@example.com")
        await asyncio.wait_for(mailbox.holding.wait(), WAIT)
        sending = await the_welcome(api.tessera, zoe)
        assert (sending["status"], outcomes(sending)) == ("SENDING", [(None, "")])
        await until(lambda: only_the_send_runs(queue, first))
        # and the worker stops then: arq cancels the job, and keeps it to be run again
        stopping = asyncio.create_task(stopped(first))
        await asyncio.wait_for(mailbox.abandoned.wait(), WAIT)  # it gave up on the reply
        mailbox.release.set()
        await asyncio.wait_for(stopping, WAIT)
        assert first.jobs_retried >= 1 and first.jobs_failed == 0
    stranded = await the_welcome(api.tessera, zoe)
    assert (stranded["status"], outcomes(stranded)) == ("SENDING", [(None, "")])

    # when a worker starts again once the send is older than its lease
    clock.advance(LEASE + timedelta(seconds=1))
    async with worker_running(api.tessera) as second:
        await until(lambda: welcome_is(api.tessera, zoe, "SENT"))
        await until(lambda: drained(queue, second))

    # then the one welcome was sent again, with its id and the rendering stored at first
    sent = await the_welcome(api.tessera, zoe)
    assert sent["_id"] == sending["_id"]
    assert outcomes(sent) == [("INTERRUPTED", "crashed"), ("SENT", "2.0.0 queued")]
    assert sent["rendered"] == sending["rendered"]
    assert sent["rendered_version"] == sending["rendered_version"]
    # and the receiver got it twice under one Message-ID, so it can drop the repeat
    assert mailbox.message_ids() == [f"<{sent['_id']}@tessera>"] * 2
    for copy in mailbox.received:
        assert copy["Subject"] == sent["rendered"]["subject"]
        assert copy.get_content().splitlines() == sent["rendered"]["body"].splitlines()
    # and arq ran the stopped job again, to the end
    results = await queue.all_job_results()
    retried = [(r.job_try, r.success) for r in results if r.function == DISPATCH and r.job_try > 1]
    assert retried == [(2, True)]


async def test_a_send_hung_past_its_lease_is_taken_over_by_the_start_up_sweep(
    api: Api, mail: tuple[HoldingMailbox, int], queue: ArqRedis, clock: SettableClock
) -> None:
    # given a worker whose send hangs: the server has the welcome and holds its reply
    mailbox, _ = mail
    mailbox.hold_next()
    async with worker_running(api.tessera) as hung:
        zoe = await enrolled(api, "Zoe", "zoe@example.com")
        await asyncio.wait_for(mailbox.holding.wait(), WAIT)
        await until(lambda: only_the_send_runs(queue, hung))
        sending = await the_welcome(api.tessera, zoe)
        # and arq keeps its job marked in progress, as it does a killed worker's job until
        # the job's timeout, so no other worker is handed that job
        [hung_job] = await queue.keys(in_progress_key_prefix + "dispatch:*")

        # when the lease runs out and another worker starts
        clock.advance(LEASE + timedelta(seconds=1))
        async with worker_running(api.tessera) as second:
            # then its start-up sweep finds the stalled send, and sends it again
            await until(lambda: welcome_is(api.tessera, zoe, "SENT"))
            assert await queue.exists(hung_job)
            # and when the hung send's reply comes at last, it changes nothing
            mailbox.release.set()
            await until(lambda: drained(queue, hung))
            await until(lambda: drained(queue, second))

    sent = await the_welcome(api.tessera, zoe)
    assert sent["_id"] == sending["_id"]
    assert outcomes(sent) == [("INTERRUPTED", "crashed"), ("SENT", "2.0.0 queued")]
    assert sent["rendered"] == sending["rendered"]
    assert mailbox.message_ids() == [f"<{sent['_id']}@tessera>"] * 2


async def test_a_job_run_twice_makes_one_message_and_one_send(
    api: Api, mail: tuple[HoldingMailbox, int], queue: ArqRedis
) -> None:
    # given a customer who joined while no worker ran: their journeys job waits on the queue
    mailbox, _ = mail
    zoe = await enrolled(api, "Zoe", "zoe@example.com")
    journeys = Job(f"journeys:{zoe}:1", queue)
    info = await journeys.info()
    assert info is not None and info.function == START_JOURNEYS
    # and the same job queued again under another id, with two more wake-ups for dispatch,
    # as redeliveries and racing wake-ups would queue them
    repeats = [
        await queue.enqueue_job(START_JOURNEYS, _job_id=f"journeys:{zoe}:1:again", **info.kwargs),
        await queue.enqueue_job(DISPATCH, _job_id=f"dispatch:{zoe}:again:1", member_id=zoe),
        await queue.enqueue_job(DISPATCH, _job_id=f"dispatch:{zoe}:again:2", member_id=zoe),
    ]

    # when a worker runs them all
    async with worker_running(api.tessera) as worker:
        for job in (journeys, *repeats):
            assert job is not None
            await job.result(timeout=WAIT, poll_delay=0.02)  # raises if the job failed
        await until(lambda: drained(queue, worker))

    # then there is one welcome, sent once
    sent = await the_welcome(api.tessera, zoe)
    assert (sent["status"], outcomes(sent)) == ("SENT", [("SENT", "2.0.0 queued")])
    assert mailbox.message_ids() == [f"<{sent['_id']}@tessera>"]


async def test_a_replayed_trigger_is_queued_once_by_its_job_id(api: Api, queue: ArqRedis) -> None:
    # given a customer who joined while no worker ran: one journeys job is queued
    zoe = await enrolled(api, "Zoe", "zoe@example.com")
    job_id = f"journeys:{zoe}:1"
    assert await queue.zrange(default_queue_name, 0, -1) == [job_id.encode()]
    # when the outbox relay publishes the enrolment again (it crashed before clearing it)
    enrolment = MemberChanged(zoe, 1, EntryKind.ENROLLED, None, None, None, "BRONZE", None)
    trigger = JourneyTrigger(api.tessera.messaging.queue)
    await trigger.publish(enrolment)
    # then arq drops the repeat: a job with that id is already queued
    assert await queue.zrange(default_queue_name, 0, -1) == [job_id.encode()]
    assert await queue.enqueue_job(START_JOURNEYS, _job_id=job_id, member_id=zoe) is None

    # when the job ran, and the event is published once more
    async with worker_running(api.tessera):
        await Job(job_id, queue).result(timeout=WAIT, poll_delay=0.02)
        await trigger.publish(enrolment)
        # then its kept result drops that repeat too
        assert await Job(job_id, queue).status() is JobStatus.complete
        assert await queue.zscore(default_queue_name, job_id) is None
    assert len(await messages_of(api.tessera, zoe)) == 1


async def test_a_wake_up_is_timed_on_the_app_clock(
    api: Api, queue: ArqRedis, clock: SettableClock
) -> None:
    # given the app's clock, standing at a day long past on the wall clock arq times jobs by
    wake_ups = api.tessera.messaging.queue
    # when the dispatcher asks for one wake-up in a minute, and one already two days late
    await wake_ups.enqueue(
        DISPATCH, job_id="later", at=clock.now() + timedelta(minutes=1), member_id="mbr_x"
    )
    await wake_ups.enqueue(
        DISPATCH, job_id="late", at=clock.now() - timedelta(days=2), member_id="mbr_x"
    )
    # then arq holds the first for a minute of its own time, and the late one is due at once
    later = await queue.zscore(default_queue_name, "later")
    late = await queue.zscore(default_queue_name, "late")
    now = timestamp_ms()
    assert later is not None and 55_000 < later - now <= 60_000
    assert late is not None and late <= now


async def test_a_receipt_waits_for_the_email_cap_while_the_welcome_is_mid_send(
    api: Api, mail: tuple[HoldingMailbox, int], queue: ArqRedis
) -> None:
    # given a customer whose welcome is mid-send on one of arq's concurrent jobs
    mailbox, _ = mail
    mailbox.hold_next()
    async with worker_running(api.tessera) as worker:
        pat = await enrolled(api, "Pat", "pat@example.com")
        async with asyncio.timeout(WAIT):
            await mailbox.holding.wait()
        # when they buy, and the receipt's dispatch has run while the welcome is held
        await api.data(PURCHASE, purchase(by_id(pat), "o-pat-1", "30"))
        await until(lambda: only_the_send_runs(queue, worker))
        assert len(mailbox.received) == 1
        # and the welcome's send then completes
        mailbox.release.set()
        await until(lambda: drained(queue, worker))

    # then the welcome is the day's one email (EMAIL: 1 a day); the receipt waits a day
    docs = {d["journey"]: d for d in await messages_of(api.tessera, pat)}
    assert (docs["WELCOME"]["status"], docs["WELCOME"]["channel"]) == ("SENT", "EMAIL")
    receipt = docs["PURCHASE_RECEIPT"]
    assert (receipt["status"], receipt["deferred_reason"]) == ("PENDING", "FREQUENCY_CAP")
    assert mailbox.message_ids() == [f"<{docs['WELCOME']['_id']}@tessera>"]
