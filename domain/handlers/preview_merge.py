"""A merge previewed: the survivor as `mergeMembers` would leave it, writing nothing, so that
an agent sees the points, tier, vouchers and identifiers the result would hold before
merging. The same rule as the merge (`domain.merging.absorb`), on both members as of now."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands import MergeMembers
from domain.errors import InvalidInput
from domain.handlers.members import resolve
from domain.housekeeping import settle
from domain.member import Member
from domain.merging import absorb, freeze
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class MergePreview:
    survivor: Member  # both as of now
    duplicate: Member
    merged: Member  # the survivor as the merge would leave it


async def handle(cmd: MergeMembers, ports: Ports) -> MergePreview:
    survivor = await resolve(ports, cmd.survivor)
    duplicate = await resolve(ports, cmd.duplicate)
    if duplicate.id == survivor.id:
        # The merge itself would change nothing: after a merge, the duplicate's identifiers
        # find the survivor. An agent previewing it has picked the same member twice.
        raise InvalidInput("duplicate", f"it is the same member as the survivor ({survivor.id})")
    program, now = ports.program, ports.clock.now()
    survivor = settle(survivor, program, now, ports.new_id).member
    duplicate = settle(duplicate, program, now, ports.new_id).member
    change = absorb(
        survivor, freeze(duplicate, survivor.id), program, now, ports.new_id, cmd.channel
    )
    return MergePreview(survivor, duplicate, survivor if change is None else change.member)
