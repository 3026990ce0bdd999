"""`tessera worker` started while MongoDB cannot be reached waits for it instead of exiting,
as it waits for Redis. A worker that lost Redis is replaced in the same process (see
`app.worker.run`), and during one outage MongoDB may be down too: that replacement exited
with a traceback, though FerretDB came back a moment later (seen in a topology test run)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from pymongo import MongoClient

from tests.e2e.redis_server import RedisServer
from tests.ferretdb import FerretDB

TESSERA = Path(sys.executable).with_name("tessera")
WAITING = "the database is unavailable"
PENDING_INDEX = "member_id_1_status_1_not_before_1__id_1"  # one of the indexes it creates


async def until(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.2)


async def test_a_worker_started_without_its_database_waits_for_it(
    redis: RedisServer, tmp_path: Path
) -> None:
    # given a FerretDB not running yet, on a port of its own, and a worker pointed at it
    database = f"tessera_test_{secrets.token_hex(4)}"
    ferretdb = FerretDB(tmp_path)
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "TESSERA_REDIS_URL": redis.url,
        "TESSERA_MONGODB_URL": ferretdb.url,
        "TESSERA_MONGODB_DATABASE": database,
    }
    with log_path.open("wb") as log:
        worker = await asyncio.create_subprocess_exec(
            str(TESSERA), "worker", env=env, stdout=log, stderr=log
        )
    try:
        # then it says it waits for the database, and stays up past several timeouts (3 s)
        await until(lambda: WAITING in log_path.read_text(), 30)
        await asyncio.sleep(7)
        assert worker.returncode is None, log_path.read_text()
        assert "Traceback" not in log_path.read_text()
        # when the database starts, the worker prepares it (its indexes) and runs
        ferretdb.start()
        client: MongoClient[dict[str, object]] = MongoClient(ferretdb.url)
        try:
            messages = client[database]["messages"]
            await until(lambda: PENDING_INDEX in messages.index_information(), 30)
        finally:
            client.close()
        assert worker.returncode is None, log_path.read_text()
        # and SIGTERM still stops it cleanly
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 15) == 0, log_path.read_text()
        assert "Traceback" not in log_path.read_text()
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        ferretdb.stop()
