"""A challenge whose reward is a voucher: the purchase that completes the round marks the
voucher owed (`ChallengeProgress.voucher_due`, in the purchase's own change), and the
handler issues it right after, in a change of its own, once the reward's stock is reserved
and a code claimed (I/O the purchase's pure rule cannot do). Issuing is decided inside that
change: a concurrent issuer re-reads the member, finds nothing owed, and gives its stock
and code back, so the voucher is issued exactly once. It costs no points."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.challenge_rules import Challenge
from domain.events import Change
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import Member, MemberReward, RewardStatus
from domain.program import Program


def owed(member: Member, program: Program) -> tuple[Challenge, ...]:
    """The challenges whose voucher the member is owed, in the program file's order."""
    due = {p.challenge_id for p in member.challenges if p.voucher_due}
    return tuple(c for c in program.challenges if c.id in due)


def issue_voucher(
    member: Member,
    challenge: Challenge,
    program: Program,
    now: datetime,
    new_id: NewId,
    voucher: tuple[str, str] | None,
) -> Change | None:
    """The owed voucher issued as (id, code); None for the voucher: out of stock, so the
    round closes with an entry saying so. None when nothing is owed (issued already)."""
    found = next((p for p in member.challenges if p.challenge_id == challenge.id), None)
    if found is None or not found.voucher_due:
        return None
    reward = program.reward(challenge.reward_id) if challenge.reward_id else None
    entry_id = new_id("ent")
    rounds = tuple(replace(p, voucher_due=False) if p is found else p for p in member.challenges)
    name = reward.name if reward else challenge.reward_id
    after = replace(member, challenges=rounds)
    issued = None
    if reward is not None and voucher is not None:
        voucher_id, code = voucher
        expires = now + timedelta(days=reward.voucher_validity_days)
        issued = MemberReward(
            voucher_id, code, reward.id, 0, RewardStatus.ACTIVE, now, expires, entry_id=entry_id
        )
        after = replace(after, rewards=(*member.rewards, issued))
        given = f"a {name} voucher ({code})"
    else:
        given = f"{name} is out of stock: no voucher"
    entry = LedgerEntry(
        entry_id,
        member.id,
        EntryKind.CHALLENGE_COMPLETED,
        0,
        now,
        reason=f"challenge {challenge.name} ({challenge.id}) completed: {given}",
    )
    return Change(
        after,
        (entry,),
        EntryKind.CHALLENGE_COMPLETED,
        entry_id=entry.id,
        member_reward_id=issued.id if issued else None,
    )
