from __future__ import annotations

from dataclasses import dataclass

from domain.adjustment import adjust_points, validate_adjustment
from domain.commands import AdjustPoints, fingerprint
from domain.events import Change
from domain.handlers.members import Keyed, change_member, resolve
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class PointsAdjusted:
    member: Member
    entry: LedgerEntry


async def handle(cmd: AdjustPoints, ports: Ports) -> PointsAdjusted:
    cmd = validate_adjustment(cmd)
    member = await resolve(ports, cmd.member)
    digest = fingerprint(cmd)

    def rule(current: Member) -> Change:
        return adjust_points(current, cmd, ports.program, ports.clock.now(), ports.new_id)

    written = await change_member(ports, member, rule, Keyed(cmd.idempotency_key, digest))
    return PointsAdjusted(written.member, await entry_of(ports, written))
