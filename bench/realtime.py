"""Realtime fan-out: how long a purchase takes to reach 1,000 WebSocket subscribers.

`make bench` (`.venv/bin/python -m bench.realtime`). For each scenario a fresh
`bench.realtime_server` process serves one instance, or two instances sharing one embedded
store and a real redis-server. This process enrolls members, opens the subscribers
(graphql-transport-ws, `memberUpdated`, three surfaces per member: the member's app and two
POS tokens) on the last instance, and sends purchases at a steady rate to the first over
HTTP. Both ends are timed here with one clock, so delays are exact; see `bench.delivery`.

Memory per idle subscriber: the server's RSS after every subscriber has its snapshot, minus
its RSS before they connected, divided by their number; with uvicorn's per-message deflate
on (its default) and off. Subscribers offer deflate, as browsers do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from dataclasses import dataclass

import httpx

from app.auth import issue_token
from bench.delivery import Delivery, Purchase, expected_updates, match, send_purchases
from bench.graphql_overhead import command, free_port, machine
from bench.load import Connection
from bench.server import HOST
from bench.servers import redis_server, rss_kib, tessera_server
from bench.subscribers import Inbox, Subscriber, close_all, open_all
from bench.verify import enroll_members
from domain.access import Role

SECRET = "tessera-realtime-benchmark-secret-0123456789"
SURFACES = 3  # subscribers per member


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    name: str
    instances: int
    deflate: bool
    target_ms: float


SCENARIOS = {
    s.key: s
    for s in (
        Scenario("single-off", "1 instance", 1, False, 50),
        Scenario("single-on", "1 instance", 1, True, 50),
        Scenario("redis-off", "2 instances + Redis", 2, False, 100),
        Scenario("redis-on", "2 instances + Redis", 2, True, 100),
    )
}


@dataclass
class Result:
    scenario: Scenario
    subscribers: int
    connect_seconds: float
    rss_before_kib: int
    rss_after_kib: int
    purchases: list[Purchase]
    seconds: float
    delivery: Delivery
    problems: list[str]

    @property
    def kib_per_subscriber(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / self.subscribers

    @property
    def shortfalls(self) -> list[str]:
        """What keeps this scenario from its target; none when it meets it."""
        d = self.delivery
        found = []
        if d.delivered < d.expected or self.problems:
            found.append("lost")
        if d.duplicates or d.unexpected:
            found.append("extra")
        if d.resyncs:
            found.append("resync")
        if d.from_response.percentile_ms(0.99) >= self.scenario.target_ms:
            found.append("p99")
        return found


def subscribers_for(
    members: list[str], count: int, inbox: Inbox, first: int = 0
) -> list[Subscriber]:
    """Subscriber n follows member n % len(members): a member token, then POS tokens
    for stores of their own (one token each, under the per-token connection cap)."""
    found = []
    for number in range(first, first + count):
        member_id = members[number % len(members)]
        if number % SURFACES == 0:
            token = issue_token(SECRET, Role.MEMBER, member_id=member_id)
        else:
            token = issue_token(SECRET, Role.POS, store_id=f"bench-pos-{number}")
        found.append(Subscriber(number, member_id, token, inbox))
    return found


def followers_of(subscribers: list[Subscriber]) -> dict[str, list[int]]:
    followers: dict[str, list[int]] = {}
    for subscriber in subscribers:
        followers.setdefault(subscriber.member_id, []).append(subscriber.number)
    return followers


async def purchase_round(
    http_port: int,
    subscribers: list[Subscriber],
    inbox: Inbox,
    count: int,
    args: argparse.Namespace,
    tag: str,
) -> tuple[list[Purchase], float, Delivery]:
    """`count` purchases for the followed members in turn; waits for their updates."""
    followers = followers_of(subscribers)
    followed = list(followers)
    buyers = [followed[n % len(followed)] for n in range(count)]
    expected = expected_updates(buyers, followers)
    admin = issue_token(SECRET, Role.ADMIN)
    connection = await Connection.open(
        HOST, http_port, {"authorization": f"Bearer {admin}", "content-type": "application/json"}
    )
    started = time.perf_counter()
    try:
        purchases = await send_purchases(connection, buyers, len(buyers), args.rate, tag)
    finally:
        await connection.close()
    seconds = time.perf_counter() - started
    await inbox.wait_for(expected, timeout=args.drain)
    return purchases, seconds, match(purchases, inbox.receipts, followers)


async def run(scenario: Scenario, args: argparse.Namespace) -> Result:
    ports = [free_port() for _ in range(scenario.instances)]
    async with contextlib.AsyncExitStack() as stack:
        redis_url = None
        if scenario.instances > 1:
            redis_url = await stack.enter_async_context(redis_server())
        server = await stack.enter_async_context(
            tessera_server(ports, SECRET, scenario.deflate, redis_url)
        )
        admin = {
            "authorization": f"Bearer {issue_token(SECRET, Role.ADMIN)}",
            "content-type": "application/json",
        }
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{ports[0]}", headers=admin, timeout=60
        ) as client:
            members = await enroll_members(client, -(-args.subscribers // SURFACES))
        url = f"ws://{HOST}:{ports[-1]}/graphql"
        tag = f"{scenario.key}-{int(time.time())}"

        # Warm up the code paths (and the allocator) before the first RSS reading.
        warm_inbox = Inbox()
        warm = subscribers_for(members[:10], 30, warm_inbox, first=args.subscribers)
        await open_all(warm, url)
        await purchase_round(ports[0], warm, warm_inbox, len(warm), args, f"{tag}-warm")
        await close_all(warm)
        await asyncio.sleep(0.5)

        before = rss_kib(server.pid)
        inbox = Inbox()
        subscribers = subscribers_for(members, args.subscribers, inbox)
        try:
            connect_seconds = await open_all(subscribers, url)
            await asyncio.sleep(1.0)  # idle: nothing is sent
            after = rss_kib(server.pid)
            purchases, seconds, delivery = await purchase_round(
                ports[0], subscribers, inbox, args.purchases, args, tag
            )
        finally:
            await close_all(subscribers)
    return Result(
        scenario,
        len(subscribers),
        connect_seconds,
        before,
        after,
        purchases,
        seconds,
        delivery,
        inbox.problems,
    )


def table(results: list[Result]) -> str:
    head = (
        f"{'scenario':<21}{'deflate':<8}{'subs':>6}{'purch':>6}{'/s':>5}{'delivered':>12}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99 send':>9}{'early':>6}"
        f"{'KiB/sub':>8}{'target':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        d, late = r.delivery, r.delivery.from_response
        verdict = "meets" if not r.shortfalls else f"MISSES: {','.join(r.shortfalls)}"
        lines.append(
            f"{r.scenario.name:<21}{'on' if r.scenario.deflate else 'off':<8}"
            f"{r.subscribers:>6}{len(r.purchases):>6}{len(r.purchases) / r.seconds:>5.0f}"
            f"{f'{d.delivered}/{d.expected}':>12}{late.percentile_ms(0.5):>8.1f}"
            f"{late.percentile_ms(0.99):>8.1f}{late.percentile_ms(1.0):>8.1f}"
            f"{d.from_send.percentile_ms(0.99):>9.1f}{d.early:>6}"
            f"{r.kib_per_subscriber:>8.1f}{f'<{r.scenario.target_ms:.0f}':>5} {verdict}"
        )
    lines += [
        "",
        "p50/p99/max: from the mutation's HTTP response to a subscriber's receipt (an update",
        "that arrives before the response counts as 0 ms; `early` counts them); p99 send: from",
        "the request's send instead. delivered: distinct updates received / expected (each",
        "purchase x the subscribers of its member). KiB/sub: server RSS growth per idle",
        "subscriber (connected, subscribed, snapshot received). target: p99 under it, every",
        "update delivered once, and no strays or resync snapshots (else the shortfalls).",
    ]
    for r in results:
        d = r.delivery
        lines.append(
            f"  {r.scenario.key}: RSS {r.rss_before_kib / 1024:.0f} -> "
            f"{r.rss_after_kib / 1024:.0f} MiB, {r.subscribers} subscribers connected in "
            f"{r.connect_seconds:.1f} s; duplicates {d.duplicates}, strays {d.unexpected}, "
            f"resync snapshots {d.resyncs}, "
            f"problems {len(r.problems)}"
            + (f" (first: {r.problems[0][:200]})" if r.problems else "")
        )
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> int:
    results = []
    for key in args.scenarios:
        scenario = SCENARIOS[key]
        deflate = "on" if scenario.deflate else "off"
        print(f"running {scenario.name}, deflate {deflate} ...", flush=True)
        results.append(await run(scenario, args))
    print()
    print(table(results))
    print()
    print("\n".join(machine()))
    print(f"command: {command('bench.realtime')}  (make bench)")
    wrong = [r.scenario.key for r in results if not r.delivery.complete or r.problems]
    missed = [f"{r.scenario.key} ({','.join(r.shortfalls)})" for r in results if r.shortfalls]
    print(
        ("every update delivered once; " if not wrong else f"UPDATES LOST OR EXTRA in {wrong}; ")
        + ("every scenario meets its target" if not missed else f"MISSED: {', '.join(missed)}")
    )
    return 1 if wrong else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.realtime", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--purchases", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50, help="purchases per second")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for stragglers")
    parser.add_argument(
        "--scenarios",
        type=lambda text: text.split(","),
        default=list(SCENARIOS),
        help=f"comma-separated, of {','.join(SCENARIOS)}",
    )
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(bench(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
