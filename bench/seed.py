"""Many members at once, for the store benchmark: each built by the domain's own enrollment
rule and written as the storage layer writes it (its document functions), in bulk inserts
rather than one enrollment at a time (50,000 enrollments over HTTP would take most of an
hour). Each member leaves what an enrollment leaves once its welcome went out: the member
(outbox relayed), its email key, its ENROLLED ledger entry, its welcome message (SENT), its
messaging profile with that send, and the sent-messages provider's copy.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

from app.wiring import Tessera, new_id
from domain.channel import Channel
from domain.commands import EnrollMember, RawIdentifier
from domain.enrollment import enroll_member, validate_enrollment
from domain.identity import IdentifierKind
from domain.messaging.journeys import Intent
from domain.messaging.journeys.welcome import Enrolled
from domain.messaging.message import MessageStatus, new_message
from domain.messaging.message_channel import MessageChannel
from storage.documents import entry_to_doc, member_to_doc
from storage.message_documents import message_to_doc

BATCH = 1000
EMAIL = MessageChannel.EMAIL


def email_of(number: int) -> str:
    return f"seeded-{number}@example.com"


def seeded_id(number: int) -> str:
    return f"mbr_seeded_{number:06d}"


def _documents(tessera: Tessera, number: int) -> dict[str, dict[str, Any]]:
    """One member's documents, by collection."""
    now = tessera.clock.now()
    cmd = EnrollMember(
        (RawIdentifier(IdentifierKind.EMAIL, email_of(number)),), f"Seeded {number}", Channel.WEB
    )
    identifiers = validate_enrollment(cmd, tessera.program)
    member, entry = enroll_member(seeded_id(number), identifiers, cmd, tessera.program, now, new_id)
    welcome = new_message(Intent(member.id, Enrolled(), now), now, EMAIL)
    welcome = dataclasses.replace(welcome, status=MessageStatus.SENT)
    send = {"message_id": welcome.id, "channel": EMAIL.value, "sent_at": now}
    return {
        "members": {**member_to_doc(member), "outbox": []},
        "keys": {"_id": identifiers[0].key, "member_id": member.id, "claimed_at": now},
        "ledger": entry_to_doc(entry),
        "messages": message_to_doc(welcome),
        "profiles": {"_id": member.id, "sends": [send], "version": 1},
        "sent": {"_id": welcome.id, "attempts": 1, "stored_at": now, "last_attempt_at": now},
    }


def _batches(count: int) -> Iterator[range]:
    for start in range(0, count, BATCH):
        yield range(start, min(count, start + BATCH))


async def seed_members(tessera: Tessera, count: int) -> float:
    """Write `count` members (numbered from 0); returns the seconds it took."""
    started = time.perf_counter()
    for numbers in _batches(count):
        by_collection: dict[str, list[dict[str, Any]]] = {}
        for number in numbers:
            for name, doc in _documents(tessera, number).items():
                by_collection.setdefault(name, []).append(doc)
        for name, docs in by_collection.items():
            await getattr(tessera.collections, name).insert_many(docs)
    return time.perf_counter() - started
