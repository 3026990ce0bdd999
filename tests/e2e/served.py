"""`tessera serve` as a real process, its stderr (the logs) collected line by line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.demo_programs import NO_HOLD
from tests.e2e.net import free_port

TESSERA = Path(sys.executable).with_name("tessera")
SECRET = "e2e-secret-that-is-long-enough-for-hs256-keys"


@dataclass
class Served:
    process: asyncio.subprocess.Process
    port: int
    tokens: dict[str, str]  # member, pos, callcenter, admin, partner: as the banner prints them
    stderr: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def logs(self) -> list[dict[str, Any]]:
        """Every stderr line, each of which must be one JSON object."""
        return [json.loads(line) for line in self.stderr]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.logs() if line.get("logger") == "tessera.access"]

    async def logged(self, *request_ids: str, timeout: float = 5.0) -> None:
        """Wait for the access line of each request (written just after its answer), and a
        moment more, in which a second line for any of them would have come too."""
        async with asyncio.timeout(timeout):
            while not set(request_ids) <= {line["request_id"] for line in self.access()}:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)


@asynccontextmanager
async def tessera_serve(**env: str) -> AsyncIterator[Served]:
    """Start `tessera serve` on the embedded store with the demo members, `env` added; stopped
    (if still running) with SIGTERM on leaving. The program is the demo without its hold
    (`tests.demo_programs.NO_HOLD`) unless `env` names one (TESSERA_PROGRAM)."""
    port = free_port()
    program = {"TESSERA_PROGRAM": str(NO_HOLD)}
    environment = {**os.environ, "TESSERA_SECRET": SECRET, **program, **env}
    environment.pop("TESSERA_MONGODB_URL", None)
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "serve",
        "--port",
        str(port),
        "--demo",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None and process.stderr is not None
    served = Served(process, port, {})
    reader = asyncio.create_task(_collect(process.stderr, served.stderr))
    try:
        async with asyncio.timeout(30):
            while len(served.tokens) < 5:
                line = (await process.stdout.readline()).decode()
                assert line, f"tessera serve exited early: {served.stderr}"
                if line.strip().startswith("export "):  # `  export POS_TOKEN=eyJ...  # pos`
                    name, _, value = line.split()[1].partition("=")
                    served.tokens[name.removesuffix("_TOKEN").lower()] = value
            async with httpx.AsyncClient() as client:
                while True:
                    try:
                        if (await client.get(f"{served.url}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
        yield served
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, 5)


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode().rstrip("\n"))
