from __future__ import annotations

from domain.commands import MergeMembers
from domain.events import Change
from domain.handlers.members import change_member, finish_merges, resolve
from domain.ledger import EntryKind
from domain.member import Member
from domain.merging import freeze
from domain.ports import Ports


async def handle(cmd: MergeMembers, ports: Ports) -> Member:
    """Freeze the duplicate, then let the survivor absorb it. Merging again changes nothing."""
    survivor = await resolve(ports, cmd.survivor)
    duplicate = await resolve(ports, cmd.duplicate)
    if duplicate.id == survivor.id:
        return survivor

    def mark(current: Member) -> Change | None:
        if current.id == survivor.id:
            return None
        return Change(freeze(current, survivor.id), (), EntryKind.MERGED, cmd.channel)

    frozen = await change_member(ports, duplicate, mark)
    if frozen.change is None:
        return await finish_merges(ports, survivor.id)
    # Loading the frozen duplicate makes the survivor absorb it.
    return await finish_merges(ports, frozen.member.id, cmd.channel)
