"""What the GraphQL layer costs: `member` and `recordPurchase` against bare FastAPI endpoints
doing the same work, and against the stack's ceiling.

`make bench` (`.venv/bin/python -m bench.graphql_overhead`). One uvicorn server in its own
process serves the product app (default settings: demo on, journeys run in-process) plus
bare endpoints that do the same work through the same domain code, on the same store, and
answer the same JSON. A second process (`bench.ceiling`) serves a bare Starlette route that
answers the bytes the product app answered, on the same interpreter, uvloop and httptools.
This process drives the three over real HTTP, alternating batches, and prints requests/s,
p50 and p99 for each, and the ratios graphql/bare and graphql/ceiling measured in the same
run: once on the embedded store (mongomock in the server's process), then with the server
on FerretDB (MongoDB's wire protocol on SQLite; `bench.stores`).
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
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import orjson

from app.auth import issue_token
from app.demo import DEMO_MEMBER_IDS
from app.settings import Settings
from bench.load import Connection, run_batch
from bench.overhead_runs import Counts, Run, Scenario, Side, explained, measure, table
from bench.queries import MEMBER_VIEW, RECORD_PURCHASE, purchase_input
from bench.server import HOST
from bench.stores import NAMES, Store, stores
from bench.verify import check_member_views, check_purchases, enroll_members
from bench.workload import Workload
from domain.access import Role

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(
    port: int, env: dict[str, str], module: str = "bench.server", *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", module, str(port), *args]
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


async def wait_ready(
    client: httpx.AsyncClient, process: subprocess.Popen[bytes], path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            answer = await (client.get(path) if path == "/healthz" else client.post(path))
            if answer.status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise SystemExit(f"the server did not answer {path} within 60 s")


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


async def answers(client: httpx.AsyncClient, buyer: str) -> tuple[bytes, bytes]:
    """The bytes Tessera answers to a member view and to a purchase: the ceiling's."""
    view = {"query": MEMBER_VIEW, "variables": {"id": DEMO_MEMBER_IDS[0]}}
    member = (await client.post("/graphql", content=orjson.dumps(view))).content
    order = f"ceiling-{time.time_ns()}"
    bought = {
        "query": RECORD_PURCHASE,
        "variables": {"input": purchase_input(buyer, order, "42.50")},
    }
    purchase = (await client.post("/graphql", content=orjson.dumps(bought))).content
    return member, purchase


async def run_on(store: Store, counts: Counts, args: argparse.Namespace) -> Run:
    """Both scenarios, all three sides: the product app and its bare endpoints on one
    server and `store`, the ceiling on another server."""
    port, ceiling_port = free_port(), free_port()
    secret = Settings().secret.get_secret_value()
    token = issue_token(secret, Role.ADMIN)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    env = {**store.environment(f"overhead_{int(time.time())}"), "TESSERA_SECRET": secret}
    with contextlib.ExitStack() as stack:
        process = stack.enter_context(server(port, env))
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", headers=headers, timeout=60
        ) as client:
            await wait_ready(client, process)
            members = await enroll_members(client, args.members)
            await check_member_views(client, DEMO_MEMBER_IDS)
            await check_purchases(client, members[0])
            await check_member_views(client, (members[0],))
            print("verified: graphql and bare answer the same JSON", flush=True)
            bodies = await answers(client, members[-1])
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tessera-bench-")))
        files = [folder / "member.json", folder / "purchase.json"]
        for file, body in zip(files, bodies, strict=True):
            file.write_bytes(body)
        ceiling = stack.enter_context(
            server(ceiling_port, env, "bench.ceiling", *(str(f) for f in files))
        )
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{ceiling_port}") as client:
            await wait_ready(client, ceiling, "/graphql")

        work = Workload(DEMO_MEMBER_IDS, members, run=f"{int(time.time())}")
        scenarios = [
            scenario(work, "member", "member (full view)", counts.requests, counts.warmup),
            scenario(work, "recordPurchase", "recordPurchase", counts.purchases, counts.warmup),
        ]
        try:
            for each in scenarios:
                for side in each.sides:
                    target = ceiling_port if side.label == "ceiling" else port
                    side.connections = [
                        await Connection.open(HOST, target, headers)
                        for _ in range(args.concurrency)
                    ]
            for each in scenarios:
                print(f"running {each.name} ...", flush=True)
                await measure(each, args.rounds)
            healthz = await run_batch(
                scenarios[0].bare.connections,
                work.healthz,
                work.ok_status,
                range(counts.requests),
            )
        finally:
            for each in scenarios:
                for side in each.sides:
                    for connection in side.connections:
                        await connection.close()
    return Run(store, scenarios, healthz)


def scenario(work: Workload, name: str, title: str, requests: int, warmup: int) -> Scenario:
    """GraphQL, bare and ceiling sides of one scenario; the ceiling is sent GraphQL's
    requests and answers GraphQL's bytes."""
    if name == "member":
        graphql, bare, ok = work.graphql_member, work.bare_member, work.ok_member
    else:
        graphql, bare, ok = work.graphql_purchase, work.bare_purchase, work.ok_purchase
    return Scenario(
        name,
        title,
        Side("graphql", graphql, ok),
        Side("bare", bare, ok),
        Side("ceiling", graphql, ok),
        requests,
        warmup,
    )


async def bench(args: argparse.Namespace) -> int:
    runs: list[Run] = []
    for store in stores(args.stores):
        print(f"on {store.label}:", flush=True)
        runs.append(await run_on(store, Counts.of(store, args), args))
    for run in runs:
        print()
        print(table(run))
    print()
    print("\n".join(explained(runs, args.concurrency, args.rounds)))
    print("\n".join(machine()))
    print(f"command: {command('bench.graphql_overhead')}  (make bench)")
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
