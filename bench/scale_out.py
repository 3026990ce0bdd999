"""Purchases per second through one `tessera serve` and one `tessera worker`, then through
two of each, on one FerretDB and one redis-server, in the same run.

`make bench` (`.venv/bin/python -m bench.scale_out`). Each topology is the real commands as
processes (`bench.topology`), on a database of its own (and a Redis database of its own),
with the bench program (caps at 256, no quiet hours: every receipt goes out) and no SMTP or
webhook, so every message goes to the sent-messages provider. Members are enrolled and
their welcomes sent first; each API instance is warmed up with a few purchases of its own;
then `recordPurchase` over GraphQL HTTP at a fixed concurrency, the connections split
evenly over the API instances, is timed until the last answer (purchases/s) and until the
last receipt is final (end to end: the workers' share). Then every purchase is checked:
its ledger entry there once, each member's balance, and each receipt sent once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.auth import issue_token
from bench.cpu import REST, CpuMeter
from bench.graphql_overhead import command, machine
from bench.load import Connection, run_batch
from bench.receipts import bench_program
from bench.scale_out_checks import Acknowledged, balances, receipts_final, verify
from bench.server import HOST
from bench.servers import redis_database, redis_process
from bench.stores import FERRETDB, Store, ferretdb
from bench.topology import UNTHROTTLED_ENV, settings_env, topology
from bench.verify import enroll_members
from bench.workload import Workload
from domain.access import Role
from storage.mongo import connect

SECRET = "bench-scale-out-secret-long-enough-for-hs256"
HEADERS = {
    "authorization": f"Bearer {issue_token(SECRET, Role.ADMIN)}",
    "content-type": "application/json",
}


@dataclass
class Phase:
    instances: int
    purchases: int  # timed
    seconds: float  # the timed purchases, first request to last answer
    done_seconds: float  # the same start to the last of their receipts final
    cpu: dict[str, float]  # CPU seconds by process group, timed start to receipts found final
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.instances} serve + {self.instances} worker" + "s" * (self.instances > 1)

    @property
    def per_second(self) -> float:
        return self.purchases / self.seconds

    @property
    def done_per_second(self) -> float:
        return self.purchases / self.done_seconds


def environment(store: Store, tag: str, redis_url: str, program: Path) -> dict[str, str]:
    return {
        **store.environment(tag),
        **settings_env(
            secret=SECRET,
            redis_url=redis_url,
            program=program,
            # No access line per request, as the other benchmarks' servers.
            log_level="warning",
            shutdown_grace_seconds=5,
        ),
        **UNTHROTTLED_ENV,
    }


def api_client(port: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://{HOST}:{port}", headers=HEADERS, timeout=60)


async def purchase_batches(
    ports: list[int], work: Workload, acks: Acknowledged, cpu: CpuMeter, args: argparse.Namespace
) -> tuple[float, float, set[str]]:
    """Warm-up on each instance alone, then the timed purchases over all of them (`cpu`
    started with them); returns the timed batch's wall-clock start, its seconds and its
    order ids."""
    number = 0
    for port in ports:
        warm = [await Connection.open(HOST, port, HEADERS) for _ in range(args.concurrency)]
        await run_batch(
            warm, work.graphql_purchase, acks.check, range(number, number + args.warmup)
        )
        number += args.warmup
        for connection in warm:
            await connection.close()
    connections = [
        await Connection.open(HOST, ports[n % len(ports)], HEADERS) for n in range(args.concurrency)
    ]
    timed = range(number, number + args.purchases)
    try:
        cpu.start()
        started = time.time()
        sample = await run_batch(connections, work.graphql_purchase, acks.check, timed)
    finally:
        for connection in connections:
            await connection.close()
    return started, sample.seconds, {work.order_id("g", n) for n in timed}


@dataclass(frozen=True)
class Shared:
    """What both topologies use: one FerretDB, one redis-server, the program, a folder."""

    store: Store
    ferretdb_pid: int
    redis_url: str
    redis_pid: int
    program: Path
    folder: Path


async def run_phase(instances: int, shared: Shared, args: argparse.Namespace) -> Phase:
    tag = f"scale_{instances}_{int(time.time() * 1000)}"
    redis_url = redis_database(shared.redis_url, instances)
    env = environment(shared.store, tag, redis_url, shared.program)
    client, collections = connect(shared.store.url, shared.store.database(tag))
    try:
        async with topology(instances, env, shared.folder) as running:
            ports = running.ports
            cpu = CpuMeter(
                {
                    "serve": [p.pid for p in running.serve],
                    "workers": [p.pid for p in running.workers],
                    "FerretDB": [shared.ferretdb_pid],
                    "redis": [shared.redis_pid],
                    "client": [os.getpid()],
                }
            )
            async with api_client(ports[0]) as api:
                members = await enroll_members(api, args.members)
                await receipts_final(collections, members, "WELCOME", args.members, args.drain)
                before = await balances(api, members)
            acks = Acknowledged()
            work = Workload((), members, tag)
            started, seconds, timed = await purchase_batches(ports, work, acks, cpu, args)
            receipts = await receipts_final(
                collections, members, "PURCHASE_RECEIPT", len(acks.entries), args.drain
            )
            used = cpu.stop()
            done = max(
                r["updated_at"].timestamp() for r in receipts if r["reason"]["order_id"] in timed
            )
            # Balances read through the last instance: what the first one wrote is seen there.
            async with api_client(ports[-1]) as api:
                after = await balances(api, members)
            phase = Phase(instances, len(timed), seconds, done - started, used)
            phase.checks, phase.problems = await verify(
                collections, members, acks, receipts, before, after
            )
    finally:
        client.close()
    return phase


def cpu_table(phases: list[Phase]) -> list[str]:
    groups = [g for g in phases[0].cpu if g != REST]
    head = f"{'CPU seconds':<24}" + "".join(f"{g:>10}" for g in groups)
    head += f"{'rest':>8}{'ours, ms/purchase':>19}"
    lines = [head, "-" * len(head)]
    for p in phases:
        ours = sum(p.cpu[g] for g in groups)
        lines.append(
            f"{p.name:<24}"
            + "".join(f"{p.cpu[g]:>10.1f}" for g in groups)
            + f"{p.cpu[REST]:>8.1f}{ours / p.purchases * 1000:>19.0f}"
        )
    lines.append(
        "from the first timed purchase until their receipts were seen final; rest: whatever "
        "else ran on the machine"
    )
    return lines


def table(phases: list[Phase], args: argparse.Namespace) -> str:
    head = (
        f"{'topology':<24}{'purchases':>10}{'seconds':>9}{'purch/s':>9}"
        f"{'receipts done s':>17}{'end to end /s':>15}"
    )
    lines = [head, "-" * len(head)]
    for p in phases:
        lines.append(
            f"{p.name:<24}{p.purchases:>10}{p.seconds:>9.2f}{p.per_second:>9.1f}"
            f"{p.done_seconds:>17.2f}{p.done_per_second:>15.1f}"
        )
    one, two = phases[0], phases[-1]
    lines += ["", *cpu_table(phases)]
    lines += [
        "",
        f"ratio two/one: purchases/s {two.per_second / one.per_second:.2f}, end to end "
        f"{two.done_per_second / one.done_per_second:.2f}",
        "",
        f"recordPurchase over GraphQL HTTP, concurrency {args.concurrency} split evenly over the "
        f"API instances, {args.members} members",
        f"(welcomes sent first), {args.warmup} warm-up purchases per instance before the timed "
        "ones; end to end: from the first",
        "timed request to the last of their receipts final (SENT, or merged into another "
        "message that was sent).",
        "Every process shares this machine's cores (and FerretDB's one SQLite writer): on "
        "2 cores, two of each",
        "measure the overhead and contention of more processes, not scale.",
    ]
    for p in phases:
        lines += [f"{p.name}:", *(f"  {line}" for line in p.checks + p.problems)]
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> int:
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="tessera-scale-out-") as name:
        folder = Path(name)
        program = bench_program(folder)
        with ferretdb() as server:
            assert server.process is not None
            async with redis_process() as (redis_url, redis_pid):
                store = Store(FERRETDB, server.url)
                shared = Shared(store, server.process.pid, redis_url, redis_pid, program, folder)
                for instances in (1, 2):
                    print(f"{instances} serve + {instances} worker(s) ...", flush=True)
                    phases.append(await run_phase(instances, shared, args))
    print()
    print(table(phases, args))
    print()
    print("\n".join(machine()))
    print(f"command: {command('bench.scale_out')}  (make bench)")
    wrong = [p.name for p in phases if p.problems]
    print("every purchase and receipt checks out" if not wrong else f"WRONG: {', '.join(wrong)}")
    return 1 if wrong else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.scale_out", description=__doc__)
    parser.add_argument("--purchases", type=int, default=120, help="timed, per topology")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--members", type=int, default=40, help="members sharing purchases")
    parser.add_argument("--warmup", type=int, default=16, help="purchases per API instance")
    parser.add_argument("--drain", type=float, default=120, help="seconds to wait for receipts")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
