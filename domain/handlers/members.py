"""Finding members and changing them safely: compare-and-swap with bounded retries."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from domain.channel import Channel
from domain.commands import MemberRef
from domain.errors import InvalidInput, MemberBusy, MemberNotFound
from domain.events import Change, commit_of
from domain.housekeeping import due, settle
from domain.idempotency import checked, may_have_spilled, recall
from domain.identity import normalise_identifier
from domain.ledger import EntryKind
from domain.member import IdempotencyRecord, Member
from domain.merging import absorb
from domain.ports import Ports
from domain.validation import require_id

MAX_ATTEMPTS = 64
MAX_MERGE_CHAIN = 16


@dataclass(frozen=True, slots=True)
class Replay:
    """A request seen before: its first result is returned, nothing is written."""

    record: IdempotencyRecord


# What a rule says for the member as it is: a change to write, a replay of a request seen
# before, or nothing (time alone may still have changed the member: see `settle`).
Ruling = Change | Replay | None
Decide = Callable[[Member], Ruling]


@dataclass(frozen=True, slots=True)
class Keyed:
    """A request under an idempotency key: its first result is replayed, never applied twice."""

    key: str
    digest: str  # the request's fingerprint: the same key for another request is refused


async def recall_request(ports: Ports, member: Member, request: Keyed) -> IdempotencyRecord | None:
    """The first result of `request`'s key: on the member, or (when older requests no longer
    fit on it) with its ledger entry."""
    record = recall(member, request.key, request.digest)
    now, retention = ports.clock.now(), timedelta(hours=ports.program.idempotency_retention_hours)
    if record is not None or not may_have_spilled(member, now, retention):
        return record
    spilled = await ports.recorded.request(member.all_ids, request.key)
    if spilled is None or spilled.recorded_at <= now - retention:
        return None  # a key used again after its retention is a new request
    return checked(spilled, request.digest)


@dataclass(frozen=True, slots=True)
class Written:
    """What `change_member` did: the member as stored, and the change it wrote or the
    record of the replayed request."""

    member: Member
    change: Change | None
    replay: IdempotencyRecord | None


async def locate(ports: Ports, ref: MemberRef) -> str:
    """The member id a ref names (possibly a merged-away id; `finish_merges` follows it)."""
    if (ref.id is None) == (ref.identifier is None):
        raise InvalidInput("member", "give exactly one of id and identifier")
    if ref.id is not None:
        return require_id("member.id", ref.id)
    assert ref.identifier is not None
    identifier = normalise_identifier(
        ref.identifier.kind, ref.identifier.value, ports.program.default_phone_region
    )
    owner = await ports.keys.owner_of(identifier.key)
    if owner is None:
        raise MemberNotFound(f"no member with {identifier.kind.value} {identifier.value}")
    return owner


async def resolve(ports: Ports, ref: MemberRef) -> Member:
    return await finish_merges(ports, await locate(ports, ref))


async def finish_merges(ports: Ports, member_id: str, channel: Channel | None = None) -> Member:
    """The live member for an id, following merges to the survivor; it writes when a merge
    was left unfinished (so a read here may be a write).

    Every frozen duplicate met on the way is absorbed by the live member at the end (which
    finishes a merge that a crash cut short), and a cycle left by two opposite merges racing
    is broken: one member stays live and absorbs the others (`_keeper`).
    """
    start, chain = member_id, list[Member]()
    for _ in range(MAX_MERGE_CHAIN):
        member = await ports.members.get(member_id)
        if member is None:
            raise MemberNotFound(f"no member {member_id}")
        if member.merged_into is None:
            return await _absorb_chain(ports, chain, member, channel)
        seen = [m.id for m in chain]
        if member.merged_into in seen or member.merged_into == member.id:
            cycle = [*chain[seen.index(member.merged_into) :], member] if chain else [member]
            await _unfreeze(ports, _keeper(cycle))
            member_id, chain = start, []
            continue
        chain.append(member)
        member_id = member.merged_into
    raise MemberNotFound(f"member {start} is merged in a chain too long to follow")


async def _absorb_chain(
    ports: Ports, chain: list[Member], live: Member, channel: Channel | None
) -> Member:
    for frozen in chain:

        def take_in(survivor: Member, duplicate: Member = frozen) -> Change | None:
            now = ports.clock.now()
            return absorb(survivor, duplicate, ports.program, now, ports.new_id, channel)

        written = await change_member(ports, live, take_in)
        if written.change is not None:
            await ports.keys.repoint(frozen.all_ids, written.member.id)
        live = written.member
    return live


def _keeper(cycle: list[Member]) -> Member:
    """The member of a merge cycle to keep live: one that already absorbed others of it, as
    an opposite merge may have finished before the cycle closed (its duplicates' frozen
    copies still hold their points: thawing one of them would count those twice); else the
    smallest id, so that every reader breaks the cycle the same way."""
    ids = {m.id for m in cycle}
    return min(cycle, key=lambda m: (-len(ids.intersection(m.merged_ids)), m.id))


async def _unfreeze(ports: Ports, member: Member) -> None:
    thawed = Change(replace(member, merged_into=None), (), EntryKind.MERGED)
    commit = commit_of(member, thawed)
    if await ports.members.save(commit):  # a lost race is seen again on the next pass
        await ports.outbox.deliver(commit)


async def current(ports: Ports, ref: MemberRef) -> Member:
    """The member as of now: what time changed (expiry, requalification) is written first."""
    member = await resolve(ports, ref)
    if not due(member, ports.clock.now()):
        return member
    return (await change_member(ports, member, lambda m: None)).member


async def change_member(
    ports: Ports, read: Member, decide: Decide, request: Keyed | None = None
) -> Written:
    """Apply `decide` to the member and write it with a version check.

    `read` is the live member as the caller just read it: the first attempt decides on it,
    so a command reads the member once and writes once when nobody races it. On a lost race
    the member is read again and `decide` runs again, so every rule is checked against the
    state that is actually written. A keyed `request` seen before is replayed instead; that
    too is checked on every attempt, so two copies racing are applied once.
    """
    member_id = read.id
    known: Member | None = read
    for attempt in range(MAX_ATTEMPTS):
        member = known or await finish_merges(ports, member_id)
        known = None
        now = ports.clock.now()
        settled = settle(member, ports.program, now, ports.new_id)
        seen = None if request is None else await recall_request(ports, settled.member, request)
        ruling = Replay(seen) if seen is not None else decide(settled.member)
        if isinstance(ruling, Replay):
            return Written(member, None, ruling.record)
        if ruling is None and not due(member, now):
            return Written(member, None, None)
        # A friend's referral reward is written as its own version first (its event is what
        # brings the referrer's reward, `domain.reactions`); then the rule decides again.
        alone = ruling is not None and settled.cause is EntryKind.REFERRAL_REWARDED
        commit = commit_of(member, settled if alone else _after_settling(settled, ruling))
        if await ports.members.save(commit):
            await ports.outbox.deliver(commit)
            if alone:
                known = commit.member
                continue
            return Written(commit.member, ruling, None)
        member_id = member.id
        # Jittered backoff spreads the retries of many writers racing on one member.
        await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
    raise MemberBusy("the member is being changed by many requests at once; retry")


def _after_settling(settled: Change, change: Change | None) -> Change:
    if change is None:
        return settled
    return replace(
        change,
        entries=(*settled.entries, *change.entries),
        previous_tier=settled.previous_tier or change.previous_tier,
    )
