"""A purchase priced as `recordPurchase` would record it, on the member as of now, writing
nothing: the same pricing (`domain.earning.price`) and the same rule for the member after."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.earning import Priced, price, record_purchase, validate_purchase
from domain.handlers.campaign_reservation import budgets_left
from domain.handlers.members import resolve
from domain.housekeeping import settle
from domain.member import LineRecord, Member
from domain.ports import Ports
from domain.purchase_lines import as_lines, line_record

PREVIEW = "preview"  # the order id and key a preview is priced under (nothing is recorded)


@dataclass(frozen=True, slots=True)
class PurchasePreview:
    priced: Priced
    lines: tuple[PurchaseLine, ...]  # what was priced (an amount alone is one line)
    after: Member  # the member as the purchase would leave them

    @property
    def line_records(self) -> tuple[LineRecord, ...]:
        return tuple(map(line_record, self.lines, self.priced.per_line))


async def handle(cmd: RecordPurchase, ports: Ports) -> PurchasePreview:
    cmd = validate_purchase(replace(cmd, order_id=PREVIEW, idempotency_key=PREVIEW), ports.program)
    now = ports.clock.now()
    member = settle(await resolve(ports, cmd.member), ports.program, now, ports.new_id).member
    priced = price(member, cmd, ports.program, now, await budgets_left(ports))
    after = record_purchase(member, cmd, ports.program, now, ports.new_id, priced).member
    return PurchasePreview(priced, as_lines(cmd), after)


async def potential(
    ref: MemberRef, items: tuple[PurchaseLine, ...], ports: Ports
) -> tuple[LineRecord, ...]:
    """What each item would earn the member bought on its own, for a product page."""
    program, now = ports.program, ports.clock.now()
    member = settle(await resolve(ports, ref), program, now, ports.new_id).member
    left = await budgets_left(ports)
    found: list[LineRecord] = []
    for item in items:
        cmd = RecordPurchase(
            ref, PREVIEW, None, program.currency, Channel.WEB, None, PREVIEW, (item,)
        )
        cmd = validate_purchase(cmd, program)
        found.append(line_record(cmd.lines[0], price(member, cmd, program, now, left).points))
    return tuple(found)
