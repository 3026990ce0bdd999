from __future__ import annotations

from dataclasses import dataclass

from domain.cancellation import cancel_redemption, validate_cancellation, voucher_of
from domain.commands import CancelRedemption, fingerprint
from domain.errors import RewardNotFound
from domain.events import Change
from domain.handlers.members import Keyed, change_member, finish_merges
from domain.handlers.results import entry_of, member_reward_of
from domain.ledger import LedgerEntry
from domain.member import Member, MemberReward
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class RedemptionCancelled:
    member: Member
    member_reward: MemberReward
    entry: LedgerEntry


async def handle(cmd: CancelRedemption, ports: Ports) -> RedemptionCancelled:
    cmd = validate_cancellation(cmd)
    owner = await (
        ports.keys.owner_of(f"VOUCHER:{cmd.code}")
        if cmd.code is not None
        else ports.recorded.redeemed_by(cmd.member_reward_id or "")
    )
    if owner is None:
        raise RewardNotFound(f"no voucher {cmd.code or cmd.member_reward_id}")
    member = await finish_merges(ports, owner)
    voucher = voucher_of(member, cmd)
    paid_from = (
        None
        if voucher.entry_id is None
        else await ports.recorded.paid_from(voucher.entry_id, member.all_ids)
    )

    def rule(current: Member) -> Change:
        now = ports.clock.now()
        return cancel_redemption(current, cmd, paid_from, ports.program, now, ports.new_id)

    written = await change_member(ports, member, rule, Keyed(cmd.idempotency_key, fingerprint(cmd)))
    cancelled = member_reward_of(written, voucher.id)
    reward = ports.program.reward(cancelled.reward_id)
    if reward is not None and reward.stock is not None:
        # After the write (and again on a replay: releasing is idempotent), so that stock is
        # never given back for a voucher that stays issued.
        await ports.stock.release(reward, cancelled.id)
    return RedemptionCancelled(written.member, cancelled, await entry_of(ports, written))
