"""Burn: redeem points for a voucher, then use the voucher once at the store."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from domain.codes import CODE_ALPHABET, normalise_code, shown
from domain.commands import RedeemReward, UseReward, fingerprint
from domain.errors import (
    InsufficientPoints,
    RewardNotActive,
    RewardNotFound,
    RewardUnavailable,
)
from domain.events import Change
from domain.expiry import kept_alive
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, take, taken_from
from domain.member import IdempotencyRecord, Member, MemberReward, RewardStatus
from domain.program import Program, Reward
from domain.validation import optional_id, require_id, require_key


# No 0/O, 1/I/L: codes are read aloud at tills and typed from screens.
def new_voucher_code() -> str:
    return shown("".join(secrets.choice(CODE_ALPHABET) for _ in range(8)))


def normalise_voucher_code(typed: str) -> str:
    return normalise_code(typed, "code", "voucher code")


def validate_redemption(cmd: RedeemReward, program: Program) -> RedeemReward:
    reward_id = require_id("rewardId", cmd.reward_id)
    if program.reward(reward_id) is None:
        raise RewardNotFound(f"no reward {reward_id!r} in the catalog")
    return replace(cmd, reward_id=reward_id, idempotency_key=require_key(cmd.idempotency_key))


def check_redeemable(member: Member, reward: Reward, program: Program) -> None:
    if program.tier_rank(member.tier.code) < program.tier_rank(reward.min_tier):
        raise RewardUnavailable(
            f"{reward.name} is for {program.tier(reward.min_tier).name} members and above"
        )
    if member.balance < reward.cost:
        raise InsufficientPoints(reward.cost, member.balance, member.pending_balance)


def redeem_reward(
    member: Member,
    cmd: RedeemReward,
    program: Program,
    now: datetime,
    new_id: NewId,
    voucher: tuple[str, str],
) -> Change:
    """Spend the reward's cost, soonest-expiring points first; never below zero."""
    reward = program.reward(cmd.reward_id)
    if reward is None:
        raise RewardNotFound(f"no reward {cmd.reward_id!r} in the catalog")
    check_redeemable(member, reward, program)
    voucher_id, code = voucher
    entry_id = new_id("ent")
    issued = MemberReward(
        voucher_id,
        code,
        reward.id,
        reward.cost,
        RewardStatus.ACTIVE,
        now,
        now + timedelta(days=reward.voucher_validity_days),
        entry_id=entry_id,
    )
    entry = LedgerEntry(
        entry_id,
        member.id,
        EntryKind.REDEEMED,
        -reward.cost,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        reason=f"{reward.name} ({code})",
    )
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now, voucher_id)
    # A redemption is activity: under inactivity the points kept (and those spent, should
    # the redemption be cancelled) expire from now on.
    alive = kept_alive(member.batches, program, now)
    batches = take(alive, reward.cost)
    after = replace(member, batches=batches, rewards=(*member.rewards, issued))
    return Change(
        remember(after, request),
        (entry,),
        EntryKind.REDEEMED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        member_reward_id=voucher_id,
        paid_from=taken_from(alive, batches),
    )


def validate_use(cmd: UseReward) -> UseReward:
    return replace(
        cmd,
        code=normalise_voucher_code(require_id("code", cmd.code, 32)),
        store_id=optional_id("storeId", cmd.store_id),
    )


def use_reward(
    member: Member, cmd: UseReward, program: Program, now: datetime, new_id: NewId
) -> Change:
    voucher = member.reward_by_code(cmd.code)
    if voucher is None:
        raise RewardNotFound(f"no voucher with code {cmd.code}")
    if voucher.status is not RewardStatus.ACTIVE:
        raise RewardNotActive(f"voucher {cmd.code} is {voucher.status.value.lower()}")
    used = replace(voucher, status=RewardStatus.USED, used_at=now, used_store_id=cmd.store_id)
    reward = program.reward(voucher.reward_id)
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.REWARD_USED,
        0,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        reason=f"{reward.name if reward else voucher.reward_id} ({cmd.code})",
    )
    after = replace(member, rewards=tuple(used if r is voucher else r for r in member.rewards))
    return Change(
        after,
        (entry,),
        EntryKind.REWARD_USED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        member_reward_id=voucher.id,
    )
