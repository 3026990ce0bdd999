"""Raw graphql-transport-ws subscribers, as the graphql-ws JS client speaks it, for the
realtime benchmark: `websockets` directly, no GraphQL client library in the way.

Each subscriber follows one member with `memberUpdated`; its first message is the
snapshot, and every later message is timed on arrival (`time.perf_counter`, the clock the
purchases are timed with in the same process).
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")

# What a member card on a surface shows: no history, which would be a ledger query each.
MEMBER_CARD = """
subscription MemberCard($ref: MemberRef!) {
  memberUpdated(ref: $ref) {
    version
    cause { kind channel storeId entryId }
    member {
      id version displayName balance
      tier { code name }
      tierProgress { qualifyingPoints pointsToNextTier requalifyBy }
      countdowns { kind label pointsRemaining deadline }
    }
  }
}
"""


class SubscribeFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Receipt:
    subscriber: int
    member_id: str
    version: int
    cause: str
    at: float  # perf_counter on arrival


@dataclass
class Inbox:
    """Everything the subscribers received after their snapshots, and what went wrong."""

    receipts: list[Receipt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)
        self.changed.set()

    async def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` updates arrived (or a problem did), or `timeout` seconds passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while len(self.receipts) < count and not self.problems:
                    self.changed.clear()
                    await self.changed.wait()


def _update(message: dict[str, Any]) -> tuple[str, int, str]:
    update = message["payload"]["data"]["memberUpdated"]
    return update["member"]["id"], int(update["version"]), update["cause"]["kind"]


class Subscriber:
    def __init__(self, number: int, member_id: str, token: str, inbox: Inbox) -> None:
        self.number = number
        self.member_id = member_id
        self._token = token
        self._inbox = inbox
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        """Connect, authenticate, subscribe and wait for the snapshot; then read on."""
        # No client pings (browsers send none; the server pings), and room for the server
        # to take its time with thousands of handshakes at once.
        socket = await connect(url, subprotocols=[PROTOCOL], open_timeout=120, ping_interval=None)
        self._socket = socket
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {self._token}"}}
        await socket.send(orjson.dumps(init).decode())
        ack = orjson.loads(await socket.recv())
        if ack.get("type") != "connection_ack":
            raise SubscribeFailed(f"subscriber {self.number}: {ack}")
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": MEMBER_CARD, "variables": {"ref": {"id": self.member_id}}},
        }
        await socket.send(orjson.dumps(subscribe).decode())
        first = orjson.loads(await socket.recv())
        if first.get("type") != "next" or _update(first)[2] != "SNAPSHOT":
            raise SubscribeFailed(f"subscriber {self.number}: expected a snapshot, got {first}")
        self._reader = asyncio.create_task(self._read(socket))

    async def _read(self, socket: ClientConnection) -> None:
        try:
            async for raw in socket:
                at = time.perf_counter()
                message = orjson.loads(raw)
                kind = message.get("type")
                if kind == "next" and "errors" not in message["payload"]:
                    member_id, version, cause = _update(message)
                    self._inbox.add(Receipt(self.number, member_id, version, cause, at))
                elif kind == "ping":
                    await socket.send(orjson.dumps({"type": "pong"}).decode())
                elif kind != "pong":
                    self._inbox.problems.append(f"subscriber {self.number}: {message}")
                    self._inbox.changed.set()
        except Exception as exc:  # a dropped connection is a lost subscriber: report it
            self._inbox.problems.append(f"subscriber {self.number}: {exc!r}")
            self._inbox.changed.set()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._socket is not None:
            await self._socket.close()


async def open_all(subscribers: Sequence[Subscriber], url: str, at_once: int = 50) -> float:
    """Open every subscriber, `at_once` handshakes in flight; returns the seconds it took."""
    gate = asyncio.Semaphore(at_once)

    async def one(subscriber: Subscriber) -> None:
        async with gate:
            await subscriber.open(url)

    started = time.perf_counter()
    await asyncio.gather(*(one(s) for s in subscribers))
    return time.perf_counter() - started


async def close_all(subscribers: Sequence[Subscriber]) -> None:
    await asyncio.gather(*(s.close() for s in subscribers), return_exceptions=True)


def raise_open_files_limit() -> int:
    """Lift this process's open-files limit to its hard limit (10,000 sockets need 10,000
    descriptors on each side); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard  # the kernel's usual nr_open
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
