"""With a MongoDB shared by processes (FerretDB, see tests/ferretdb.py), the crash is real:
a `tessera worker` process killed with SIGKILL mid-send, then started again.

SIGKILL leaves no clean-up of any kind: arq keeps the killed job marked in progress until
its timeout (over two minutes), so the restarted worker is not handed that job. Its start-up
sweep (`dispatch_due`) finds the send older than its lease and resumes it, as does a wake-up
for the lease's end, if a second run of the dispatcher had found the send in flight.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix

from app.factory import create_app
from app.settings import Settings
from tests.conftest import SECRET, Api
from tests.e2e.held_smtp import HoldingMailbox, smtp_server
from tests.e2e.redis_server import RedisServer
from tests.e2e.test_worker_crash import enrolled, outcomes, the_welcome, until, welcome_is

TESSERA = Path(sys.executable).with_name("tessera")
# Long enough that the first worker cannot itself take the held send over before the kill.
LEASE = timedelta(seconds=3)
START_UP = 30.0  # seconds for a worker process to start and take its first jobs


def midday_zone() -> str:
    """A time zone where it is about noon now: the worker runs on the real clock, and quiet
    hours (21:00-08:00 local) would hold a welcome sent at night until the morning."""
    hours_ahead = 12 - datetime.now(UTC).hour  # -11 .. 12, all valid Etc zones
    return f"Etc/GMT{-hours_ahead:+d}"  # Etc/GMT-2 is two hours ahead of UTC


@dataclass
class Stack:
    """The API in this process; workers as real processes; Redis, MongoDB and SMTP shared."""

    api: Api
    mailbox: HoldingMailbox
    queue: ArqRedis
    env: dict[str, str]
    logs: Path
    workers: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def start_worker(self) -> asyncio.subprocess.Process:
        log: IO[bytes] = (self.logs / f"worker-{len(self.workers) + 1}.log").open("wb")
        with log:  # the child keeps its own copy of the descriptor
            process = await asyncio.create_subprocess_exec(
                str(TESSERA), "worker", env=self.env, stdout=log, stderr=log
            )
        self.workers.append(process)
        return process

    def worker_logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logs.glob("worker-*.log")))


@pytest.fixture
async def stack(redis: RedisServer, mongodb_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    database = f"tessera_test_{secrets.token_hex(4)}"
    mailbox = HoldingMailbox()
    async with AsyncExitStack() as exits:
        port = await exits.enter_async_context(smtp_server(mailbox))
        env = {
            **os.environ,
            "TESSERA_REDIS_URL": redis.url,
            "TESSERA_MONGODB_URL": mongodb_url,
            "TESSERA_MONGODB_DATABASE": database,
            "TESSERA_SMTP_HOST": "127.0.0.1",
            "TESSERA_SMTP_PORT": str(port),
            "TESSERA_SEND_LEASE_SECONDS": str(LEASE.total_seconds()),
        }
        settings = Settings(
            secret=SECRET,
            mongodb_url=mongodb_url,
            mongodb_database=database,
            redis_url=redis.url,
            demo=False,
            relay_interval_seconds=3600,
            send_lease_seconds=LEASE.total_seconds(),
        )
        app = create_app(settings)
        await exits.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        http = await exits.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://tessera.test")
        )
        queue = await create_pool(RedisSettings.from_dsn(redis.url))
        exits.push_async_callback(queue.aclose)
        exits.callback(app.state.tessera.client.close)
        exits.push_async_callback(app.state.tessera.client.drop_database, database)
        found = Stack(Api(http, app.state.tessera), mailbox, queue, env, tmp_path)
        try:
            yield found
        finally:
            for process in found.workers:
                if process.returncode is None:
                    process.terminate()  # arq shuts down on SIGTERM
                    try:
                        await asyncio.wait_for(process.wait(), 10)
                    except TimeoutError:
                        process.kill()
                        await process.wait()


async def test_a_killed_worker_process_is_restarted_and_resends_with_the_same_id(
    stack: Stack,
) -> None:
    api, mailbox = stack.api, stack.mailbox
    # given a customer who joined while no worker ran, where it is midday
    zoe = await enrolled(api, "Zoe", "zoe@example.com")
    await api.tessera.messaging.profiles.set_preferences(zoe, midday_zone(), None)
    # and a mail server that will hold its reply to an email
    mailbox.hold_next()

    # when a `tessera worker` process takes the jobs, and the server has the welcome
    first = await stack.start_worker()
    try:
        await asyncio.wait_for(mailbox.holding.wait(), START_UP)
    except TimeoutError:
        pytest.fail(f"no email reached the server; the worker said:\n{stack.worker_logs()}")
    sending = await the_welcome(api.tessera, zoe)
    assert (sending["status"], outcomes(sending)) == ("SENDING", [(None, "")])
    # and the process is killed before the server answers
    first.kill()
    await first.wait()
    mailbox.release.set()
    # then the send is stranded, and arq still holds the killed job as in progress
    stranded = await the_welcome(api.tessera, zoe)
    assert (stranded["status"], outcomes(stranded)) == ("SENDING", [(None, "")])
    assert await stack.queue.keys(in_progress_key_prefix + "dispatch:*")

    # when a worker process starts again once the send is older than its lease
    started = sending["attempts"][0]["started_at"]
    await asyncio.sleep(max(0.0, (started + LEASE - datetime.now(UTC)).total_seconds()))
    await stack.start_worker()
    try:
        await until(lambda: welcome_is(api.tessera, zoe, "SENT"), timeout=START_UP)
    except TimeoutError:
        pytest.fail(f"the welcome was not resumed; the workers said:\n{stack.worker_logs()}")

    # then the one welcome was sent again, with its id and the rendering stored at first
    sent = await the_welcome(api.tessera, zoe)
    assert sent["_id"] == sending["_id"]
    assert [outcome for outcome, _ in outcomes(sent)] == ["INTERRUPTED", "SENT"]
    assert sent["rendered"] == sending["rendered"]
    assert sent["rendered_version"] == sending["rendered_version"]
    # and every copy the receiver got carries one Message-ID, so it can drop the repeat
    assert mailbox.message_ids() == [f"<{sent['_id']}@tessera>"] * 2
    for copy in mailbox.received:
        assert copy["Subject"] == sent["rendered"]["subject"]
        assert copy.get_content().splitlines() == sent["rendered"]["body"].splitlines()
