"""A trusted document run by its id against the same operation sent as its full text
(issue 13, §6).

`make bench` (`.venv/bin/python -m bench.persisted_documents`). One server of the product
app (`bench.server`) on each store, with the member view (`bench.queries.MEMBER_VIEW`)
pushed as a trusted document at start (TESSERA_TRUSTED_DOCUMENTS, owner app:bench); 40
enrolled members. Over HTTP at concurrency 8, in rounds alternating which goes first, the
same member views asked by id (`extensions.persistedQuery.sha256Hash`, as Apollo's link
sends it) and as text, and prints each side's rate and the median of the rounds' ratios.
By id, the server looks the text up in memory and runs it on the same prepared (parsed,
validated) path the text takes; the request is smaller.

Target: by id at least the rate of full text (ratio >= 1.0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.graphql_overhead import machine
from bench.load import Connection, Reply, Sample, Send, run_batch
from bench.queries import MEMBER_VIEW
from bench.served_purchases import ratio_arguments, served
from bench.stores import Store, stores
from domain.persisted_documents import sha256_hex

TARGET = 1.0
DOCUMENT_ID = sha256_hex(MEMBER_VIEW)


@dataclass
class Sides:
    by_id: Sample = field(default_factory=Sample)
    text: Sample = field(default_factory=Sample)
    # each kept round's by-id rate over its text rate: the machine is shared, and a burst of
    # other work lands on one round's side, not on the median of the rounds
    rounds: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.rounds) if self.rounds else 0.0


def ok_view(reply: Reply) -> bool:
    return reply.status == 200 and b'"errors"' not in reply.body and b'"member"' in reply.body


async def run_on(store: Store, args: argparse.Namespace, manifest: Path) -> Sides:
    sides = Sides()
    requests = args.requests if store.name != "ferretdb" else args.ferretdb_requests
    settings = {"TESSERA_TRUSTED_DOCUMENTS": json.dumps({"app:bench": str(manifest)})}
    tag = f"persisted_{int(time.time())}"
    async with served(store, tag, args, settings=settings) as (connections, members):

        def asking(by_id: bool) -> Send:
            async def send(c: Connection, n: int) -> Reply:
                variables = {"id": members[n % len(members)]}
                if by_id:
                    extensions = {"persistedQuery": {"version": 1, "sha256Hash": DOCUMENT_ID}}
                    body = {"variables": variables, "extensions": extensions}
                else:
                    body = {"query": MEMBER_VIEW, "variables": variables}
                return await c.request("POST", "/graphql", orjson.dumps(body))

            return send

        by_id, text = asking(True), asking(False)
        for r in range(args.rounds + 1):
            ids_round, texts_round = Sample(), Sample()
            batches = [
                run_batch(connections, by_id, ok_view, range(requests), ids_round),
                run_batch(connections, text, ok_view, range(requests), texts_round),
            ]
            for batch in batches if r % 2 else batches[::-1]:
                await batch
            if r > 0:  # round 0 warms up and is not kept
                sides.rounds.append(ids_round.rps / texts_round.rps)
                for kept, sample in ((sides.by_id, ids_round), (sides.text, texts_round)):
                    kept.latencies += sample.latencies
                    kept.seconds += sample.seconds
    return sides


async def bench(args: argparse.Namespace) -> int:
    results = []
    with tempfile.TemporaryDirectory() as directory:
        manifest = Path(directory) / "bench.json"
        manifest.write_text(json.dumps({DOCUMENT_ID: MEMBER_VIEW}))
        for store in stores(args.stores):
            print(f"on {store.label}: {args.rounds} rounds ...", flush=True)
            results.append((store, await run_on(store, args, manifest)))
    print()
    print(
        "| store | by id req/s | full text req/s | p50 by id / text ms "
        "| median ratio of the rounds (target >= 1.0) |"
    )
    print("| --- | --- | --- | --- | --- |")
    for store, sides in results:
        met = "met" if sides.ratio >= TARGET else "MISSED"
        p50 = f"{sides.by_id.percentile_ms(0.5):.2f} / {sides.text.percentile_ms(0.5):.2f}"
        print(
            f"| {store.label} | {sides.by_id.rps:.0f} | {sides.text.rps:.0f} | {p50} | "
            f"**{sides.ratio:.2f}** {met} |"
        )
    print()
    print("\n".join(machine()))
    return 0


def main() -> int:
    parser = ratio_arguments(__doc__.split("\n")[0], 10, 200, 60)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
