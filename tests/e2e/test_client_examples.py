"""The runnable examples in clients/examples/ follow a member on a live server, as a user
runs them: a real process, a real WebSocket, a purchase recorded over HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Api
from tests.e2e.node_install import node_install_lock, node_modules_match_the_lockfile
from tests.integration.graphql import PURCHASE, by_id, purchase

EXAMPLES = Path(__file__).parents[2] / "clients" / "examples"
NODE_EXAMPLE = EXAMPLES / "node"
# v7 EARNED  balance 1203  SILVER  | 3700 points to Gold  @ store-001
LINE = re.compile(
    r"v(?P<version>\d+) (?P<kind>[A-Z_]+)  balance (?P<balance>-?\d+)  (?P<tier>[A-Z_]+)"
    r"(?:  \| (?P<countdown>.+?))?(?:  @ (?P<where>\S+))?"
)


@dataclass(frozen=True)
class Run:
    """How to start one example; the member ref and options follow."""

    command: list[str]
    cwd: Path


async def python_example() -> Run:
    return Run([sys.executable, str(EXAMPLES / "python" / "subscribe.py")], EXAMPLES / "python")


async def node_example() -> Run:
    return await node_script("subscribe.mjs")


async def node_script(script: str) -> Run:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = "node" if node is None else "npm"
        pytest.skip(f"{missing} is not installed: the Node example needs Node 20+ and npm")
    async with node_install_lock():
        if not node_modules_match_the_lockfile():
            # Once per checkout (or lockfile change); the registry is only needed then.
            install = await asyncio.create_subprocess_exec(
                npm,
                "ci",
                "--no-audit",
                "--no-fund",
                cwd=NODE_EXAMPLE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                async with asyncio.timeout(300):
                    _, errors = await install.communicate()
            finally:
                if install.returncode is None:
                    install.kill()
                    await install.wait()
            assert install.returncode == 0, f"npm ci failed:\n{errors.decode()}"
    return Run([node, script], NODE_EXAMPLE)


async def node_sse_example() -> Run:
    """subscribe.mjs with graphql-sse (Server-Sent Events) instead of graphql-ws."""
    run = await node_example()
    return Run([*run.command, "--sse"], run.cwd)


EXAMPLE_RUNS = [
    pytest.param(python_example, id="python"),
    pytest.param(node_example, id="node"),
]
FOLLOWING_RUNS = [*EXAMPLE_RUNS, pytest.param(node_sse_example, id="node-sse")]


@pytest.fixture
async def http_api(api: Api, live: str) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=f"http://{live}") as http:
        yield Api(http, api.tessera)


class Example:
    """One example process with its output piped; killed if a test leaves it running."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self) -> str:
        assert self.process.stdout is not None
        async with asyncio.timeout(10):
            raw = await self.process.stdout.readline()
        assert raw, f"the example printed nothing; stderr:\n{await self.stderr()}"
        return raw.decode().rstrip("\n")

    async def exit_code(self) -> int:
        async with asyncio.timeout(10):
            return await self.process.wait()

    async def stderr(self) -> str:
        assert self.process.stderr is not None
        async with asyncio.timeout(10):
            return (await self.process.stderr.read()).decode()


async def start(run: Run, live: str, token: str, *args: str) -> Example:
    env = {**os.environ, "TESSERA_URL": f"ws://{live}/graphql", "TESSERA_TOKEN": token}
    process = await asyncio.create_subprocess_exec(
        *run.command,
        *args,
        cwd=run.cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    return Example(process)


async def stop(example: Example) -> None:
    if example.process.returncode is None:
        example.process.kill()
        await example.process.wait()


@pytest.mark.parametrize("example_run", FOLLOWING_RUNS)
async def test_the_example_prints_the_snapshot_then_the_purchase(
    example_run: Callable[[], Awaitable[Run]], http_api: Api, live: str
) -> None:
    run = await example_run()
    example = await start(run, live, http_api.pos, "--count", "2", "mbr_demo_ben")
    try:
        first = await example.line()
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "example-1", "10.00"))
        second = await example.line()
        exit_code = await example.exit_code()
    finally:
        await stop(example)

    snapshot, earned = LINE.fullmatch(first), LINE.fullmatch(second)
    assert snapshot is not None, first
    assert earned is not None, second
    assert (snapshot["kind"], snapshot["balance"]) == ("SNAPSHOT", "320")
    assert (earned["kind"], earned["balance"], earned["where"]) == ("EARNED", "330", "store-001")
    assert int(earned["version"]) == int(snapshot["version"]) + 1
    assert exit_code == 0


@pytest.mark.parametrize("example_run", FOLLOWING_RUNS)
async def test_a_refused_token_ends_the_example_with_how_to_get_one(
    example_run: Callable[[], Awaitable[Run]], live: str
) -> None:
    run = await example_run()
    example = await start(run, live, "not-a-token", "--count", "1", "mbr_demo_ben")
    try:
        exit_code = await example.exit_code()
        stderr = await example.stderr()
    finally:
        await stop(example)

    assert exit_code == 1
    # A WebSocket is closed with 4403; an SSE stream answers the operation UNAUTHENTICATED.
    assert ("UNAUTHENTICATED" if "--sse" in run.command else "4403") in stderr
    assert "tessera token --role pos --store store-001" in stderr


async def test_apollo_client_reads_errors_and_takes_subscription_updates_into_its_cache(
    http_api: Api, live: str
) -> None:
    """Apollo Client with the checked-in possibleTypes: `... on Error` keeps its fields,
    and a `memberUpdated` update lands in the cache the member's query reads."""
    example = await start(await node_script("apollo.mjs"), live, http_api.pos, "mbr_demo_ben")
    try:
        card, redeem, preview, following = [await example.line() for _ in range(4)]
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "apollo-1", "10.00"))
        update = await example.line()
        exit_code = await example.exit_code()
    finally:
        await stop(example)

    assert card == "member mbr_demo_ben balance 320 BRONZE"
    assert redeem.startswith("redeem RewardNotFound REWARD_NOT_FOUND: ")
    assert preview.startswith("preview UnsupportedCurrency UNSUPPORTED_CURRENCY: ")
    assert following == "following"
    assert re.fullmatch(r"update v\d+ balance 330; cache balance 330", update), update
    assert exit_code == 0
