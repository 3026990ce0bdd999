"""What the GraphQL layer costs: `member` and `recordPurchase` against bare FastAPI endpoints.

`make bench` (`.venv/bin/python -m bench.graphql_overhead`). One uvicorn server in its own
process serves the product app (default settings: demo on) plus bare endpoints that do the
same work through the same domain code, on the same store, and answer the same JSON. This
process drives both over real HTTP, alternating GraphQL and bare batches, and prints
requests/s, p50 and p99 for each, and the ratio graphql/bare measured in the same run: once
on the embedded store (mongomock in the server's process), then with the server on FerretDB
(MongoDB's wire protocol on SQLite; `bench.stores`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx

from app.auth import issue_token
from app.demo import DEMO_MEMBER_IDS
from app.settings import Settings
from bench.load import Check, Connection, Sample, Send, run_batch
from bench.server import HOST
from bench.stores import FERRETDB, NAMES, Store, stores
from bench.verify import check_member_views, check_purchases, enroll_members
from bench.workload import Workload
from domain.access import Role

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5


@dataclass
class Side:
    send: Send
    check: Check
    sample: Sample
    next_number: int = 0

    def numbers(self, count: int) -> range:
        start, self.next_number = self.next_number, self.next_number + count
        return range(start, start + count)


@dataclass
class Scenario:
    name: str
    graphql: Side
    bare: Side
    requests: int
    warmup: int

    @property
    def ratio(self) -> float:
        bare = self.bare.sample.rps
        return self.graphql.sample.rps / bare if bare else 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "bench.server", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/healthz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not answer /healthz within 60 s")


async def measure(
    connections: list[Connection], scenario: Scenario, args: argparse.Namespace
) -> None:
    """Warm both sides, then alternate timed batches, swapping which side goes first."""
    for side in (scenario.graphql, scenario.bare):
        await run_batch(connections, side.send, side.check, side.numbers(scenario.warmup))
    per_round = max(1, scenario.requests // args.rounds)
    for round_ in range(args.rounds):
        order = (scenario.graphql, scenario.bare)
        for side in order if round_ % 2 == 0 else reversed(order):
            numbers = side.numbers(per_round)
            await run_batch(connections, side.send, side.check, numbers, into=side.sample)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown cpu"


def machine() -> list[str]:
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("strawberry-graphql", "graphql-core", "fastapi", "uvicorn", "httpx")
    )
    return [
        f"machine: nproc {os.cpu_count()}, {cpu_model()}, {platform.system()} {platform.release()}",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        f"packages: {versions}",
        # Other work on a shared machine shows here: 2 cores busy with this run alone is ~2.
        "load average at the end (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()),
    ]


def command(module: str) -> str:
    """How this benchmark was started: `python -m module` with this run's arguments."""
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), "-m", module, *sys.argv[1:]])


def table(run: Run) -> str:
    head = (
        f"{'scenario':<20}{'side':<9}{'requests':>9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'ratio':>8}"
    )
    warmup = run.scenarios[0].warmup
    lines = [f"on {run.store.label}, after {warmup} warm-up requests per side:", head]
    lines.append("-" * len(head))
    for scenario in run.scenarios:
        g, b = scenario.graphql.sample, scenario.bare.sample
        for label, sample in (("graphql", g), ("bare", b)):
            lines.append(
                f"{scenario.name if label == 'graphql' else '':<20}{label:<9}"
                f"{sample.requests:>9}{sample.rps:>10.0f}{sample.percentile_ms(0.5):>9.2f}"
                f"{sample.percentile_ms(0.99):>9.2f}"
                + (f"{scenario.ratio:>8.2f}" if label == "graphql" else "")
            )
    ceiling = run.ceiling
    lines.append(
        f"{'healthz (ceiling)':<20}{'fastapi':<9}{ceiling.requests:>9}{ceiling.rps:>10.0f}"
        f"{ceiling.percentile_ms(0.5):>9.2f}{ceiling.percentile_ms(0.99):>9.2f}"
    )
    return "\n".join(lines)


