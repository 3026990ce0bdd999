"""Realtime fan-out: how long a purchase takes to reach WebSocket subscribers, and what
an idle subscriber costs the server, at 1,000 and at 10,000 subscribers on one instance.

`make bench` (`.venv/bin/python -m bench.realtime`). For each scenario a fresh
`bench.realtime_server` process serves one instance, or two instances sharing one embedded
store and a real redis-server. This process enrolls members, opens the subscribers
(graphql-transport-ws, `memberUpdated`, three surfaces per member: the member's app and two
POS tokens) on the last instance, and sends purchases at a steady rate to the first over
HTTP. Both ends are timed here with one clock, so delays are exact; see `bench.delivery`.
Past the first step (1,000) the scenario opens more subscribers, on members of their own
that buy nothing (POS tokens), up to the next step (10,000), then times purchases again:
the same fan-out with ten times the sockets held. By default: one instance at every step and
two instances at the first, deflate off as `tessera serve` has it; `--scenarios` adds the
same with uvicorn's per-message deflate on.

Memory per idle subscriber (`bench.realtime_memory`): the server's RSS growth while its
subscribers connect, subscribe and get their snapshot, divided by their number (what the
purchase rounds add to the store is left out). Its baselines, measured in the same run:
the same subscribers held by a bare Starlette WebSocket endpoint on stock uvicorn, and by
the websockets library's own server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import httpx

from app.auth import issue_token
from bench.delivery import Delivery, Purchase, expected_updates, match, send_purchases
from bench.graphql_overhead import command, free_port, machine
from bench.load import Connection
from bench.realtime_memory import TARGET_KIB, Held, hold_baselines, idle_rss, memory_table
from bench.server import HOST
from bench.servers import redis_server, rss_kib, tessera_server
from bench.subscribers import Inbox, Subscriber, close_all, open_all, raise_open_files_limit
from bench.verify import enroll_members
from domain.access import Role

SECRET = "tessera-realtime-benchmark-secret-0123456789"
SURFACES = 3  # subscribers per member that buys
QUIET_MEMBERS = 100  # followed by the subscribers past the first step


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    name: str
    instances: int
    deflate: bool
    target_ms: float
    steps: tuple[int, ...] = (1000,)


SCENARIOS = {
    s.key: s
    for s in (
        Scenario("single-off", "1 instance", 1, False, 50, (1000, 10_000)),
        Scenario("single-on", "1 instance", 1, True, 50),
        Scenario("redis-off", "2 instances + Redis", 2, False, 100),
        Scenario("redis-on", "2 instances + Redis", 2, True, 100),
    )
}
DEFAULT = ("single-off", "redis-off")


@dataclass
class Step:
    """One count of subscribers held, and a purchase round timed with them."""

    subscribers: int
    held: Held
    purchases: list[Purchase]
    seconds: float
    delivery: Delivery
    problems: list[str]


@dataclass
class Result:
    scenario: Scenario
    rss_before_kib: int
    steps: list[Step] = field(default_factory=list)

    def shortfalls(self, step: Step) -> list[str]:
        """What keeps this step from its targets; none when it meets them."""
        d = step.delivery
        found = []
        if d.delivered < d.expected or step.problems:
            found.append("lost")
        if d.duplicates or d.unexpected:
            found.append("extra")
        if d.resyncs:
            found.append("resync")
        if d.from_response.percentile_ms(0.99) >= self.scenario.target_ms:
            found.append("p99")
        if not self.scenario.deflate and step.held.kib_per_subscriber > TARGET_KIB:
            found.append("KiB")
        return found


def subscribers_for(
    members: list[str], count: int, inbox: Inbox, first: int = 0, member_tokens: bool = True
) -> list[Subscriber]:
    """Subscriber n follows member n % len(members): a member token (with `member_tokens`),
    then POS tokens for stores of their own (one token each, under the per-token cap)."""
    found = []
    for number in range(first, first + count):
        member_id = members[number % len(members)]
        if member_tokens and number % SURFACES == 0:
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
    inbox.receipts.clear()  # this round's updates only
    started = time.perf_counter()
    try:
        purchases = await send_purchases(connection, buyers, len(buyers), args.rate, tag)
    finally:
        await connection.close()
    seconds = time.perf_counter() - started
    await inbox.wait_for(expected, timeout=args.drain)
    return purchases, seconds, match(purchases, inbox.receipts, followers)


async def enroll(port: int, count: int) -> list[str]:
    admin = {
        "authorization": f"Bearer {issue_token(SECRET, Role.ADMIN)}",
        "content-type": "application/json",
    }
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers=admin, timeout=120
    ) as client:
        return await enroll_members(client, count)


async def run(scenario: Scenario, args: argparse.Namespace) -> Result:
    steps = args.steps if scenario.key == "single-off" else args.steps[:1]
    ports = [free_port() for _ in range(scenario.instances)]
    async with contextlib.AsyncExitStack() as stack:
        redis_url = None
        if scenario.instances > 1:
            redis_url = await stack.enter_async_context(redis_server())
        server = await stack.enter_async_context(
            tessera_server(ports, SECRET, scenario.deflate, redis_url)
        )
        buyers = await enroll(ports[0], -(-steps[0] // SURFACES))
        quiet = await enroll(ports[0], QUIET_MEMBERS) if len(steps) > 1 else []
        url = f"ws://{HOST}:{ports[-1]}/graphql"
        tag = f"{scenario.key}-{int(time.time())}"

        # Warm up the code paths (and the allocator) before the first RSS reading.
        warm_inbox = Inbox()
        warm = subscribers_for(buyers[:10], 30, warm_inbox, first=steps[-1])
        await open_all(warm, url)
        await purchase_round(ports[0], warm, warm_inbox, len(warm), args, f"{tag}-warm")
        await close_all(warm)
        await asyncio.sleep(0.5)

        result = Result(scenario, rss_kib(server.pid))
        inbox = Inbox()
        active = subscribers_for(buyers, steps[0], inbox)
        held: list[Subscriber] = []
        grown = 0  # RSS growth while subscribers connected (purchase rounds left out)
        try:
            for number, step in enumerate(steps):
                more = active if number == 0 else []
                if number:  # quiet members' followers, on POS tokens
                    more = subscribers_for(quiet, step - len(held), inbox, len(held), False)
                before = rss_kib(server.pid)
                connect_seconds = await open_all(more, url)
                held += more
                after = await idle_rss(server.pid)
                grown += after - before
                purchases, seconds, delivery = await purchase_round(
                    ports[0], active, inbox, args.purchases, args, f"{tag}-{step}"
                )
                result.steps.append(
                    Step(
                        step,
                        Held(step, grown, after, connect_seconds),
                        purchases,
                        seconds,
                        delivery,
                        list(inbox.problems),
                    )
                )
        finally:
            await close_all(held)
    return result


def table(results: list[Result]) -> str:
    head = (
        f"{'scenario':<21}{'deflate':<8}{'subs':>7}{'purch':>6}{'/s':>5}{'delivered':>12}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99 send':>9}{'early':>6}"
        f"{'KiB/sub':>8}{'target':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        for step in r.steps:
            d, late = step.delivery, step.delivery.from_response
            shortfalls = r.shortfalls(step)
            verdict = "meets" if not shortfalls else f"MISSES: {','.join(shortfalls)}"
            lines.append(
                f"{r.scenario.name:<21}{'on' if r.scenario.deflate else 'off':<8}"
                f"{step.subscribers:>7}{len(step.purchases):>6}"
                f"{len(step.purchases) / step.seconds:>5.0f}"
                f"{f'{d.delivered}/{d.expected}':>12}{late.percentile_ms(0.5):>8.1f}"
                f"{late.percentile_ms(0.99):>8.1f}{late.percentile_ms(1.0):>8.1f}"
                f"{d.from_send.percentile_ms(0.99):>9.1f}{d.early:>6}"
                f"{step.held.kib_per_subscriber:>8.1f}{f'<{r.scenario.target_ms:.0f}':>5} "
                f"{verdict}"
            )
    lines += [
        "",
        "p50/p99/max: from the mutation's HTTP response to a subscriber's receipt (an update",
        "that arrives before the response counts as 0 ms; `early` counts them); p99 send: from",
        "the request's send instead. delivered: distinct updates received / expected (each",
        "purchase x the subscribers of its member; past 1,000, the others follow members who buy",
        "nothing). KiB/sub: as below. target: p99 under it, every update delivered once, no",
        f"strays or resync snapshots, and (deflate off) at most {TARGET_KIB:.0f} KiB per idle",
        "subscriber; else the shortfalls.",
    ]
    for r in results:
        for step in r.steps:
            d = step.delivery
            lines.append(
                f"  {r.scenario.key} at {step.subscribers}: RSS {r.rss_before_kib / 1024:.0f} -> "
                f"{step.held.rss_kib / 1024:.0f} MiB, new ones connected in "
                f"{step.held.connect_seconds:.1f} s; "
                f"duplicates {d.duplicates}, strays {d.unexpected}, resync snapshots {d.resyncs}, "
                f"problems {len(step.problems)}"
                + (f" (first: {step.problems[0][:200]})" if step.problems else "")
            )
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> int:
    print(f"open files limit: {raise_open_files_limit()}", flush=True)
    started = time.perf_counter()
    results = []
    for key in args.scenarios:
        scenario = SCENARIOS[key]
        deflate = "on" if scenario.deflate else "off"
        print(
            f"  ({time.perf_counter() - started:.0f} s) {scenario.name}, deflate {deflate} ...",
            flush=True,
        )
        results.append(await run(scenario, args))
    print(f"  ({time.perf_counter() - started:.0f} s) the baselines ...", flush=True)
    baselines = await hold_baselines(args.steps)
    print()
    print(table(results))
    print()
    rows = [
        (f"Tessera, {r.scenario.name}", step.held)
        for r in results
        if not r.scenario.deflate
        for step in r.steps
    ]
    print(memory_table(rows, baselines))
    print()
    print("\n".join(machine()))
    print(f"command: {command('bench.realtime')}  (make bench)")
    print(f"took {time.perf_counter() - started:.0f} s")
    wrong = [
        f"{r.scenario.key} at {s.subscribers}"
        for r in results
        for s in r.steps
        if not s.delivery.complete or s.problems
    ]
    missed = [
        f"{r.scenario.key} at {s.subscribers} ({','.join(r.shortfalls(s))})"
        for r in results
        for s in r.steps
        if r.shortfalls(s)
    ]
    print(
        ("every update delivered once; " if not wrong else f"UPDATES LOST OR EXTRA in {wrong}; ")
        + ("every scenario meets its target" if not missed else f"MISSED: {', '.join(missed)}")
    )
    return 1 if wrong else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.realtime", description=__doc__)
    parser.add_argument(
        "--steps",
        type=lambda text: sorted({int(n) for n in text.split(",")}),
        default=[1000, 10_000],
        help="subscriber counts held in turn on one instance (deflate off), and by the baselines",
    )
    parser.add_argument("--purchases", type=int, default=300, help="per step")
    parser.add_argument("--rate", type=float, default=50, help="purchases per second")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for stragglers")
    parser.add_argument(
        "--scenarios",
        type=lambda text: text.split(","),
        default=list(DEFAULT),
        help=f"comma-separated, of {','.join(SCENARIOS)} (single-off runs every step, the "
        "others the first)",
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
