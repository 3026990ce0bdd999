from __future__ import annotations

from dataclasses import dataclass

from domain.commands import UseReward
from domain.errors import RewardNotFound
from domain.handlers.members import change_member, finish_merges
from domain.handlers.results import member_reward_of
from domain.member import Member, MemberReward
from domain.ports import Ports
from domain.redemption import use_reward, validate_use


@dataclass(frozen=True, slots=True)
class RewardConsumed:
    member: Member
    member_reward: MemberReward


async def handle(cmd: UseReward, ports: Ports) -> RewardConsumed:
    cmd = validate_use(cmd)
    owner = await ports.keys.owner_of(f"VOUCHER:{cmd.code}")
    if owner is None:
        raise RewardNotFound(f"no voucher with code {cmd.code}")
    member = await finish_merges(ports, owner)
    written = await change_member(
        ports,
        member,
        lambda current: use_reward(current, cmd, ports.program, ports.clock.now(), ports.new_id),
    )
    assert written.change is not None
    return RewardConsumed(
        written.member, member_reward_of(written, written.change.member_reward_id)
    )
