"""Campaigns' cost on a purchase (issue 12, Evidence).

`make bench` (`.venv/bin/python -m bench.campaigns`). Three servers of the product app
(`bench.server`) on each store, running at once, one for each side: two on the demo program
without campaigns, one with ten campaigns, every one of them active and acting on the cart
(multipliers on categories, bonuses per unit on skus, a bonus for the order, two with
budgets reserved in the store on every purchase, two with per-member limits counted on the
member). 40 enrolled members on each. Over HTTP at concurrency 8, in rounds alternating
which goes first, `recordPurchase` of a one-line cart and of a twenty-line cart on the
servers without campaigns, and of the twenty-line cart on the one with ten; prints each
rate, the median of the rounds' ratios to the one-line purchase (the target) and the ratio
to the same cart without campaigns (what the campaigns themselves cost).

Target: the twenty-line purchase with ten campaigns at least 0.8 of the rate of the one-line
purchase with none.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import DEMO_PROGRAM
from bench.graphql_overhead import machine
from bench.load import Sample, run_batch
from bench.served_purchases import buyer, ratio_arguments, served
from bench.stores import Store, stores
from bench.workload import Workload

TARGET = 0.8
CATEGORIES = ("COFFEE", "PASTRY", "HOME", "TEA")
ONE_LINE = [{"sku": "SKU-0", "category": "COFFEE", "quantity": 1, "unitPrice": "4.50"}]
TWENTY_LINES = [
    {
        "sku": f"SKU-{n}",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "quantity": 1 + n % 3,
        "unitPrice": f"{2 + n}.50",
    }
    for n in range(20)
]
CAMPAIGNS = "\n".join(
    f'[[campaigns]]\nid = "c{n}"\nname = "Campaign {n}"\n{settings}\n'
    for n, settings in enumerate(
        [
            'categories = ["COFFEE"]\nmultiplier = 2',
            'categories = ["PASTRY"]\nmultiplier = "1.5"',
            'categories = ["HOME", "TEA"]\nmultiplier = 3\nbudget = 1000000000',
            'skus = ["SKU-1", "SKU-5", "SKU-9"]\nbonus_per_unit = 10',
            'skus = ["SKU-2", "SKU-6"]\nbonus_per_unit = 5\nbudget = 1000000000',
            'bonus = 25\nmin_spend = "20"',
            "bonus = 10\nper_member_per_day = 1000000",
            'categories = ["TEA"]\nbonus_per_unit = 3\nper_member = 1000000',
            'channels = ["POS"]\nmultiplier = "1.25"\npriority = 1',
            'tiers = ["BRONZE", "SILVER", "GOLD"]\nbonus = 5\nqualifying = true',
        ]
    )
)
PURCHASE = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  __typename ... on PointsEarned { entry { points } lines { sku points } member { balance } }
  ... on Error { code } } }"""


@dataclass
class Sides:
    plain: Sample = field(default_factory=Sample)  # one line, no campaigns
    lines: Sample = field(default_factory=Sample)  # twenty lines, no campaigns
    campaigns: Sample = field(default_factory=Sample)  # twenty lines, ten campaigns
    # each kept round's campaigns rate over its one-line rate: the machine is shared, and a
    # burst of other work lands on one round's side, not on the median of the rounds
    rounds: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.rounds) if self.rounds else 0.0

    @property
    def campaigns_cost(self) -> float:
        return self.campaigns.rps / self.lines.rps if self.lines.rps else 0.0


def program_files(folder: Path) -> tuple[Path, Path]:
    """The demo program without its campaigns, and with the ten instead."""
    demo = DEMO_PROGRAM.read_text()
    plain_text = demo[: demo.index("# Campaigns:")]
    plain, ten = folder / "plain.toml", folder / "campaigns.toml"
    plain.write_text(plain_text)
    ten.write_text(plain_text + CAMPAIGNS)
    return plain, ten


async def run_on(store: Store, args: argparse.Namespace) -> Sides:
    sides, run = Sides(), int(time.time())
    requests = args.requests if store.name != "ferretdb" else args.ferretdb_requests
    with tempfile.TemporaryDirectory(prefix="tessera-bench-campaigns-") as folder:
        plain_file, ten_file = program_files(Path(folder))
        # A server for each side, so that each side's members and store see the same number
        # of purchases: on one server, the side sharing it would find its members with twice
        # the history (and pending messages) of the other's.
        async with (
            served(store, f"campaigns_plain_{run}", args, plain_file) as (plain_c, plain_m),
            served(store, f"campaigns_lines_{run}", args, plain_file) as (lines_c, lines_m),
            served(store, f"campaigns_ten_{run}", args, ten_file) as (ten_c, ten_m),
        ):
            one_line = buyer(plain_m, ONE_LINE, f"{run}-p", PURCHASE)
            twenty_plain = buyer(lines_m, TWENTY_LINES, f"{run}-l", PURCHASE)
            twenty = buyer(ten_m, TWENTY_LINES, f"{run}-t", PURCHASE)
            for r in range(args.rounds + 1):  # round 0 warms up and is not kept
                plain, lines, campaigns = Sample(), Sample(), Sample()
                batches = [
                    (plain_c, one_line(r), plain),
                    (lines_c, twenty_plain(r), lines),
                    (ten_c, twenty(r), campaigns),
                ]
                for connections, buy, into in batches if r % 2 else batches[::-1]:
                    await run_batch(connections, buy, Workload.ok_purchase, range(requests), into)
                if r == 0:
                    continue
                sides.rounds.append(campaigns.rps / plain.rps)
                for kept, sample in (
                    (sides.plain, plain),
                    (sides.lines, lines),
                    (sides.campaigns, campaigns),
                ):
                    kept.latencies += sample.latencies
                    kept.seconds += sample.seconds
    return sides


async def bench(args: argparse.Namespace) -> int:
    results = []
    for store in stores(args.stores):
        print(f"on {store.label}: {args.rounds} rounds ...", flush=True)
        results.append((store, await run_on(store, args)))
    print()
    print(
        "| store | 1 line, no campaigns req/s | 20 lines, none req/s "
        "| 20 lines, 10 campaigns req/s | median ratio of the rounds to 1 line (target >= 0.8) "
        "| ratio to 20 lines without campaigns |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for store, sides in results:
        met = "met" if sides.ratio >= TARGET else "MISSED"
        print(
            f"| {store.label} | {sides.plain.rps:.0f} | {sides.lines.rps:.0f} | "
            f"{sides.campaigns.rps:.0f} | **{sides.ratio:.2f}** {met} | "
            f"{sides.campaigns_cost:.2f} |"
        )
    print()
    print("\n".join(machine()))
    return 0


def main() -> int:
    parser = ratio_arguments(__doc__.split("\n")[0], 4, 100, 20)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
