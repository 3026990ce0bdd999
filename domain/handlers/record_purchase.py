from __future__ import annotations

from dataclasses import dataclass

from domain.commands import RecordPurchase, fingerprint
from domain.earning import Priced, price, record_purchase, validate_purchase
from domain.errors import OrderAlreadyRecorded
from domain.events import Change
from domain.handlers.campaign_reservation import give_back, reserve_for
from domain.handlers.challenge_vouchers import issue_owed_vouchers
from domain.handlers.members import Keyed, Written, change_member, finish_merges, resolve
from domain.handlers.results import entry_of
from domain.housekeeping import due, settle
from domain.ledger import LedgerEntry
from domain.member import LineRecord, Member
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class PurchaseRecorded:
    member: Member
    entry: LedgerEntry
    lines: tuple[LineRecord, ...]  # the points each line earned (none for an amount only)


async def handle(cmd: RecordPurchase, ports: Ports) -> PurchaseRecorded:
    cmd = validate_purchase(cmd, ports.program)
    member = await resolve(ports, cmd.member)
    key = f"ORDER:{cmd.order_id}"
    claim = await ports.keys.claim_for(key, member.id, cmd.idempotency_key)
    if claim.owner != member.id and (await finish_merges(ports, claim.owner)).id != member.id:
        raise OrderAlreadyRecorded(f"order {cmd.order_id} is already recorded")
    if claim.request not in (None, cmd.idempotency_key):
        # Another request holds this order id: it is recorded, or being recorded now.
        raise OrderAlreadyRecorded(f"order {cmd.order_id} is already recorded")
    # Held before by this same request: a retry (replayed below while its key is kept), or
    # a copy sent after the key was forgotten, which must not earn twice.
    recorded = None if claim.fresh else await ports.recorded.order(cmd.order_id, member.all_ids)
    if recorded is not None:
        # The member was read before the order was found recorded: read it again, so a
        # copy racing the request that recorded it sees that request's key and replays.
        member = await finish_merges(ports, member.id)

    program, now = ports.program, ports.clock.now()
    # Campaign budgets are reserved first, for the member as the rule will see them.
    budgeted = recorded is None and any(c.limits.budget for c in program.campaigns)
    granted: dict[str, int] = {}
    if budgeted:
        granted = await reserve_for(
            ports, settle(member, program, now, ports.new_id).member, cmd, now
        )
    decided: list[Priced] = []  # the pricing of the last attempt: the one written

    def rule(current: Member) -> Change:
        if recorded is not None:
            raise OrderAlreadyRecorded(f"order {cmd.order_id} is already recorded")
        at = ports.clock.now()
        decided[:] = [price(current, cmd, program, at, granted)]
        return record_purchase(current, cmd, program, at, ports.new_id, decided[0], digest)

    digest = fingerprint(cmd)
    request = Keyed(cmd.idempotency_key, digest)
    try:
        written = await change_member(ports, member, rule, request)
    except BaseException:
        await give_back(ports, granted, ())
        # Refused: free the order id unless it is recorded after all (by an earlier request).
        if await ports.recorded.order(cmd.order_id, member.all_ids) is None:
            await ports.keys.release(key, member.id)
        raise
    if granted:  # a replay gave nothing
        await give_back(ports, granted, decided[0].earnings if written.change else ())
    entry = await entry_of(ports, written)
    member = await issue_owed_vouchers(ports, written.member)  # a challenge's, if it owes one
    lines = await _lines_of(ports, written, entry, cmd)
    if written.change is None or not due(member, ports.clock.now()):
        return PurchaseRecorded(member, entry, lines)
    # A referral this purchase cleared at once (no hold): the friend's reward is written
    # now, as its own change, whose event brings the referrer's.
    settled = await change_member(ports, member, lambda m: None)
    return PurchaseRecorded(settled.member, entry, lines)


async def _lines_of(
    ports: Ports, written: Written, entry: LedgerEntry, cmd: RecordPurchase
) -> tuple[LineRecord, ...]:
    if not cmd.lines:
        return ()
    if written.change is not None and written.change.order is not None:
        return written.change.order.lines
    order = await ports.recorded.order_entry(entry.id)  # a replay: the lines as first recorded
    return () if order is None else order.lines
