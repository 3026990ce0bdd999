"""A preview against the purchase it prices (issue 12, §3).

`make bench` (`.venv/bin/python -m bench.preview`). One server of the product app
(`bench.server`) on each store; 40 enrolled members. Over HTTP at concurrency 8, in rounds
alternating which goes first, `previewPurchase` and `recordPurchase` of the same five-line
cart (fresh order ids for the purchases), and prints each side's rate beside the other with
their ratio. A preview prices the cart with the purchase's own code and writes nothing; a
purchase also writes the member, the ledger entry and (in this process, on the embedded
default) runs its receipt's jobs.

Target: previewPurchase at least 1.5 times the rate of recordPurchase.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass, field

import orjson

from bench.graphql_overhead import machine
from bench.load import Connection, Reply, Sample, run_batch
from bench.served_purchases import buyer, ratio_arguments, served
from bench.stores import Store, stores
from bench.workload import Workload

TARGET = 1.5
CART = [
    {
        "sku": f"SKU-{n}",
        "category": "COFFEE" if n % 2 else "HOME",
        "quantity": n + 1,
        "unitPrice": f"{3 + n}.50",
    }
    for n in range(5)
]
LINE_FIELDS = "lines { sku points }"
PREVIEW = f"""query($input: PreviewPurchaseInput!) {{ previewPurchase(input: $input) {{
  __typename ... on PurchasePreview {{ points {LINE_FIELDS} member {{ balance tier {{ code }} }} }}
  ... on Error {{ code }} }} }}"""
PURCHASE = f"""mutation($input: RecordPurchaseInput!) {{ recordPurchase(input: $input) {{
  __typename
  ... on PointsEarned {{ entry {{ points }} {LINE_FIELDS} member {{ balance tier {{ code }} }} }}
  ... on Error {{ code }} }} }}"""


@dataclass
class Sides:
    previews: Sample = field(default_factory=Sample)
    purchases: Sample = field(default_factory=Sample)

    @property
    def ratio(self) -> float:
        return self.previews.rps / self.purchases.rps if self.purchases.rps else 0.0


def ok_preview(reply: Reply) -> bool:
    return reply.status == 200 and b'"PurchasePreview"' in reply.body


async def run_on(store: Store, args: argparse.Namespace) -> Sides:
    sides, run = Sides(), int(time.time())
    requests = args.requests if store.name != "ferretdb" else args.ferretdb_requests
    async with served(store, f"preview_{run}", args) as (connections, members):

        async def preview(c: Connection, n: int) -> Reply:
            variables = {
                "input": {
                    "member": {"id": members[n % len(members)]},
                    "currency": "EUR",
                    "channel": "POS",
                    "lines": CART,
                }
            }
            body = orjson.dumps({"query": PREVIEW, "variables": variables})
            return await c.request("POST", "/graphql", body)

        purchase = buyer(members, CART, str(run), PURCHASE)
        for r in range(args.rounds + 1):  # round 0 warms up and is not kept
            previews = Sample() if r == 0 else sides.previews
            purchases = Sample() if r == 0 else sides.purchases
            batches = [
                run_batch(connections, preview, ok_preview, range(requests), previews),
                run_batch(
                    connections, purchase(r), Workload.ok_purchase, range(requests), purchases
                ),
            ]
            for batch in batches if r % 2 else batches[::-1]:
                await batch
    return sides


async def bench(args: argparse.Namespace) -> int:
    results = []
    for store in stores(args.stores):
        print(f"on {store.label}: {args.rounds} rounds ...", flush=True)
        results.append((store, await run_on(store, args)))
    print()
    print("| store | previewPurchase req/s | recordPurchase req/s | ratio (target >= 1.5) |")
    print("| --- | --- | --- | --- |")
    for store, sides in results:
        met = "met" if sides.ratio >= TARGET else "MISSED"
        print(
            f"| {store.label} | {sides.previews.rps:.0f} | {sides.purchases.rps:.0f} | "
            f"**{sides.ratio:.2f}** {met} |"
        )
    print()
    print("\n".join(machine()))
    return 0


def main() -> int:
    parser = ratio_arguments(__doc__.split("\n")[0], 4, 200, 30)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
