"""Finding members and changing them safely: compare-and-swap with bounded retries."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from domain.channel import Channel
from domain.commands import MemberRef
from domain.errors import InvalidInput, MemberBusy, MemberNotFound
from domain.events import Change, commit_of
from domain.housekeeping import due, settle
from domain.identity import normalise_identifier
from domain.member import IdempotencyRecord, Member
from domain.merging import absorb
from domain.ports import Ports
from domain.validation import require_text

MAX_ATTEMPTS = 64
MAX_MERGE_CHAIN = 16


@dataclass(frozen=True, slots=True)
class Replay:
    """A request seen before: its first result is returned, nothing is written."""

    record: IdempotencyRecord


Decision = Change | Replay | None
Decide = Callable[[Member], Decision]


@dataclass(frozen=True, slots=True)
class Outcome:
    member: Member
    change: Change | None
    replay: IdempotencyRecord | None


async def locate(ports: Ports, ref: MemberRef) -> str:
    """The member id a ref names (possibly a merged-away id; `load_live` follows it)."""
    if (ref.id is None) == (ref.identifier is None):
        raise InvalidInput("member", "give exactly one of id and identifier")
    if ref.id is not None:
        return require_text("member.id", ref.id, 64)
    assert ref.identifier is not None
    identifier = normalise_identifier(
        ref.identifier.kind, ref.identifier.value, ports.program.default_phone_region
    )
    owner = await ports.keys.owner_of(identifier.key)
    if owner is None:
        raise MemberNotFound(f"no member with {identifier.kind.value} {identifier.value}")
    return owner


async def resolve(ports: Ports, ref: MemberRef) -> Member:
    return await load_live(ports, await locate(ports, ref))


async def load_live(ports: Ports, member_id: str) -> Member:
    """The member, following merges to the survivor (and finishing a merge a crash cut short)."""
    for _ in range(MAX_MERGE_CHAIN):
        member = await ports.members.get(member_id)
        if member is None:
            raise MemberNotFound(f"no member {member_id}")
        if member.merged_into is None:
            return member
        await finish_merge(ports, member)
        member_id = member.merged_into
    raise MemberNotFound(f"member {member_id} is merged in a chain too long to follow")


async def current(ports: Ports, ref: MemberRef) -> Member:
    """The member as of now: what time changed (expiry, requalification) is written first."""
    member = await resolve(ports, ref)
    if not due(member, ports.clock.now()):
        return member
    return (await change_member(ports, member.id, lambda m: None)).member


async def change_member(ports: Ports, member_id: str, decide: Decide) -> Outcome:
    """Apply `decide` to the latest member state and write it with a version check.

    On a lost race the member is read again and `decide` runs again, so every rule is
    checked against the state that is actually written.
    """
    for attempt in range(MAX_ATTEMPTS):
        member = await load_live(ports, member_id)
        now = ports.clock.now()
        settled = settle(member, ports.program, now, ports.new_id)
        decision = decide(settled.member)
        if isinstance(decision, Replay):
            return Outcome(member, None, decision.record)
        if decision is None and not due(member, now):
            return Outcome(member, None, None)
        commit = commit_of(member, _after_settling(settled, decision))
        if await ports.members.save(commit):
            await ports.outbox.deliver(commit)
            return Outcome(commit.member, decision, None)
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


async def finish_merge(ports: Ports, duplicate: Member, channel: Channel | None = None) -> Member:
    """Make the survivor absorb a frozen duplicate; harmless when it already has."""
    assert duplicate.merged_into is not None

    def take_in(survivor: Member) -> Change | None:
        return absorb(
            survivor,
            duplicate,
            ports.program,
            ports.clock.now(),
            ports.new_id,
            channel=channel,
        )

    outcome = await change_member(ports, duplicate.merged_into, take_in)
    if outcome.change is not None:
        await ports.keys.repoint(duplicate.all_ids, outcome.member.id)
    return outcome.member
