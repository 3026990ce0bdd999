"""The store at scale: latency with many members beside few, and a sustained purchase run.

`make bench` (`.venv/bin/python -m bench.store_scale`). For each store, two servers
(`bench.store_scale_server`, the product app on uvicorn, the cron runner off) are seeded,
one with few members and one with many (`bench.seed`: documents as an enrollment leaves
them, inserted in bulk). This process times, one request at a time over HTTP and in
alternating rounds on the two servers, the member view by id and by email (GraphQL
`member(ref:)`: the member and key collections and the ledger), and `recordPurchase` (with
its receipt's jobs running in the server's process), each on members drawn at random, and
prints each figure at many members beside few, with the ratio and the server's CPU per
request. Then, on the embedded store, purchases at concurrency 8 for 60 s on the server with
many members: the rate and CPU per purchase in the first and the last 10 s, and their ratio.
The embedded store compares 1,000 and 50,000 members; FerretDB, which scans every
collection, 200 and 2,000 with fewer requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import sys
import time
from argparse import Namespace
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import orjson

from app.auth import issue_token
from bench.cpu import process_seconds
from bench.graphql_overhead import ROOT, command, free_port, machine
from bench.load import Connection, Reply, Sample
from bench.queries import MEMBER_VIEW, MEMBER_VIEW_BY_EMAIL, RECORD_PURCHASE, purchase_input
from bench.seed import email_of, seeded_id
from bench.server import HOST
from bench.servers import stop_process
from bench.stores import EMBEDDED, NAMES, Store, stores
from bench.workload import amount
from domain.access import Role

LATENCY_TARGET = 1.5  # many members / few, at most
HOLD_TARGET = 0.9  # last window's rate / first's, at least
WINDOW = 10.0  # seconds

Send = Callable[[Connection, int], Awaitable[Reply]]


class Requests:
    """The three requests, on members drawn at random from those seeded."""

    def __init__(self, members: int, run: str) -> None:
        self._draw = random.Random(members).randrange
        self._members = members
        self._run = run

    def _member(self) -> int:
        return self._draw(self._members)

    async def by_id(self, connection: Connection, number: int) -> Reply:
        variables = {"id": seeded_id(self._member())}
        return await _graphql(connection, MEMBER_VIEW, variables, b'"displayName"')

    async def by_email(self, connection: Connection, number: int) -> Reply:
        variables = {"email": email_of(self._member())}
        return await _graphql(connection, MEMBER_VIEW_BY_EMAIL, variables, b'"displayName"')

    async def purchase(self, connection: Connection, number: int) -> Reply:
        order = f"{self._run}-{number}"
        variables = {"input": purchase_input(seeded_id(self._member()), order, amount(number))}
        return await _graphql(connection, RECORD_PURCHASE, variables, b'"PointsEarned"')


async def _graphql(
    connection: Connection, query: str, variables: Mapping[str, object], answer: bytes
) -> Reply:
    body = orjson.dumps({"query": query, "variables": variables})
    reply = await connection.request("POST", "/graphql", body)
    if reply.status != 200 or b'"errors"' in reply.body or answer not in reply.body:
        raise SystemExit(f"a request failed: {reply.status} {reply.body[:300]!r}")
    return reply


SCENARIOS: dict[str, Callable[[Requests], Send]] = {
    "member by id": lambda r: r.by_id,
    "member by email": lambda r: r.by_email,
    "recordPurchase": lambda r: r.purchase,
}


@dataclass
class Server:
    members: int
    port: int
    pid: int
    seeded_seconds: float
    samples: dict[str, Sample] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # server CPU seconds, per scenario

    def cpu_ms(self, scenario: str) -> float:
        return 1000 * self.cpu[scenario] / self.samples[scenario].requests


@contextlib.asynccontextmanager
async def seeded_server(
    store: Store, members: int, secret: str, cron: bool
) -> AsyncIterator[Server]:
    """A server on `store` with `members` seeded, ready."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.store_scale_server", str(port)),
        *("--members", str(members), "--secret", secret),
        *(() if cron else ("--cron-off",)),
        cwd=ROOT,
        env=store.environment(f"scale_{members}_{int(time.time())}"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        seeded = await process.stdout.readline()  # b"seeded N members in S s"
        if not seeded.startswith(b"seeded") or await process.stdout.readline() != b"ready\n":
            await process.wait()
            raise SystemExit(f"the server exited with {process.returncode} before it was ready")
        yield Server(members, port, process.pid, float(seeded.split()[-2]))
    finally:
        process.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 15)
        await stop_process(process)


