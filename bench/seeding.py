"""Members written straight into a store in bulk, for `bench.idle`: tens of thousands in
seconds, where enrolling them through the API would take minutes (and, on the embedded
store, the store lives inside the server's process, so it is seeded there).

Each member is what the domain's own rules make of a customer who joined on the web with an
email address and bought once the same day: the member document (`enroll_member`, then
`record_purchase` and `commit_of`, stored by `member_to_doc` with an empty outbox), its
ledger entries, its email and order keys, and its welcome message, sent. They joined one a
few minutes apart over the last 300 days, so their points (released from the programme's
hold, as the sweeps would have by now) expire 65 to 365 days ahead: none is due for expiry,
nor within the programme's reminder leads (7 and 30 days), and nothing waits to be sent.
An idle server then has nothing to do, and what it still does on its
timers is what the benchmark measures.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from app.wiring import new_id
from domain.channel import Channel
from domain.commands import EnrollMember, MemberRef, RawIdentifier, RecordPurchase
from domain.earning import record_purchase
from domain.enrollment import enroll_member
from domain.events import commit_of
from domain.housekeeping import settle
from domain.identity import Identifier, IdentifierKind
from domain.messaging.journeys import Intent
from domain.messaging.journeys.welcome import Enrolled
from domain.messaging.message import MessageStatus, new_message
from domain.program import Program
from storage.documents import entry_to_doc, member_to_doc
from storage.message_documents import message_to_doc
from storage.mongo import Collections

CHUNK = 2_000  # documents per insert_many
SPREAD = timedelta(days=300)

Doc = dict[str, Any]


def _member_docs(number: int, count: int, program: Program, now: datetime) -> dict[str, list[Doc]]:
    joined = now - SPREAD + SPREAD * number / count
    member_id = f"mbr_seed{number:08d}"
    email = Identifier(IdentifierKind.EMAIL, f"seed{number}@example.com")
    raw = (RawIdentifier(email.kind, email.value),)
    member, enrolled = enroll_member(
        member_id, (email,), EnrollMember(raw, None, Channel.WEB), program, joined, new_id
    )
    order = f"seed-{number}"
    purchase = RecordPurchase(
        MemberRef(id=member_id), order, Decimal("42.00"), "EUR", Channel.WEB, None, order
    )
    bought = record_purchase(member, purchase, program, joined, new_id)
    # Stored as the sweeps would have left it by now: a purchase held (`pending_days`) is
    # released; stored unreleased, every seeded member would be due at start.
    released = settle(bought.member, program, now, new_id)
    commit = commit_of(member, dataclasses.replace(bought, member=released.member))
    welcome = new_message(Intent(member_id, Enrolled(), joined), joined)
    return {
        "members": [{**member_to_doc(commit.member), "outbox": []}],
        "keys": [
            {"_id": key, "member_id": member_id, "claimed_at": joined}
            for key in (email.key, f"ORDER:{order}")
        ],
        "ledger": [entry_to_doc(e) for e in (enrolled, *commit.entries, *released.entries)],
        "messages": [message_to_doc(dataclasses.replace(welcome, status=MessageStatus.SENT))],
    }


async def seed_members(
    collections: Collections, program: Program, count: int, now: datetime
) -> None:
    """`count` members as above, in bulk (ids mbr_seed00000000 onwards)."""
    for start in range(0, count, CHUNK):
        docs: dict[str, list[Doc]] = {"members": [], "keys": [], "ledger": [], "messages": []}
        for number in range(start, min(count, start + CHUNK)):
            for name, made in _member_docs(number, count, program, now).items():
                docs[name] += made
        for name, batch in docs.items():
            await getattr(collections, name).insert_many(batch, ordered=False)
