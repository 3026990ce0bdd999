"""The processes the benchmarks start: a redis-server, `bench.realtime_server` with one or
two Tessera instances, and the baselines of `bench.realtime_bare`; and a server's resident
memory, read from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from bench.graphql_overhead import free_port
from bench.server import HOST

ROOT = Path(__file__).resolve().parent.parent


async def stop_process(process: asyncio.subprocess.Process, timeout: float = 15) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def redis_server() -> AsyncIterator[str]:
    """A throwaway redis-server on a free port, without persistence; yields its URL."""
    async with redis_process() as (url, _):
        yield url


@contextlib.asynccontextmanager
async def redis_process() -> AsyncIterator[tuple[str, int]]:
    """`redis_server`, yielding its process id too."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (`make redis-server` installs it)")
    port = free_port()
    options = ["--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    process = await asyncio.create_subprocess_exec(
        binary, *options, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                if process.returncode is not None:
                    raise SystemExit(f"redis-server exited with {process.returncode}") from None
                await asyncio.sleep(0.05)
            else:
                writer.close()
                break
        else:
            raise SystemExit("redis-server did not accept connections within 10 s")
        yield f"redis://{HOST}:{port}/0", process.pid
    finally:
        await stop_process(process)


def redis_database(url: str, number: int) -> str:
    """The same redis-server, database `number`: nothing queued for one phase reaches another."""
    return f"{url.rpartition('/')[0]}/{number}"


@contextlib.asynccontextmanager
async def tessera_server(
    ports: Sequence[int], secret: str, deflate: bool, redis_url: str | None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`bench.realtime_server` serving one instance per port; yields once all are ready."""
    arguments = [*map(str, ports), "--secret", secret, "--deflate", "on" if deflate else "off"]
    if redis_url:
        arguments += ["--redis", redis_url]
    async with ready_process("bench.realtime_server", arguments) as process:
        yield process


@contextlib.asynccontextmanager
async def ready_process(
    module: str, arguments: Sequence[str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m module arguments...`, once it printed `ready`; closing its standard input
    asks it to shut down."""
    command = [sys.executable, "-m", module, *arguments]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = await process.stdout.readline()
        if line.strip() != b"ready":
            await process.wait()
            raise SystemExit(f"{module} exited with {process.returncode} before it was ready")
        yield process
    finally:
        process.stdin.close()  # asks it to shut down gracefully
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 15)
        await stop_process(process)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
