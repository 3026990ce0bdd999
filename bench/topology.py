"""The processes of `bench.scale_out`: `tessera serve` and `tessera worker` as deployed, the
real commands with their settings in TESSERA_* variables, on one database and one Redis.
Each process logs to a file of its own, shown when one fails to start."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.graphql_overhead import free_port
from bench.server import HOST, UNTHROTTLED
from bench.servers import stop_process

TESSERA = Path(sys.executable).with_name("tessera")
START_UP = 60.0  # seconds for a process to answer (a loaded 2-core machine is slow)
WORKER_STARTED = b"Tessera worker: jobs from"  # `tessera worker` prints it as it starts arq


def settings_env(**settings: object) -> dict[str, str]:
    """`Settings` keywords as the TESSERA_* variables a process reads them from."""
    return {f"TESSERA_{name.upper()}": str(value) for name, value in settings.items()}


# The benchmark drives one token far past a client's fair share; rate limits still run.
UNTHROTTLED_ENV = settings_env(**UNTHROTTLED)


def tail(log: Path, size: int = 3000) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return f"--- {log.name}\n{text[-size:]}"


async def _start(
    arguments: list[str], env: Mapping[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("ab") as out:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            str(TESSERA), *arguments, env=dict(env), stdout=out, stderr=out
        )


async def _until(
    ready: Callable[[], Awaitable[bool]], process: asyncio.subprocess.Process, log: Path
) -> None:
    """Poll `ready()` until true; the process's log if it exits or takes too long."""
    deadline = time.monotonic() + START_UP
    while not await ready():
        if process.returncode is not None:
            raise SystemExit(f"a tessera process exited with {process.returncode}\n{tail(log)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"a tessera process did not start in {START_UP:.0f} s\n{tail(log)}")
        await asyncio.sleep(0.1)


async def _serving(port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=5) as client:

        async def ready() -> bool:
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/readyz")).status_code == 200
            return False

        await _until(ready, process, log)


async def _working(process: asyncio.subprocess.Process, log: Path) -> None:
    async def ready() -> bool:
        return WORKER_STARTED in log.read_bytes()

    await _until(ready, process, log)


@dataclass
class Running:
    ports: list[int]  # of the API instances
    serve: list[asyncio.subprocess.Process] = field(default_factory=list)
    workers: list[asyncio.subprocess.Process] = field(default_factory=list)


@contextlib.asynccontextmanager
async def topology(instances: int, env: Mapping[str, str], folder: Path) -> AsyncIterator[Running]:
    """`instances` of `tessera serve` (no demo members) and as many `tessera worker`; yields
    them once every API answers /readyz and every worker has started; SIGTERM to all on
    leaving."""
    running = Running([free_port() for _ in range(instances)])
    waits: list[Coroutine[None, None, None]] = []
    try:
        for n, port in enumerate(running.ports, 1):
            log = folder / f"serve-{instances}-{n}.log"
            arguments = ["serve", "--port", str(port), "--no-demo"]
            running.serve.append(await _start(arguments, env, log))
            waits.append(_serving(port, running.serve[-1], log))
        for n in range(1, instances + 1):
            log = folder / f"worker-{instances}-{n}.log"
            running.workers.append(await _start(["worker"], env, log))
            waits.append(_working(running.workers[-1], log))
        async with asyncio.TaskGroup() as group:  # the first failure cancels the rest
            for wait in waits:
                group.create_task(wait)
        yield running
    finally:
        await asyncio.gather(*map(stop_process, running.serve + running.workers))
