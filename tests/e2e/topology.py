"""The whole topology as OS processes, for test_topology.py: one FerretDB (its own files,
restartable), one redis-server (restartable), two `tessera serve` and two `tessera worker`,
all on one database and one Redis, email going to a real SMTP server in the test's event
loop. The test talks to the instances over HTTP and WebSockets, as clients do, and reads
the database directly only to look at what no API shows (message documents).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from motor.motor_asyncio import AsyncIOMotorClient

from app.auth import issue_token
from domain.access import Role
from tests.e2e.held_smtp import HoldingMailbox
from tests.e2e.net import free_port
from tests.e2e.redis_server import RedisServer
from tests.ferretdb import FerretDB
from tests.integration.graphql import ENROLL, MEMBER, PURCHASE, by_id, purchase

TESSERA = Path(sys.executable).with_name("tessera")
SECRET = "topology-secret-that-is-long-enough-for-hs256"
DATABASE = "tessera_topology"
START_UP = 60.0  # seconds for a process to answer (a loaded 2-core machine is slow)
WAIT = 30.0  # seconds for anything the test waits for
LEASE = 3.0  # TESSERA_SEND_LEASE_SECONDS: a send this old lost its worker
T = TypeVar("T")


async def until(check: Callable[[], Awaitable[bool]], timeout: float = WAIT) -> None:
    """Poll `check` until it is true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


def token(role: Role, subject: str | None = None) -> str:
    store = "store-001" if role is Role.POS else None
    return issue_token(SECRET, role, None, store, 3600, subject)


ADMIN = token(Role.ADMIN)


@dataclass
class Api:
    """One `tessera serve` process and an HTTP client for it."""

    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None
    http: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.url, timeout=WAIT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def post(self, query: str, variables: dict[str, Any], auth: str = ADMIN) -> Any:
        """The response body of a GraphQL POST, which must be a 200."""
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {auth}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any], auth: str = ADMIN) -> Any:
        body = await self.post(query, variables, auth)
        assert "errors" not in body, body
        return body["data"]

    async def member(self, member_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.data(MEMBER, {"ref": by_id(member_id)}))["member"]
        return found

    async def enrolled(self, identifier: str) -> str:
        """A new member, known by an email address (messages go there) or else by a store
        card (no message has anywhere to go: the workers stay quiet)."""
        kind = "EMAIL" if "@" in identifier else "POS_CARD"
        variables = {
            "input": {
                "identifiers": [{"kind": kind, "value": identifier}],
                "displayName": identifier.split("@")[0].title(),
                "channel": "WEB",
            }
        }
        payload = (await self.data(ENROLL, variables))["enrollMember"]
        assert payload["__typename"] == "MemberEnrolled", payload
        member_id: str = payload["member"]["id"]
        return member_id

    async def bought(self, member_id: str, order: str, amount: str) -> dict[str, Any]:
        payload: dict[str, Any] = (
            await self.data(PURCHASE, purchase(by_id(member_id), order, amount))
        )["recordPurchase"]
        assert payload["__typename"] == "PointsEarned", payload
        return payload

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False


