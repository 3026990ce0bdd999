"""A member's cost against the length of their history (issue 11, target 1).

`make bench` (`.venv/bin/python -m bench.member_history`). One server process
(`bench.history_server`) seeds two members, one with 10 purchases and one with 10,000, both
spread over the last 48 hours, then serves. This process times, over HTTP and one request at
a time, the full member view and a purchase for each, in alternating rounds, and prints the
p50 of each beside the short history's (the baseline) with their ratio, and the size of each
member's stored document. On the embedded store, then on FerretDB.

Targets: the long history's view and purchase within 1.25x the short one's; its document
under 64 KB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.auth import issue_token
from app.settings import Settings
from bench.graphql_overhead import free_port, machine
from bench.load import Connection, Reply, Sample, run_batch
from bench.queries import MEMBER_VIEW, RECORD_PURCHASE, purchase_input
from bench.server import HOST
from bench.stores import NAMES, Store, stores
from bench.workload import Workload, amount
from domain.access import Role

ROOT = Path(__file__).resolve().parent.parent
LATENCY_TARGET = 1.25
SIZE_TARGET = 64 * 1024


@dataclass
class Member:
    id: str
    purchases: int
    bytes: int
    views: Sample = field(default_factory=Sample)
    buys: Sample = field(default_factory=Sample)


async def view(connection: Connection, member_id: str) -> Reply:
    body = orjson.dumps({"query": MEMBER_VIEW, "variables": {"id": member_id}})
    return await connection.request("POST", "/graphql", body)


async def buy(connection: Connection, member_id: str, order_id: str, number: int) -> Reply:
    variables = {"input": purchase_input(member_id, order_id, amount(number))}
    body = orjson.dumps({"query": RECORD_PURCHASE, "variables": variables})
    return await connection.request("POST", "/graphql", body)


async def measure(connection: Connection, members: list[Member], args: argparse.Namespace) -> None:
    run = f"{int(time.time())}"
    for round_number in range(args.rounds + 1):  # round 0 warms up and is not kept
        ordered = members if round_number % 2 else members[::-1]
        for member in ordered:
            views = Sample() if round_number == 0 else member.views
            buys = Sample() if round_number == 0 else member.buys

            async def send_view(c: Connection, n: int, m: Member = member) -> Reply:
                return await view(c, m.id)

            async def send_buy(
                c: Connection, n: int, m: Member = member, r: int = round_number
            ) -> Reply:
                return await buy(c, m.id, f"{run}-{m.purchases}-{r}-{n}", n)

            await run_batch([connection], send_view, Workload.ok_member, range(args.views), views)
            await run_batch([connection], send_buy, Workload.ok_purchase, range(args.buys), buys)


async def run_on(store: Store, args: argparse.Namespace) -> list[Member]:
    port = free_port()
    secret = Settings().secret.get_secret_value()
    headers = {
        "authorization": f"Bearer {issue_token(secret, Role.ADMIN)}",
        "content-type": "application/json",
    }
    env = {**store.environment(f"history_{int(time.time())}"), "TESSERA_SECRET": secret}
    command = [
        sys.executable,
        "-m",
        "bench.history_server",
        str(port),
        str(args.short),
        str(args.long),
        str(args.hours),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.get_running_loop().run_in_executor(None, process.stdout.readline)
        if not line:
            raise SystemExit(f"the history server exited with {process.wait()}")
        seeded: list[dict[str, Any]] = orjson.loads(line)
        members = [Member(m["id"], m["purchases"], m["bytes"]) for m in seeded]
        print(f"seeded: {', '.join(f'{m.purchases} purchases' for m in members)}", flush=True)
        connection = await Connection.open(HOST, port, headers)
        try:
            await measure(connection, members, args)
        finally:
            await connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return members


def table(store: Store, members: list[Member]) -> str:
    short, long = members
    rows = [
        f"{store.label}: one request at a time over HTTP, p50 of each",
        "| member | document | view p50 ms | purchase p50 ms |",
        "| --- | --- | --- | --- |",
    ]
    for m in members:
        rows.append(
            f"| {m.purchases:,} purchases in 48 h | {m.bytes:,} B | "
            f"{m.views.percentile_ms(0.5):.1f} | {m.buys.percentile_ms(0.5):.1f} |"
        )
    view = long.views.percentile_ms(0.5) / short.views.percentile_ms(0.5)
    buy = long.buys.percentile_ms(0.5) / short.buys.percentile_ms(0.5)
    rows.append(
        f"| ratio long / short (target <= {LATENCY_TARGET}) | "
        f"{'met' if long.bytes < SIZE_TARGET else 'MISSED'}: < 64 KB | "
        f"**{view:.2f}** {'met' if view <= LATENCY_TARGET else 'MISSED'} | "
        f"**{buy:.2f}** {'met' if buy <= LATENCY_TARGET else 'MISSED'} |"
    )
    return "\n".join(rows)


async def bench(args: argparse.Namespace) -> int:
    results = []
    for store in stores(args.stores):
        print(f"on {store.label}:", flush=True)
        results.append((store, await run_on(store, args)))
    for store, members in results:
        print()
        print(table(store, members))
    print()
    print("\n".join(machine()))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--short", type=int, default=10, help="purchases of the baseline member")
    parser.add_argument("--long", type=int, default=10_000, help="purchases of the long history")
    parser.add_argument("--hours", type=float, default=48.0, help="over how many hours")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--views", type=int, default=40, help="views per member per round")
    parser.add_argument("--buys", type=int, default=10, help="purchases per member per round")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