@dataclass
class Run:
    store: Store
    scenarios: list[Scenario]
    ceiling: Sample

    @property
    def lowest(self) -> float:
        return min(scenario.ratio for scenario in self.scenarios)


@dataclass(frozen=True)
class Counts:
    """Requests per side: timed member views and purchases, and warm-up of each."""

    requests: int
    purchases: int
    warmup: int

    @classmethod
    def of(cls, store: Store, args: argparse.Namespace) -> Counts:
        # FerretDB on SQLite answers several times slower: a share of the counts keeps
        # its run about as long as the embedded one.
        share = args.ferretdb_share if store.name == FERRETDB else 1.0
        return cls(
            *(max(1, round(n * share)) for n in (args.requests, args.purchases, args.warmup))
        )


async def run_on(store: Store, counts: Counts, args: argparse.Namespace) -> Run:
    """Both scenarios, both sides, on one server whose product app and bare endpoints share
    `store`."""
    port = free_port()
    secret = Settings().secret.get_secret_value()
    token = issue_token(secret, Role.ADMIN)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    env = {**store.environment(f"overhead_{int(time.time())}"), "TESSERA_SECRET": secret}
    with server(port, env) as process:
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", headers=headers, timeout=60
        ) as client:
            await wait_ready(client, process)
            members = await enroll_members(client, args.members)
            await check_member_views(client, DEMO_MEMBER_IDS)
            await check_purchases(client, members[0])
            await check_member_views(client, (members[0],))
            print("verified: graphql and bare answer the same JSON", flush=True)

            work = Workload(DEMO_MEMBER_IDS, members, run=f"{int(time.time())}")
            scenarios = [
                Scenario(
                    "member (full view)",
                    Side(work.graphql_member, work.ok_member, Sample()),
                    Side(work.bare_member, work.ok_member, Sample()),
                    counts.requests,
                    counts.warmup,
                ),
                Scenario(
                    "recordPurchase",
                    Side(work.graphql_purchase, work.ok_purchase, Sample()),
                    Side(work.bare_purchase, work.ok_purchase, Sample()),
                    counts.purchases,
                    counts.warmup,
                ),
            ]
        connections = [await Connection.open(HOST, port, headers) for _ in range(args.concurrency)]
        try:
            for scenario in scenarios:
                print(f"running {scenario.name} ...", flush=True)
                await measure(connections, scenario, args)
            ceiling = await run_batch(
                connections, work.healthz, work.ok_status, range(counts.requests)
            )
        finally:
            for connection in connections:
                await connection.close()
    return Run(store, scenarios, ceiling)


async def bench(args: argparse.Namespace) -> int:
    runs: list[Run] = []
    for store in stores(args.stores):
        print(f"on {store.label}:", flush=True)
        runs.append(await run_on(store, Counts.of(store, args), args))
    for run in runs:
        print()
        print(table(run))
    print()
    print(
        f"ratio = graphql req/s / bare req/s (target >= {TARGET}), each pair on one server and "
        f"one store; concurrency {args.concurrency}, {args.rounds} alternating rounds after "
        "the warm-up requests of each side"
    )
    print("\n".join(machine()))
    print(f"command: {command('bench.graphql_overhead')}  (make bench)")
    for run in runs:
        verdict = "meets" if run.lowest >= TARGET else "BELOW"
        print(f"{run.store.label}: lowest ratio {run.lowest:.2f}: {verdict} the target")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.graphql_overhead", description=__doc__)
    parser.add_argument("--stores", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--requests", type=int, default=6000, help="member views per side")
    parser.add_argument("--purchases", type=int, default=500, help="purchases per side")
    parser.add_argument(
        "--ferretdb-share", type=float, default=0.15, help="FerretDB's counts: this share of each"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10, help="alternating timed batches")
    parser.add_argument("--warmup", type=int, default=200, help="requests per side")
    parser.add_argument("--members", type=int, default=60, help="members sharing purchases")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
