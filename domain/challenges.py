"""Challenge progress: one pure function moves every challenge the program declares a step
on, inside the member's change. A lost race re-reads the member and runs it again, and a
replayed request never runs it, so a round is completed, and its reward given, exactly once.

A step is a purchase (the lines that earn: a gift card or tax buys nothing). A round starts
with its first matching step and ends at its deadline (rolling `within_days`, or the
challenge's end); a step after that starts a new round. A completed round stays completed:
for ever, or until the next step starts a new one when the challenge `repeat`s. Returns
take nothing back: a round counts purchases as they were made, and a reward, once given,
is the member's (as most programs do; a `min_spend` keeps tiny baskets out).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from domain.challenge_rules import Challenge, ChallengeKind, ChallengeProgress, round_deadline
from domain.channel import Channel
from domain.commands import PurchaseLine, RecordPurchase
from domain.expiry import new_batch
from domain.ledger import EntryKind, LedgerEntry, NewId, add
from domain.member import Member
from domain.program import Program
from domain.purchase_lines import as_lines

_UNITS = {
    ChallengeKind.PURCHASES: "purchases",
    ChallengeKind.STORES: "stores",
    ChallengeKind.SPEND: "spent",
}


@dataclass(frozen=True, slots=True)
class Step:
    """What a member did that may move a challenge on."""

    at: datetime
    channel: Channel
    store_id: str | None
    lines: tuple[PurchaseLine, ...]
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class MemberChallenge:
    """A challenge as the member sees it: the current round, or a round not yet started."""

    id: str
    name: str
    progress: int
    target: int
    deadline: datetime | None
    completed: bool


def on_purchase(
    member: Member, cmd: RecordPurchase, program: Program, now: datetime, new_id: NewId
) -> tuple[Member, tuple[LedgerEntry, ...]]:
    """The member with every challenge moved on by the purchase, and the entries of those
    it completed (their points are on the member already)."""
    step = Step(now, cmd.channel, cmd.store_id, as_lines(cmd), cmd.order_id)
    return advance(member, step, program, new_id)


def advance(
    member: Member, step: Step, program: Program, new_id: NewId
) -> tuple[Member, tuple[LedgerEntry, ...]]:
    rounds = {p.challenge_id: p for p in member.challenges}
    entries: list[LedgerEntry] = []
    batches, moved_any = member.batches, False
    for challenge in program.challenges:
        spend = matched_spend(challenge, step)
        if spend is None:
            continue
        current = current_round(rounds.get(challenge.id), challenge, step.at, program.time_zone)
        if current is None:
            continue  # completed, and it does not repeat
        moved = _stepped(current, challenge, step, spend)
        if moved.progress(challenge) >= challenge.target:
            moved = replace(
                moved,
                completed_at=step.at,
                completions=moved.completions + 1,
                voucher_due=challenge.reward_id is not None,
            )
            if challenge.reward_points:  # a voucher is issued after, with its entry
                entries.append(_completed_entry(member.id, challenge, program, step, new_id))
                batches = add(batches, new_batch(challenge.reward_points, program, step.at))
        rounds[challenge.id], moved_any = moved, True
    if not moved_any:
        return member, ()  # nothing matched: the member is left as it was
    return replace(member, challenges=tuple(rounds.values()), batches=batches), tuple(entries)


def matched_spend(challenge: Challenge, step: Step) -> Decimal | None:
    """What the step spent on what the challenge asks for, or None when it does not count."""
    if not challenge.is_open(step.at):
        return None
    if challenge.channels and step.channel not in challenge.channels:
        return None
    if challenge.stores and step.store_id not in challenge.stores:
        return None
    if challenge.kind is ChallengeKind.STORES and step.store_id is None:
        return None  # a purchase online visits no store
    lines = [
        line
        for line in step.lines
        if line.earns
        and (not challenge.categories or line.category in challenge.categories)
        and (not challenge.skus or line.sku in challenge.skus)
    ]
    if not lines:
        return None
    spend = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    if challenge.min_spend is not None and spend < challenge.min_spend:
        return None
    return spend


def current_round(
    found: ChallengeProgress | None, challenge: Challenge, at: datetime, zone_name: str
) -> ChallengeProgress | None:
    """The round a step at `at` counts in: the member's own while it runs, else a new one
    (None: the challenge is completed for good)."""
    if found is not None and found.completed_at is not None and not challenge.repeat:
        return None
    running = found is not None and found.completed_at is None
    if running and found is not None and (found.deadline is None or at < found.deadline):
        return found
    deadline = round_deadline(challenge, at, zone_name)
    if found is None:
        return ChallengeProgress(challenge.id, at, deadline)
    # A new round keeps the count of rounds completed, and a voucher still owed.
    return ChallengeProgress(
        challenge.id, at, deadline, completions=found.completions, voucher_due=found.voucher_due
    )


def _stepped(
    current: ChallengeProgress, challenge: Challenge, step: Step, spend: Decimal
) -> ChallengeProgress:
    stores = current.stores
    if step.store_id is not None and step.store_id not in stores and len(stores) < challenge.target:
        stores = (*stores, step.store_id)  # bounded: no more than the target needs
    return replace(current, count=current.count + 1, spent=current.spent + spend, stores=stores)


def _completed_entry(
    member_id: str, challenge: Challenge, program: Program, step: Step, new_id: NewId
) -> LedgerEntry:
    """The points of a completed round, with the purchase that completed it."""
    unit = _UNITS[challenge.kind]
    target = f"{challenge.target} {program.currency}" if unit == "spent" else challenge.target
    return LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.CHALLENGE_COMPLETED,
        challenge.reward_points,
        step.at,
        channel=step.channel,
        store_id=step.store_id,
        order_id=step.order_id,
        reason=f"challenge {challenge.name} ({challenge.id}) completed, {target} {unit}: "
        f"{challenge.reward_points} points",
    )


def challenges_of(member: Member, program: Program, now: datetime) -> tuple[MemberChallenge, ...]:
    """Every challenge open now or completed by the member, in the program file's order."""
    rounds = {p.challenge_id: p for p in member.challenges}
    shown: list[MemberChallenge] = []
    for challenge in program.challenges:
        found = rounds.get(challenge.id)
        done = found is not None and found.completed_at is not None
        if not challenge.is_open(now) and not done:
            continue
        live = found is not None and (done or found.deadline is None or now < found.deadline)
        if found is not None and live:
            shown.append(_shown(challenge, found.progress(challenge), found.deadline, done))
        else:  # not started, or lapsed: the next step starts a round
            shown.append(_shown(challenge, 0, challenge.ends_at, False))
    return tuple(shown)


def _shown(
    challenge: Challenge, progress: int, deadline: datetime | None, completed: bool
) -> MemberChallenge:
    return MemberChallenge(
        challenge.id, challenge.name, progress, challenge.target, deadline, completed
    )


def pooled_challenges(
    survivor: tuple[ChallengeProgress, ...], duplicate: tuple[ChallengeProgress, ...]
) -> tuple[ChallengeProgress, ...]:
    """Two merged members' rounds: one a challenge, the further along (a completed one
    first, so a merge can neither complete a challenge twice nor invent progress; it gives
    no reward of its own)."""
    pooled = {p.challenge_id: p for p in survivor}
    for theirs in duplicate:
        mine = pooled.get(theirs.challenge_id)
        if mine is None:
            pooled[theirs.challenge_id] = theirs
            continue
        kept = theirs if _further(theirs) > _further(mine) else mine
        # A voucher either still owed is issued all the same.
        pooled[theirs.challenge_id] = replace(
            kept, voucher_due=mine.voucher_due or theirs.voucher_due
        )
    return tuple(pooled.values())


def _further(p: ChallengeProgress) -> tuple[int, bool, int, int, Decimal]:
    return (p.completions, p.completed_at is not None, len(p.stores), p.count, p.spent)
