from __future__ import annotations

from dataclasses import dataclass

from domain.commands import RedeemReward, fingerprint
from domain.errors import RewardNotFound, RewardUnavailable
from domain.events import Change
from domain.handlers.members import Keyed, change_member, recall_request, resolve
from domain.handlers.results import member_reward_of
from domain.housekeeping import settle
from domain.member import Member, MemberReward
from domain.ports import Ports
from domain.redemption import check_redeemable, new_voucher_code, redeem_reward, validate_redemption


@dataclass(frozen=True, slots=True)
class RewardIssued:
    member: Member
    member_reward: MemberReward


async def handle(cmd: RedeemReward, ports: Ports) -> RewardIssued:
    cmd = validate_redemption(cmd, ports.program)
    reward = ports.program.reward(cmd.reward_id)
    if reward is None:
        raise RewardNotFound(f"no reward {cmd.reward_id!r} in the catalog")
    member = await resolve(ports, cmd.member)
    request = Keyed(cmd.idempotency_key, fingerprint(cmd))
    known = await recall_request(ports, member, request)
    if known is not None:
        return _issued(member, known.member_reward_id)
    # Fail fast before reserving anything, on the member as the rule will see it: held
    # points whose time came are spendable though no read has released them yet.
    settled = settle(member, ports.program, ports.clock.now(), ports.new_id).member
    check_redeemable(settled, reward, ports.program)

    voucher_id = ports.new_id("rwd")
    code = await claim_voucher_code(ports, member.id)
    reserved = reward.stock is None or await ports.stock.reserve(reward, voucher_id)
    issued = False
    try:
        if not reserved:
            raise RewardUnavailable(f"{reward.name} is out of stock")

        def rule(current: Member) -> Change:
            now = ports.clock.now()
            return redeem_reward(current, cmd, ports.program, now, ports.new_id, (voucher_id, code))

        written = await change_member(ports, member, rule, request)
        issued = written.change is not None
        return RewardIssued(
            written.member, member_reward_of(written, voucher_id if issued else None)
        )
    finally:
        if not issued:
            # Nothing was issued (refused, or a concurrent replay won): give back what we held.
            await ports.keys.release(f"VOUCHER:{code}", member.id)
            if reserved and reward.stock is not None:
                await ports.stock.release(reward, voucher_id)


def _issued(member: Member, member_reward_id: str | None) -> RewardIssued:
    return RewardIssued(member, next(r for r in member.rewards if r.id == member_reward_id))


async def claim_voucher_code(ports: Ports, member_id: str) -> str:
    while True:
        code = new_voucher_code()
        if await ports.keys.claim(f"VOUCHER:{code}", member_id) == member_id:
            return code
