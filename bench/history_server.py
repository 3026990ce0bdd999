"""The server for `bench.member_history`: the product app on a real uvicorn, with two
members seeded before it answers: one with a short history, one with a long one.

Run as `python -m bench.history_server PORT SHORT LONG HOURS` in its own process (its store
is the one the environment names, as for `bench.server`). Each member's purchases are spread
over the last HOURS hours and decided by the domain's own functions, exactly as the
handlers would (settle, then record the purchase), and what the handlers and the outbox
relay would have written is written in bulk: the member's document, its ledger entries with
their orders and requests, and the order ids' claims. Then it prints one JSON line (the
members' ids and their documents' sizes) and serves until stopped.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from decimal import Decimal
from typing import Any

import bson
import orjson
import uvicorn

from app.wiring import Tessera
from bench.server import HOST, bench_app
from domain.channel import Channel
from domain.commands import EnrollMember, MemberRef, RawIdentifier, RecordPurchase
from domain.earning import record_purchase, validate_purchase
from domain.events import commit_of
from domain.handlers import enroll_member
from domain.housekeeping import settle
from domain.identity import IdentifierKind
from storage.documents import member_to_doc
from storage.entry_records import outbox_item


async def seed(tessera: Tessera, name: str, purchases: int, span: timedelta) -> dict[str, Any]:
    ports, program = tessera.ports, tessera.program
    email = RawIdentifier(IdentifierKind.EMAIL, f"{name}@history.example")
    member = (await enroll_member.handle(EnrollMember((email,), name, Channel.APP), ports)).member
    start = ports.clock.now() - span
    entries: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    for n in range(purchases):
        at = start + span * n / max(purchases, 1)
        order_id, key = f"{name}-order-{n}", f"{name}-key-{n}"
        amount = Decimal(5 + n % 120)
        raw = RecordPurchase(
            MemberRef(id=member.id), order_id, amount, "EUR", Channel.POS, "store-001", key
        )
        settled = settle(member, program, at, ports.new_id)
        assert not settled.entries, "nothing expires within the seeded span"
        change = record_purchase(
            settled.member, validate_purchase(raw, program), program, at, ports.new_id
        )
        commit = commit_of(member, change)
        entries += outbox_item(commit)["entries"]
        claims.append(
            {"_id": f"ORDER:{order_id}", "member_id": member.id, "claimed_at": at, "request": key}
        )
        member = commit.member
    members = tessera.collections
    await members.members.replace_one({"_id": member.id}, {**member_to_doc(member), "outbox": []})
    for docs, collection in ((entries, members.ledger), (claims, members.keys)):
        for first in range(0, len(docs), 1000):
            await collection.insert_many(docs[first : first + 1000], ordered=False)
    stored = await members.members.find_one({"_id": member.id})
    return {"id": member.id, "purchases": purchases, "bytes": len(bson.encode(stored or {}))}


async def serve(port: int, short: int, long: int, hours: float) -> None:
    app = bench_app()
    server = uvicorn.Server(
        uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # it failed to start: say why
        await asyncio.sleep(0.05)
    tessera: Tessera = app.state.tessera
    span = timedelta(hours=hours)
    seeded = [await seed(tessera, "short", short, span), await seed(tessera, "long", long, span)]
    sys.stdout.write(orjson.dumps(seeded).decode() + "\n")
    sys.stdout.flush()
    await serving


def main(argv: list[str]) -> int:
    port, short, long, hours = int(argv[1]), int(argv[2]), int(argv[3]), float(argv[4])
    try:
        import uvloop  # as `uvicorn.run` does when it is installed
    except ImportError:  # pragma: no cover
        asyncio.run(serve(port, short, long, hours))
    else:
        uvloop.run(serve(port, short, long, hours))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
