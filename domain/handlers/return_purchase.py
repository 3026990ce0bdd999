from __future__ import annotations

from dataclasses import dataclass

from domain.commands import ReturnPurchase, fingerprint
from domain.errors import OrderNotFound
from domain.events import Change
from domain.handlers.members import Keyed, change_member, finish_merges
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports
from domain.returns import return_purchase, validate_return


@dataclass(frozen=True, slots=True)
class PurchaseReturned:
    member: Member
    entry: LedgerEntry


async def handle(cmd: ReturnPurchase, ports: Ports) -> PurchaseReturned:
    cmd = validate_return(cmd, ports.program)
    owner = await ports.keys.owner_of(f"ORDER:{cmd.order_id}")
    if owner is None:
        raise OrderNotFound(f"order {cmd.order_id!r} is not on record")
    member = await finish_merges(ports, owner)
    order = await ports.recorded.order(cmd.order_id, member.all_ids)

    def rule(current: Member) -> Change:
        now = ports.clock.now()
        return return_purchase(current, order, cmd, ports.program, now, ports.new_id)

    request = Keyed(cmd.idempotency_key, fingerprint(cmd))
    written = await change_member(ports, member, rule, request)
    return PurchaseReturned(written.member, await entry_of(ports, written))
