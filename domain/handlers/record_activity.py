from __future__ import annotations

from dataclasses import dataclass

from domain.activities import record_activity, request_key, validate_activity
from domain.commands import RecordActivity, fingerprint
from domain.errors import ActivityAlreadyRecorded
from domain.events import Change
from domain.handlers.members import Keyed, change_member, finish_merges, resolve
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class ActivityRecorded:
    member: Member
    entry: LedgerEntry


async def handle(cmd: RecordActivity, ports: Ports) -> ActivityRecorded:
    cmd = validate_activity(cmd, ports.program)
    member = await resolve(ports, cmd.member)
    key = request_key(cmd)
    already = ActivityAlreadyRecorded(
        f"activity {cmd.activity_id} ({cmd.kind}) is already recorded"
    )
    member, fresh = await claim_activity(ports, key, member, already)

    def rule(current: Member) -> Change:
        if not fresh:
            raise already
        return record_activity(current, cmd, ports.program, ports.clock.now(), ports.new_id)

    try:
        written = await change_member(ports, member, rule, Keyed(key, fingerprint(cmd)))
    except BaseException:
        if fresh:  # refused (a limit, say): the id may be sent again
            await ports.keys.release(key, member.id)
        raise
    return ActivityRecorded(written.member, await entry_of(ports, written))


async def claim_activity(
    ports: Ports, key: str, member: Member, already: ActivityAlreadyRecorded
) -> tuple[Member, bool]:
    """Hold an activity's id (`key`) for this member: the member to decide on, and whether
    the id was claimed just now; `already` when another member holds it."""
    claim = await ports.keys.claim_for(key, member.id, key)
    if claim.owner != member.id and (await finish_merges(ports, claim.owner)).id != member.id:
        raise already  # another member's
    if not claim.fresh:
        # Held before: a retry, replayed below while its request is kept, or a copy racing
        # the request that holds it; read the member again to see that one if it committed.
        member = await finish_merges(ports, member.id)
    return member, claim.fresh