async def timed(connection: Connection, send: Send, numbers: range, into: Sample) -> None:
    started = time.perf_counter()
    for number in numbers:
        began = time.perf_counter()
        await send(connection, number)
        into.latencies.append(time.perf_counter() - began)
    into.seconds += time.perf_counter() - started


async def latencies(servers: list[Server], headers: dict[str, str], args: Namespace) -> None:
    """Each scenario on every server, one request at a time, in alternating rounds (a
    shared machine's other work then falls on all of them alike)."""
    connections = [await Connection.open(HOST, s.port, headers) for s in servers]
    per_round = max(1, args.requests // args.rounds)
    try:
        for name, scenario in SCENARIOS.items():
            sends = [
                scenario(Requests(s.members, f"{name[-5:]}-{secrets.token_hex(3)}"))
                for s in servers
            ]
            for server, connection, send in zip(servers, connections, sends, strict=True):
                await timed(connection, send, range(args.warmup), Sample())
                server.samples[name], server.cpu[name] = Sample(), 0.0
            for round_ in range(args.rounds):
                order = list(zip(servers, connections, sends, strict=True))
                for server, connection, send in order if round_ % 2 == 0 else reversed(order):
                    first = args.warmup + round_ * per_round
                    cpu = process_seconds(server.pid)
                    await timed(
                        connection, send, range(first, first + per_round), server.samples[name]
                    )
                    server.cpu[name] += process_seconds(server.pid) - cpu
    finally:
        for connection in connections:
            await connection.close()


@dataclass
class Window:
    """One window of the sustained run: purchases answered in it, the server's CPU seconds."""

    start: float
    purchases: int = 0
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.purchases / WINDOW

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.purchases if self.purchases else 0.0


async def sustained(server: Server, headers: dict[str, str], args: Namespace) -> list[Window]:
    """Purchases at concurrency `args.concurrency` for `args.seconds`; the first and the last
    window's rate and server CPU per purchase (CPU is the steadier figure on a shared machine:
    other work there slows the rate, not the CPU each purchase takes)."""
    requests = Requests(server.members, f"sustained-{secrets.token_hex(3)}")
    connections = [
        await Connection.open(HOST, server.port, headers) for _ in range(args.concurrency)
    ]
    numbers = iter(range(sys.maxsize))
    windows = [Window(0.0), Window(args.seconds - WINDOW)]
    started = time.perf_counter()

    async def worker(connection: Connection) -> None:
        while time.perf_counter() - started < args.seconds:
            await requests.purchase(connection, next(numbers))
            answered = time.perf_counter() - started
            for window in windows:
                window.purchases += window.start <= answered < window.start + WINDOW

    async def meter(window: Window) -> None:
        await asyncio.sleep(window.start - (time.perf_counter() - started))
        window.cpu = -process_seconds(server.pid)
        await asyncio.sleep(window.start + WINDOW - (time.perf_counter() - started))
        window.cpu += process_seconds(server.pid)

    try:
        await asyncio.gather(*(worker(c) for c in connections), *map(meter, windows))
    finally:
        for connection in connections:
            await connection.close()
    return windows


def table(store: Store, few: Server, many: Server, args: Namespace) -> tuple[list[str], list[str]]:
    """The table's lines and the verdicts."""
    lines = [
        "",
        f"on {store.label}: {args.requests} requests per scenario and server, one at a time, "
        f"in {args.rounds} alternating rounds after {args.warmup} warm-up "
        f"(seeding took {few.seeded_seconds:.1f} s and {many.seeded_seconds:.1f} s)",
        f"{'scenario':<17}{'members':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>8}{'ratio p50':>11}"
        f"{'ratio CPU':>11}",
    ]
    verdicts = []
    for name in SCENARIOS:
        a, b = few.samples[name], many.samples[name]
        ratio = b.percentile_ms(0.5) / a.percentile_ms(0.5)
        for server, sample in ((few, a), (many, b)):
            row = f"{name if server is few else '':<17}{server.members:>8}"
            row += f"{sample.percentile_ms(0.5):>9.1f}{sample.percentile_ms(0.99):>9.1f}"
            row += f"{server.cpu_ms(name):>8.1f}"
            if server is many:
                row += f"{ratio:>11.2f}{many.cpu_ms(name) / few.cpu_ms(name):>11.2f}"
            lines.append(row)
        verdict = "meets" if ratio <= LATENCY_TARGET else "MISSES"
        verdicts.append(
            f"{store.label}: {name} at {many.members:,} members {ratio:.2f} x its latency at "
            f"{few.members:,}: {verdict} the target (<= {LATENCY_TARGET})"
        )
    return lines, verdicts


def held(store: Store, server: Server, windows: list[Window], args: Namespace) -> list[str]:
    """The sustained run's line and its verdict."""
    first, last = windows
    ratio = last.rate / first.rate if first.rate else 0.0
    cpu = last.cpu_ms / first.cpu_ms if first.cpu_ms else 0.0
    verdict = "meets" if ratio >= HOLD_TARGET else "MISSES"
    return [
        f"sustained recordPurchase on {store.label}, concurrency {args.concurrency}, "
        f"{args.seconds:.0f} s, {server.members:,} members: first {WINDOW:.0f} s "
        f"{first.rate:.1f}/s ({first.cpu_ms:.1f} ms server CPU each), last {WINDOW:.0f} s "
        f"{last.rate:.1f}/s ({last.cpu_ms:.1f} ms); ratio {ratio:.2f} (CPU per purchase {cpu:.2f})",
        f"{store.label}: the purchase rate held at {ratio:.2f} over {args.seconds:.0f} s: "
        f"{verdict} the target (>= {HOLD_TARGET})",
    ]


def ferretdb_counts(args: Namespace) -> Namespace:
    """The arguments with FerretDB's members and requests in place of the embedded ones."""
    return Namespace(
        **{
            **vars(args),
            "few": args.ferretdb_few,
            "many": args.ferretdb_many,
            "requests": args.ferretdb_requests,
            "warmup": args.ferretdb_warmup,
        }
    )


async def bench(args: Namespace) -> int:
    secret = secrets.token_hex(32)
    headers = {
        "authorization": f"Bearer {issue_token(secret, Role.ADMIN)}",
        "content-type": "application/json",
    }
    lines: list[str] = []
    verdicts: list[str] = []
    for store in stores(args.stores):
        counts = args if store.name == EMBEDDED else ferretdb_counts(args)
        print(f"on {store.label}: seeding {counts.few} and {counts.many} members ...", flush=True)
        async with (
            seeded_server(store, counts.few, secret, args.cron) as few,
            seeded_server(store, counts.many, secret, args.cron) as many,
        ):
            await latencies([few, many], headers, counts)
            found, said = table(store, few, many, counts)
            lines += found
            verdicts += said
            if store.name == EMBEDDED and args.seconds:
                on = many if args.sustained_on == "many" else few
                print(f"sustained purchases for {args.seconds:.0f} s ...", flush=True)
                line, verdict = held(store, on, await sustained(on, headers, args), args)
                lines.append(line)
                verdicts.append(verdict)
    print("\n".join(lines))
    print()
    print("\n".join(machine()))
    print(f"command: {command('bench.store_scale')}  (make bench)")
    print("\n".join(verdicts))
    return 0


def parse(argv: list[str] | None = None) -> Namespace:
    parser = argparse.ArgumentParser(prog="bench.store_scale", description=__doc__)
    parser.add_argument("--stores", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--few", type=int, default=1000, help="members on the baseline server")
    parser.add_argument("--many", type=int, default=50_000, help="members on the embedded store")
    parser.add_argument("--requests", type=int, default=200, help="per scenario and server")
    parser.add_argument("--rounds", type=int, default=4, help="alternating timed batches")
    parser.add_argument("--warmup", type=int, default=20, help="per scenario and server")
    # FerretDB 1.24 on SQLite scans every collection (see the README): a purchase took 1.3 s
    # with 2,000 members, so it gets fewer members and requests to keep its run short.
    parser.add_argument("--ferretdb-few", type=int, default=200)
    parser.add_argument("--ferretdb-many", type=int, default=2000)
    parser.add_argument("--ferretdb-requests", type=int, default=40)
    parser.add_argument("--ferretdb-warmup", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0, help="sustained run; 0: none")
    parser.add_argument("--concurrency", type=int, default=8, help="of the sustained run")
    parser.add_argument("--cron", action="store_true", help="run the cron jobs (default: off)")
    parser.add_argument(
        "--sustained-on",
        choices=("few", "many"),
        default="many",
        help="the server of the sustained run (few: each member's document grows more)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
