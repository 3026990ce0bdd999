from __future__ import annotations

from dataclasses import dataclass

from domain.commands import RecordPurchase, fingerprint
from domain.earning import record_purchase, validate_purchase
from domain.errors import OrderAlreadyRecorded
from domain.events import Change
from domain.handlers.members import change_member, finish_merges, keyed, resolve
from domain.handlers.results import entry_of
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class PurchaseRecorded:
    member: Member
    entry: LedgerEntry


async def handle(cmd: RecordPurchase, ports: Ports) -> PurchaseRecorded:
    cmd = validate_purchase(cmd, ports.program)
    member = await resolve(ports, cmd.member)
    key = f"ORDER:{cmd.order_id}"
    owner = await ports.keys.claim(key, member.id)
    if owner != member.id and (await finish_merges(ports, owner)).id != member.id:
        raise OrderAlreadyRecorded(f"order {cmd.order_id} is already recorded")
    digest = fingerprint(cmd)

    def rule(current: Member) -> Change:
        if current.order(cmd.order_id) is not None:
            raise OrderAlreadyRecorded(f"order {cmd.order_id} is already recorded")
        return record_purchase(current, cmd, ports.program, ports.clock.now(), ports.new_id)

    try:
        written = await change_member(ports, member, keyed(cmd.idempotency_key, digest, rule))
    except BaseException:
        # Refused: free the order id unless it is recorded after all (by an earlier request).
        latest = await ports.members.get(member.id)
        if latest is None or latest.order(cmd.order_id) is None:
            await ports.keys.release(key, member.id)
        raise
    return PurchaseRecorded(written.member, await entry_of(ports, written))
