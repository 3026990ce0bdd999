from __future__ import annotations

from dataclasses import dataclass

from domain.commands import OverrideTier, fingerprint
from domain.events import Change
from domain.handlers.members import Keyed, change_member, resolve
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports
from domain.tier_override import override_tier, validate_override


@dataclass(frozen=True, slots=True)
class TierOverridden:
    member: Member
    entry: LedgerEntry


async def handle(cmd: OverrideTier, ports: Ports) -> TierOverridden:
    cmd = validate_override(cmd, ports.program, ports.clock.now())
    member = await resolve(ports, cmd.member)

    def rule(current: Member) -> Change:
        return override_tier(current, cmd, ports.program, ports.clock.now(), ports.new_id)

    written = await change_member(ports, member, rule, Keyed(cmd.idempotency_key, fingerprint(cmd)))
    return TierOverridden(written.member, await entry_of(ports, written))
