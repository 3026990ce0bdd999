"""Issue the vouchers a member's completed challenges owe (`domain.challenge_vouchers`):
after the purchase that completed them, and again by the expiry sweep (`workers.cron`),
which finds a member still owed one (`next_due_at`, `domain.housekeeping.next_visit`) when a
crash came in between; a later purchase issues it too."""

from __future__ import annotations

from domain.challenge_rules import Challenge
from domain.challenge_vouchers import issue_voucher, owed
from domain.events import Change
from domain.handlers.members import change_member
from domain.handlers.redeem_reward import claim_voucher_code
from domain.member import Member
from domain.ports import Ports


async def issue_owed_vouchers(ports: Ports, member: Member) -> Member:
    for challenge in owed(member, ports.program):
        member = await _issue(ports, member, challenge)
    return member


async def _issue(ports: Ports, member: Member, challenge: Challenge) -> Member:
    reward = ports.program.reward(challenge.reward_id) if challenge.reward_id else None
    voucher_id = ports.new_id("rwd")
    code = await claim_voucher_code(ports, member.id)
    reserved = reward is not None and (
        reward.stock is None or await ports.stock.reserve(reward, voucher_id)
    )
    issued = False
    try:

        def rule(current: Member) -> Change | None:
            voucher = (voucher_id, code) if reserved else None
            now = ports.clock.now()
            return issue_voucher(current, challenge, ports.program, now, ports.new_id, voucher)

        written = await change_member(ports, member, rule)
        issued = written.change is not None and written.change.member_reward_id == voucher_id
        return written.member
    finally:
        if not issued:
            # Out of stock, or issued by a concurrent request: give back what we held.
            await ports.keys.release(f"VOUCHER:{code}", member.id)
            if reserved and reward is not None and reward.stock is not None:
                await ports.stock.release(reward, voucher_id)