@dataclass
class Topology:
    directory: Path
    ferretdb: FerretDB
    redis: RedisServer
    mailbox: HoldingMailbox
    env: dict[str, str]
    apis: list[Api]
    workers: list[asyncio.subprocess.Process | None]
    db: Any  # motor database, for looking at message documents
    _started_workers: int = 0

    @classmethod
    def prepare(cls, directory: Path, mailbox: HoldingMailbox, smtp_port: int) -> Topology:
        ferretdb = FerretDB(directory / "ferretdb")
        ferretdb.directory.mkdir()
        redis = RedisServer()
        from bench.receipts import bench_program  # caps at 256, no quiet hours

        env = {
            **os.environ,
            "TESSERA_SECRET": SECRET,
            "TESSERA_MONGODB_URL": ferretdb.url,
            "TESSERA_MONGODB_DATABASE": DATABASE,
            "TESSERA_REDIS_URL": redis.url,
            # Every receipt is sent, whatever the hour: the workers run on the real clock.
            "TESSERA_PROGRAM": str(bench_program(directory)),
            "TESSERA_SMTP_HOST": "127.0.0.1",
            "TESSERA_SMTP_PORT": str(smtp_port),
            "TESSERA_SEND_LEASE_SECONDS": str(LEASE),
            # Sweep the outbox every second: what a Redis outage held back goes out soon.
            "TESSERA_RELAY_INTERVAL_SECONDS": "1",
            # The test's bursts come from a few callers; rate limits are tested elsewhere.
            "TESSERA_RATE_LIMIT_REQUESTS_PER_SECOND": "100000",
            "TESSERA_RATE_LIMIT_BURST": "100000",
        }
        for name in ("TESSERA_PRODUCTION", "TESSERA_DEMO", "TESSERA_PORT", "TESSERA_HOST"):
            env.pop(name, None)
        apis = [Api(free_port(), directory / f"api-{n}.log") for n in (1, 2)]
        client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(ferretdb.url, tz_aware=True)
        return cls(directory, ferretdb, redis, mailbox, env, apis, [None, None], client[DATABASE])

    async def start(self) -> None:
        self.ferretdb.start()
        await self.redis.start()
        # Both instances load the demo members, at the same time: one enrolls each member,
        # the other finds it there (or loses the race to enroll it) and goes on.
        await asyncio.gather(
            self.start_api(0, demo=True),
            self.start_api(1, demo=True),
            self.start_worker(0),
            self.start_worker(1),
        )
        for member_id in ("mbr_demo_ada", "mbr_demo_ben", "mbr_demo_chloe"):
            assert await self.db.members.count_documents({"_id": member_id}) == 1

    async def stop(self) -> None:
        for api in self.apis:
            await _terminate(api.process)
            await api.http.aclose()
        for worker in self.workers:
            await _terminate(worker)
        self.db.client.close()
        self.redis.stop()
        self.ferretdb.stop()

    async def start_api(self, n: int, demo: bool = False) -> None:
        api = self.apis[n]
        with api.log.open("ab") as log:  # the child keeps its own descriptor
            api.process = await asyncio.create_subprocess_exec(
                str(TESSERA),
                "serve",
                "--port",
                str(api.port),
                "--demo" if demo else "--no-demo",
                env=self.env,
                stdout=log,
                stderr=log,
            )
        try:
            await until(lambda: self._answers(api), START_UP)
        except TimeoutError:
            raise AssertionError(f"api {n + 1} did not start:\n{self.logs()}") from None

    async def _answers(self, api: Api) -> bool:
        assert api.process is not None
        if api.process.returncode is not None:
            raise AssertionError(f"api exited with {api.process.returncode}:\n{self.logs()}")
        return await api.ready()

    async def kill_api(self, n: int) -> None:
        await _kill(self.apis[n].process)
        self.apis[n].process = None

    async def start_worker(self, n: int) -> None:
        self._started_workers += 1
        log_path = self.directory / f"worker-{n + 1}.log"
        with log_path.open("ab") as log:
            self.workers[n] = await asyncio.create_subprocess_exec(
                str(TESSERA), "worker", env=self.env, stdout=log, stderr=log
            )

    async def kill_worker(self, n: int) -> None:
        await _kill(self.workers[n])
        self.workers[n] = None

    def pause_worker(self, n: int) -> None:
        worker = self.workers[n]
        assert worker is not None
        worker.send_signal(signal.SIGSTOP)

    def resume_worker(self, n: int) -> None:
        worker = self.workers[n]
        assert worker is not None
        worker.send_signal(signal.SIGCONT)

    def pids(self) -> list[int | None]:
        processes = [api.process for api in self.apis] + list(self.workers)
        return [p.pid if p is not None and p.returncode is None else None for p in processes]

    async def messages(self, member_id: str, journey: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"member_id": member_id}
        if journey is not None:
            query["journey"] = journey
        found: list[dict[str, Any]] = await self.db.messages.find(query).to_list(None)
        return found

    def logs(self) -> str:
        """Every process's log, for a failure's message."""
        parts = []
        for path in [*sorted(self.directory.glob("*.log")), self.ferretdb.log]:
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


async def _kill(process: asyncio.subprocess.Process | None) -> None:
    if process is not None and process.returncode is None:
        process.kill()
        await process.wait()


async def _terminate(process: asyncio.subprocess.Process | None) -> None:
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGCONT)  # a paused worker must hear the SIGTERM
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
