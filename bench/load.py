"""A small closed-loop load generator: one keep-alive HTTP/1.1 connection per worker.

Hand-rolled on asyncio streams rather than httpx because httpx spends about 2 ms of
client CPU per request here (more than the bare endpoints take to answer), which would
make the client the bottleneck and flatter the GraphQL/bare ratio. Each worker sends one
request at a time on its own connection and times it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


class LoadFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes


class Connection:
    """One HTTP/1.1 keep-alive connection; responses must carry a Content-Length."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        headers: bytes,
        address: tuple[str, int],
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._headers = headers
        self._address = address

    @classmethod
    async def open(cls, host: str, port: int, headers: dict[str, str]) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return cls(reader, writer, f"host: {host}:{port}\r\n{fixed}".encode(), (host, port))

    async def _reopen(self) -> None:
        self._writer.close()
        self._reader, self._writer = await asyncio.open_connection(*self._address)

    async def request(self, method: str, path: str, body: bytes = b"") -> Reply:
        length = f"content-length: {len(body)}\r\n" if method == "POST" else ""
        message = b"".join(
            (f"{method} {path} HTTP/1.1\r\n{length}".encode(), self._headers, b"\r\n", body)
        )
        # A connection left idle past the server's keep-alive timeout (uvicorn: 5 s; a slow
        # store's rounds leave some idle that long) is closed by the server: open it again,
        # as HTTP clients do. Sent again at most once, when not a byte of answer came back.
        if self._reader.at_eof():
            await self._reopen()
        self._writer.write(message)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError) as closed:
            if isinstance(closed, asyncio.IncompleteReadError) and closed.partial:
                raise
            await self._reopen()
            self._writer.write(message)
            head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        size = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                size = int(value)
                break
        if size is None:
            raise LoadFailed(f"a response without content-length: {head!r}")
        return Reply(status, await self._reader.readexactly(size))

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


# Sends request number `i` on a connection; `Check` says whether its reply is a success.
Send = Callable[[Connection, int], Awaitable[Reply]]
Check = Callable[[Reply], bool]


@dataclass
class Sample:
    """Requests of one scenario and one side, gathered over several timed batches."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index] * 1000


async def run_batch(
    connections: Sequence[Connection],
    send: Send,
    check: Check,
    numbers: Sequence[int],
    into: Sample | None = None,
) -> Sample:
    """Send one request per number, one worker per connection; every reply must pass."""
    sample = into if into is not None else Sample()
    pending = iter(numbers)
    failures: list[str] = []

    async def worker(connection: Connection) -> None:
        for number in pending:
            started = time.perf_counter()
            reply = await send(connection, number)
            sample.latencies.append(time.perf_counter() - started)
            if not check(reply):
                failures.append(f"{reply.status} {reply.body[:300]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    sample.seconds += time.perf_counter() - started
    if failures:
        raise LoadFailed(f"{len(failures)} failed requests; first: {failures[0]}")
    return sample
