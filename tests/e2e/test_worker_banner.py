"""`tessera worker` says where its jobs come from, never the password in that URL: terminals
and collected logs are not secret."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import SECRET
from tests.e2e.net import free_port

TESSERA = Path(sys.executable).with_name("tessera")


async def first_line(redis_url: str) -> str:
    """The worker's first line on stdout; the worker is stopped after it (nothing listens
    at either address, so it would wait for Redis)."""
    closed = free_port()
    env = {
        **os.environ,
        "TESSERA_SECRET": SECRET,
        "TESSERA_REDIS_URL": redis_url,
        "TESSERA_MONGODB_URL": f"mongodb://127.0.0.1:{closed}/?serverSelectionTimeoutMS=300",
    }
    worker = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "worker",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert worker.stdout is not None
    try:
        async with asyncio.timeout(30):
            return (await worker.stdout.readline()).decode()
    finally:
        worker.kill()
        await worker.wait()


async def test_the_worker_prints_its_redis_without_the_password() -> None:
    port = free_port()
    line = await first_line(f"redis://tessera:s3cret-pass@127.0.0.1:{port}/2")
    assert line == f"Tessera worker: jobs from redis://***@127.0.0.1:{port}/2\n"


async def test_a_url_without_credentials_is_printed_as_given() -> None:
    port = free_port()
    line = await first_line(f"redis://127.0.0.1:{port}/0")
    assert line == f"Tessera worker: jobs from redis://127.0.0.1:{port}/0\n"
