from __future__ import annotations

from dataclasses import dataclass

from domain.commands import fingerprint
from domain.errors import ActivityAlreadyRecorded, PartnerBudgetExhausted
from domain.events import Change
from domain.handlers.members import Keyed, change_member
from domain.handlers.partner_links import find_linked
from domain.handlers.record_activity import claim_activity
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.partner_earning import (
    RecordPartnerActivity,
    budget_month,
    points_for,
    record_partner_activity,
    request_key,
    validate_partner_activity,
)
from domain.partners import Partner
from domain.ports import Ports

RESERVE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class PartnerActivityRecorded:
    member: Member
    entry: LedgerEntry


async def handle(
    cmd: RecordPartnerActivity, partner: Partner, ports: Ports
) -> PartnerActivityRecorded:
    program = ports.program
    cmd = validate_partner_activity(cmd, partner, program)
    points = points_for(cmd, partner)
    member = await find_linked(ports, partner, cmd.external_id)
    key = request_key(cmd)
    already = ActivityAlreadyRecorded(
        f"activity {cmd.activity_id} at {partner.name} is already recorded"
    )
    member, fresh = await claim_activity(ports, key, member, already)
    # The budget is taken before the write, all or nothing, and given back if nothing is
    # written: concurrent activities never give more than the month's budget together.
    month = budget_month(ports.clock.now(), program)
    reserved = fresh and await ports.partners.reserve(partner, month, points)
    for _ in range(RESERVE_ATTEMPTS):
        if not fresh or reserved:
            break
        # Refused while others' reservations were in flight: those given back (their write
        # refused) leave room again, so a refusal is only answered once the room is gone.
        left = await ports.partners.left(partner, month)
        if left < points:
            break
        reserved = await ports.partners.reserve(partner, month, points)
    if fresh and not reserved:
        await ports.keys.release(key, member.id)
        left = await ports.partners.left(partner, month)
        raise PartnerBudgetExhausted(
            f"{partner.name}'s budget for {month} has {left} points left; this gives {points}",
            left,
        )

    def rule(current: Member) -> Change:
        if not fresh:
            raise already
        return record_partner_activity(
            current, cmd, partner, program, ports.clock.now(), ports.new_id
        )

    try:
        written = await change_member(ports, member, rule, Keyed(key, fingerprint(cmd)))
    except BaseException:
        if reserved:
            await ports.partners.release(partner, month, points)
        if fresh:  # refused: the id may be sent again
            await ports.keys.release(key, member.id)
        raise
    if reserved and written.change is None:
        await ports.partners.release(partner, month, points)
    return PartnerActivityRecorded(written.member, await entry_of(ports, written))
