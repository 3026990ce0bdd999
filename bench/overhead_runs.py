"""What `bench.graphql_overhead` measures and prints: each scenario's three sides (GraphQL,
the bare same-work endpoint, the bare Starlette ceiling), their ratios and the targets."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.load import Check, Connection, Sample, Send, run_batch
from bench.stores import EMBEDDED, FERRETDB, Store

# GraphQL / the bare FastAPI endpoint doing the same work through the same domain code.
TARGET_BARE = 0.8
# GraphQL / a bare Starlette route answering the same bytes (issue 11, target 4): the
# member view on both stores, a purchase (with its journeys in-process) on the embedded one.
TARGET_CEILING = {"member": 0.30, "recordPurchase": 0.10}
CEILING_STORES = {"member": (EMBEDDED, FERRETDB), "recordPurchase": (EMBEDDED,)}


@dataclass
class Side:
    label: str
    send: Send
    check: Check
    connections: list[Connection] = field(default_factory=list)
    sample: Sample = field(default_factory=Sample)
    next_number: int = 0

    def numbers(self, count: int) -> range:
        start, self.next_number = self.next_number, self.next_number + count
        return range(start, start + count)


@dataclass
class Scenario:
    name: str  # "member" or "recordPurchase"
    title: str
    graphql: Side
    bare: Side
    ceiling: Side
    requests: int
    warmup: int

    @property
    def sides(self) -> tuple[Side, Side, Side]:
        return self.graphql, self.bare, self.ceiling

    def ratio(self, baseline: Side) -> float:
        rps = baseline.sample.rps
        return self.graphql.sample.rps / rps if rps else 0.0


async def measure(scenario: Scenario, rounds: int) -> None:
    """Warm each side, then alternate timed batches, turning which side goes first."""
    for side in scenario.sides:
        await run_batch(side.connections, side.send, side.check, side.numbers(scenario.warmup))
    per_round = max(1, scenario.requests // rounds)
    for round_ in range(rounds):
        turn = round_ % 3
        for side in scenario.sides[turn:] + scenario.sides[:turn]:
            numbers = side.numbers(per_round)
            await run_batch(side.connections, side.send, side.check, numbers, into=side.sample)


@dataclass
class Run:
    store: Store
    scenarios: list[Scenario]
    healthz: Sample

    def verdicts(self) -> list[str]:
        lines = []
        for scenario in self.scenarios:
            bare = scenario.ratio(scenario.bare)
            lines.append(
                f"{self.store.label}: {scenario.name} graphql/bare {bare:.2f} "
                f"(target >= {TARGET_BARE}): {_verdict(bare, TARGET_BARE)}"
            )
            ceiling = scenario.ratio(scenario.ceiling)
            target = TARGET_CEILING[scenario.name]
            applies = self.store.name in CEILING_STORES[scenario.name]
            lines.append(
                f"{self.store.label}: {scenario.name} graphql/ceiling {ceiling:.3f} "
                + (
                    f"(target >= {target}): {_verdict(ceiling, target)}"
                    if applies
                    else f"(the target of {target} is for the embedded store)"
                )
            )
        return lines


def _verdict(ratio: float, target: float) -> str:
    return "meets the target" if ratio >= target else "BELOW the target"


def table(run: Run) -> str:
    head = (
        f"{'scenario':<20}{'side':<10}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'graphql/bare':>14}{'graphql/ceiling':>17}"
    )
    warmup = run.scenarios[0].warmup
    lines = [f"on {run.store.label}, after {warmup} warm-up requests per side:", head]
    lines.append("-" * len(head))
    for scenario in run.scenarios:
        for side in scenario.sides:
            sample = side.sample
            ratios = ""
            if side is scenario.graphql:
                bare, ceiling = scenario.ratio(scenario.bare), scenario.ratio(scenario.ceiling)
                ratios = f"{bare:>14.2f}{ceiling:>17.3f}"
            lines.append(
                f"{scenario.title if side is scenario.graphql else '':<20}{side.label:<10}"
                f"{sample.requests:>9}{sample.rps:>9.0f}{sample.percentile_ms(0.5):>9.2f}"
                f"{sample.percentile_ms(0.99):>9.2f}{ratios}"
            )
    healthz = run.healthz
    lines.append(
        f"{'/healthz':<20}{'fastapi':<10}{healthz.requests:>9}{healthz.rps:>9.0f}"
        f"{healthz.percentile_ms(0.5):>9.2f}{healthz.percentile_ms(0.99):>9.2f}"
    )
    return "\n".join(lines)


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


def explained(runs: Sequence[Run], concurrency: int, rounds: int) -> list[str]:
    return [
        "graphql/bare: the same work through the same domain code as a bare FastAPI "
        f"endpoint (target >= {TARGET_BARE}); graphql/ceiling: a bare Starlette route "
        "answering the same bytes on the same interpreter, uvicorn, uvloop and httptools "
        f"(targets: member >= {TARGET_CEILING['member']}, recordPurchase >= "
        f"{TARGET_CEILING['recordPurchase']} on the embedded store). Each ratio is measured "
        f"in one run on one store; concurrency {concurrency}, {rounds} rounds turning which "
        "side goes first, after the warm-up requests of each side",
        *(line for run in runs for line in run.verdicts()),
    ]
