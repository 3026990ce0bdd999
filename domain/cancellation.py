"""Cancel a redemption before its voucher is used: the points go back to the batches they
came from, with their own expiry (points whose expiry passed meanwhile expire at once, as
they would have), and the reward's stock is given back by the handler."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.commands import CancelRedemption, fingerprint
from domain.errors import InvalidInput, RewardNotActive, RewardNotFound
from domain.events import Change
from domain.expiry import new_batch, pooled_batches
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, PointBatch, lapsed, put_back
from domain.member import IdempotencyRecord, Member, MemberReward, RewardStatus
from domain.program import Program
from domain.redemption import normalise_voucher_code
from domain.validation import require_id, require_key


def validate_cancellation(cmd: CancelRedemption) -> CancelRedemption:
    if (cmd.code is None) == (cmd.member_reward_id is None):
        raise InvalidInput("code", "give the voucher's code or its memberRewardId, not both")
    return replace(
        cmd,
        code=None if cmd.code is None else normalise_voucher_code(require_id("code", cmd.code)),
        member_reward_id=(
            None
            if cmd.member_reward_id is None
            else require_id("memberRewardId", cmd.member_reward_id)
        ),
        idempotency_key=require_key(cmd.idempotency_key),
    )


def voucher_of(member: Member, cmd: CancelRedemption) -> MemberReward:
    found = (
        member.reward_by_code(cmd.code)
        if cmd.code is not None
        else next((r for r in member.rewards if r.id == cmd.member_reward_id), None)
    )
    if found is None:
        raise RewardNotFound(f"no voucher {cmd.code or cmd.member_reward_id}")
    return found


def cancel_redemption(
    member: Member,
    cmd: CancelRedemption,
    paid_from: tuple[PointBatch, ...] | None,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> Change:
    """`paid_from`: what the redemption took from each batch, as its entry recorded it
    (None for a voucher issued before entries recorded it: its points come back as new
    points, valid for the program's validity from now)."""
    voucher = voucher_of(member, cmd)
    if voucher.status is not RewardStatus.ACTIVE:
        raise RewardNotActive(f"voucher {voucher.code} is {voucher.status.value.lower()}")
    if paid_from is None:
        paid_from = (new_batch(voucher.cost, program, now),)
    reward = program.reward(voucher.reward_id)
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.REDEMPTION_CANCELLED,
        voucher.cost,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        reason=f"{reward.name if reward else voucher.reward_id} ({voucher.code}) cancelled",
    )
    cancelled = replace(voucher, status=RewardStatus.CANCELLED)
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now, voucher.id)
    batches, gone = put_back(member.batches, paid_from, now)
    after = replace(
        member,
        batches=pooled_batches(batches, program),
        rewards=tuple(cancelled if r is voucher else r for r in member.rewards),
    )
    return Change(
        remember(after, request),
        (entry, *lapsed(member.id, gone, now, new_id)),
        EntryKind.REDEMPTION_CANCELLED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        member_reward_id=voucher.id,
    )
