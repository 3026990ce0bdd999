"""Memory per idle subscriber for `bench.realtime`, and its baselines.

A server's cost per subscriber is its RSS growth while subscribers connect, subscribe and
get their snapshot (then idle for a second), divided by their number. The baselines hold
the same subscribers, from the same client, with nothing of Tessera: `bench.realtime_bare`
as a bare Starlette WebSocket endpoint on stock uvicorn (the stack Tessera runs on; the
ratio is against it) and as the websockets library's own server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.graphql_overhead import free_port
from bench.server import HOST
from bench.servers import ready_process, rss_kib
from bench.subscribers import Inbox, Subscriber, close_all, open_all

TARGET_KIB = 20.0
BASELINES = {
    "starlette": "bare Starlette on stock uvicorn",
    "websockets": "websockets' own server",
}
IDLE_SECONDS = 1.0  # after the last snapshot, before RSS is read


@dataclass(frozen=True, slots=True)
class Held:
    """`subscribers` idle on a server whose RSS grew by `grown_kib` while they connected."""

    subscribers: int
    grown_kib: int
    rss_kib: int
    connect_seconds: float  # to open the last step's new subscribers

    @property
    def kib_per_subscriber(self) -> float:
        return self.grown_kib / self.subscribers


@dataclass
class Baseline:
    kind: str
    held: list[Held] = field(default_factory=list)

    def at(self, subscribers: int) -> Held | None:
        return next((h for h in self.held if h.subscribers == subscribers), None)


async def idle_rss(pid: int) -> int:
    await asyncio.sleep(IDLE_SECONDS)
    return rss_kib(pid)


async def hold_baseline(kind: str, steps: Sequence[int]) -> Baseline:
    """Open subscribers on a fresh `bench.realtime_bare` server up to each step in turn."""
    port = free_port()
    url = f"ws://{HOST}:{port}/graphql"
    baseline = Baseline(kind)
    inbox = Inbox()
    async with ready_process("bench.realtime_bare", [str(port), "--kind", kind]) as server:
        warm = [Subscriber(n, f"warm-{n}", "-", inbox) for n in range(30)]
        await open_all(warm, url)
        await close_all(warm)
        before = await idle_rss(server.pid)
        held: list[Subscriber] = []
        try:
            for step in steps:
                more = [Subscriber(n, f"m-{n}", "-", inbox) for n in range(len(held), step)]
                held += more
                seconds = await open_all(more, url, at_once=200)
                rss = await idle_rss(server.pid)
                baseline.held.append(Held(step, rss - before, rss, seconds))
        finally:
            await close_all(held)
    if inbox.problems:
        raise SystemExit(f"the {kind} baseline failed: {inbox.problems[0]}")
    return baseline


async def hold_baselines(steps: Sequence[int]) -> list[Baseline]:
    """Bare Starlette at every step (the ratio's baseline); the websockets library alone at
    the first only, for reference (at 10,000 it held 17.0 KiB against 16.2: about a minute
    more of the run for nothing new)."""
    return [
        await hold_baseline("starlette", steps),
        await hold_baseline("websockets", steps[:1]),
    ]


def memory_table(rows: Sequence[tuple[str, Held]], baselines: Sequence[Baseline]) -> str:
    """KiB per idle subscriber for each (label, held), beside the baselines at its count."""
    head = (
        f"{'server':<34}{'subs':>7}{'open s':>7}{'RSS MiB':>9}{'KiB/sub':>9}"
        f"{'starlette':>10}{'ratio':>7}{'target':>8}"
    )
    lines = [head, "-" * len(head)]
    starlette = next((b for b in baselines if b.kind == "starlette"), None)
    for baseline in baselines:
        for held in baseline.held:
            lines.append(
                f"{BASELINES[baseline.kind]:<34}{held.subscribers:>7}"
                f"{held.connect_seconds:>7.0f}{held.rss_kib / 1024:>9.0f}"
                f"{held.kib_per_subscriber:>9.1f}"
            )
    for label, held in rows:
        base = starlette.at(held.subscribers) if starlette else None
        ratio = held.kib_per_subscriber / base.kib_per_subscriber if base else float("nan")
        verdict = "meets" if held.kib_per_subscriber <= TARGET_KIB else "MISSES"
        lines.append(
            f"{label:<34}{held.subscribers:>7}{held.connect_seconds:>7.0f}"
            f"{held.rss_kib / 1024:>9.0f}"
            f"{held.kib_per_subscriber:>9.1f}"
            f"{base.kib_per_subscriber if base else float('nan'):>10.1f}{ratio:>7.2f}"
            f"{f'<={TARGET_KIB:.0f}':>8} {verdict}"
        )
    lines += [
        "",
        "KiB/sub: the server's RSS growth while the subscribers connected, subscribed and got",
        "their snapshot, then idled 1 s, per subscriber; starlette: the same for a bare Starlette",
        "WebSocket endpoint on stock uvicorn at the same count; ratio: Tessera / that baseline.",
        "open s: seconds to open the subscribers added at that count.",
    ]
    return "\n".join(lines)
