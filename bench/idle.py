"""What an idle `tessera serve` costs as members grow: its CPU over a minute with nothing to
do, with 50,000 members beside 1,000, and beside a bare uvicorn app.

`make bench` (`.venv/bin/python -m bench.idle`). Every server is a process of its own, all
started first and then measured over the same window (`--seconds`, after `--settle` seconds
for the start-up work: demo welcomes, the start-up sweeps): a bare Starlette app on uvicorn
(the baseline: an event loop and a listening socket); on the embedded store what `tessera
serve` runs (`bench.idle_server`), with the members seeded into its in-process store first;
on FerretDB the real `tessera serve` command, each member count on a FerretDB of its own,
seeded beforehand by this process through motor. The members are `bench.seeding`'s: each
with a purchase, ledger entries, keys and a sent welcome, nothing due. Every server runs the
demo programme, without its demo members. CPU is user plus system time from /proc
(`bench.cpu`), as a share of one core; FerretDB's own is shown too, since on FerretDB the
store's work is done there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import Settings
from app.wiring import read_program
from bench.cpu import CpuMeter
from bench.graphql_overhead import command, free_port, machine
from bench.seeding import seed_members
from bench.server import HOST
from bench.servers import stop_process
from bench.stores import EMBEDDED, FERRETDB, LABELS, NAMES, Store, ferretdb
from bench.topology import TESSERA, settings_env, tail
from domain.clock import SystemClock
from storage.mongo import connect

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.05  # of a core, with the most members
BARE = "bare"
TAG = "idle"  # the database's name on FerretDB
# The demo programme without its demo members: only the seeded members are there. FerretDB
# on SQLite reads a whole collection for most calls (README, "GraphQL overhead"): with
# 50,000 members a call may take longer than the 10 s a reply is given by default.
SERVE = {"demo": "false", "mongodb_socket_timeout_seconds": 300}


@dataclass
class Idle:
    """One server left idle, and the FerretDB it uses, if any."""

    store: str  # a bench.stores name, or BARE
    members: int
    port: int
    log: Path
    url: str | None = None
    ferretdb_pid: int | None = None
    process: asyncio.subprocess.Process | None = None

    @property
    def name(self) -> str:
        return BARE if self.store == BARE else f"{self.store}-{self.members}"

    @property
    def label(self) -> str:
        return "bare uvicorn app" if self.store == BARE else LABELS[self.store]


async def _spawn(idle: Idle, arguments: Sequence[str], env: dict[str, str]) -> None:
    with idle.log.open("ab") as out:  # the child keeps its own descriptor
        idle.process = await asyncio.create_subprocess_exec(
            *arguments, cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def _ready(idle: Idle, timeout: float) -> None:
    """Until /readyz answers 200 (an embedded server seeds before it listens)."""
    assert idle.process is not None
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{idle.port}", timeout=5) as client:
        async with asyncio.timeout(timeout):
            while True:
                if idle.process.returncode is not None:
                    code = idle.process.returncode
                    raise SystemExit(f"{idle.name} exited with {code}\n{tail(idle.log)}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.2)


async def _seed(url: str, members: int) -> None:
    program, _ = read_program(Settings().program)  # type: ignore[call-arg]
    client, collections = connect(url, Store(FERRETDB, url).database(TAG))
    try:
        await seed_members(collections, program, members, SystemClock().now())
    finally:
        client.close()


async def _start(idle: Idle) -> None:
    python = sys.executable
    env = Store(idle.store, idle.url).environment(TAG)
    if idle.store != BARE:
        env |= settings_env(**SERVE)
    if idle.store == BARE:
        arguments = [python, "-m", "bench.idle_server", str(idle.port), "--bare"]
    elif idle.store == EMBEDDED:
        arguments = [python, "-m", "bench.idle_server", str(idle.port)]
        arguments += ["--members", str(idle.members)]
    else:
        assert idle.url is not None
        await _seed(idle.url, idle.members)
        arguments = [str(TESSERA), "serve", "--host", HOST, "--port", str(idle.port)]
    await _spawn(idle, arguments, env)


@contextlib.asynccontextmanager
async def started(args: argparse.Namespace, folder: Path) -> AsyncIterator[list[Idle]]:
    """Every server of the run, ready (FerretDBs started and seeded first); all stopped on
    leaving."""
    idles = [Idle(BARE, 0, free_port(), folder / "bare.log")]
    with contextlib.ExitStack() as databases:
        for name in args.stores:
            for members in args.members:
                idle = Idle(name, members, free_port(), folder / f"{name}-{members}.log")
                if name == FERRETDB:
                    server = databases.enter_context(ferretdb())
                    assert server.process is not None
                    idle.url, idle.ferretdb_pid = server.url, server.process.pid
                idles.append(idle)
        try:
            # The embedded servers seed themselves while this process seeds the FerretDBs.
            await asyncio.gather(*map(_start, idles))
            await asyncio.gather(*(_ready(idle, args.start_up) for idle in idles))
            yield idles
        finally:
            await asyncio.gather(*(stop_process(i.process) for i in idles if i.process))


@dataclass(frozen=True)
class Used:
    serve: float  # share of one core over the window
    ferretdb: float | None


async def measure(idles: list[Idle], seconds: float) -> dict[str, Used]:
    groups = {idle.name: [idle.process.pid] for idle in idles if idle.process}
    groups |= {f"{i.name} ferretdb": [i.ferretdb_pid] for i in idles if i.ferretdb_pid}
    meter = CpuMeter(groups)
    meter.start()
    await asyncio.sleep(seconds)
    used = meter.stop()
    return {
        idle.name: Used(
            used[idle.name] / seconds,
            used[f"{idle.name} ferretdb"] / seconds if idle.ferretdb_pid else None,
        )
        for idle in idles
    }


def table(idles: list[Idle], used: dict[str, Used], args: argparse.Namespace) -> list[str]:
    bare = used[BARE].serve
    fewest, most = min(args.members), max(args.members)
    head = (
        f"{'server':<22}{'members':>9}{'CPU % of a core':>17}{f'/ {fewest:,}':>10}"
        f"{'/ bare':>9}{'FerretDB %':>12}"
    )
    lines = [head, "-" * len(head)]
    for idle in idles:
        share = used[idle.name]
        few = used.get(f"{idle.store}-{fewest}")
        ratio = f"{share.serve / few.serve:.1f}" if few and few.serve and idle.store != BARE else ""
        versus = f"{share.serve / bare:.1f}" if bare and idle.store != BARE else ""
        ferret = f"{100 * share.ferretdb:.1f}" if share.ferretdb is not None else ""
        members = f"{idle.members:,}" if idle.store != BARE else ""
        lines.append(
            f"{idle.label:<22}{members:>9}{100 * share.serve:>17.2f}{ratio:>10}{versus:>9}"
            f"{ferret:>12}"
        )
    lines.append("")
    for idle in idles:
        if idle.store != BARE and idle.members == most:
            serve = used[idle.name].serve
            verdict = "meets" if serve < TARGET else "MISSES"
            lines.append(
                f"{idle.label}, {most:,} members: tessera serve {100 * serve:.2f}% of a core "
                f"idle: {verdict} the target (< {100 * TARGET:.0f}%)"
            )
    return lines


async def bench(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-idle-"))
    try:
        print(
            f"starting a bare uvicorn app and tessera serve with {args.members} members on "
            f"{', '.join(args.stores)} (seeding) ...",
            flush=True,
        )
        async with started(args, folder) as idles:
            print(f"all ready; {args.settle:g} s to settle, then {args.seconds:g} s idle ...")
            await asyncio.sleep(args.settle)
            used = await measure(idles, args.seconds)
    finally:
        if args.keep_logs:
            print(f"the servers' logs: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print("\n".join(table(idles, used, args)))
    print(
        f"CPU: user + system seconds of each server process over the same {args.seconds:g} s "
        "window, as a share of one core; every server on the demo programme, none receiving "
        "a request"
    )
    print("\n".join(machine()))
    print(f"command: {command('bench.idle')}  (make bench)")
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.idle", description=__doc__)
    parser.add_argument("--stores", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--members", type=int, nargs="+", default=[1_000, 50_000])
    parser.add_argument("--seconds", type=float, default=60, help="the idle window measured")
    parser.add_argument("--settle", type=float, default=10, help="after every server is ready")
    parser.add_argument("--start-up", type=float, default=600, help="seconds to seed and start")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
