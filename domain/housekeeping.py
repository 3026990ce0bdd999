"""Changes that time makes: points and vouchers expire, tiers requalify, old records go."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.activity import kept_since
from domain.events import Change
from domain.idempotency import forget_expired
from domain.ledger import EntryKind, LedgerEntry, NewId, split_expired
from domain.member import Member, RewardStatus
from domain.pending import release_due, released_entry
from domain.program import Program
from domain.referral_rewards import reward_due_at, reward_friend
from domain.tiers import requalify, tier_changed_entry

USED_REWARDS_KEPT = timedelta(days=90)


def due(member: Member, now: datetime) -> bool:
    """True when time alone has changed what the member would see."""
    at = next_due(member)
    return at is not None and at <= now


def next_due(member: Member) -> datetime | None:
    """The first moment time alone changes what the member would see: a batch or an active
    voucher expires, held points are released, or the tier is due for requalification.
    Stored with the member, so the scheduled jobs find who is due with one indexed
    comparison (the expiry sweep releases held points too)."""
    return min(
        (
            *(b.expires_at for b in member.batches if b.expires_at is not None),
            *(r.expires_at for r in member.rewards if r.status is RewardStatus.ACTIVE),
            *((member.tier.requalify_by,) if member.tier.requalify_by is not None else ()),
            *(p.releases_at for p in member.pending),
            *((due,) if (due := reward_due_at(member.referral)) is not None else ()),
        ),
        default=None,
    )


def next_visit(member: Member) -> datetime | None:
    """When the expiry sweep should next visit the member (stored as `next_due_at`): when
    time alone changes what they would see (`next_due`), or at once while a completed
    challenge still owes its voucher. The purchase that completes a round issues it right
    after its own write; a crash in between leaves it owed, and the sweep issues it then
    rather than at the member's next purchase (`domain.challenge_vouchers`)."""
    owed = (p.completed_at for p in member.challenges if p.voucher_due and p.completed_at)
    return min((*owed, *((at,) if (at := next_due(member)) is not None else ())), default=None)


def next_expiry(member: Member) -> datetime | None:
    """The first moment the member loses something: points or an active voucher expire
    (what the expiry reminders are about)."""
    return min(
        (
            *(b.expires_at for b in member.batches if b.points > 0 and b.expires_at is not None),
            *(r.expires_at for r in member.rewards if r.status is RewardStatus.ACTIVE),
        ),
        default=None,
    )


def settle(member: Member, program: Program, now: datetime, new_id: NewId) -> Change:
    """Apply what is due at `now`. Commands start from here, so rules see the present."""
    entries: list[LedgerEntry] = []
    # Released first: a hold that ended before its batch's expiry is spendable until then.
    pending, batches, released = release_due(member.pending, member.batches, program, now)
    batches, expired = split_expired(batches, now)
    if expired:
        entries.append(
            LedgerEntry(
                new_id("ent"),
                member.id,
                EntryKind.EXPIRED,
                -expired,
                now,
                reason=f"{expired} points reached their expiry date",
            )
        )
    if released:
        entries.append(released_entry(member.id, released, now, new_id))
    vouchers_expired = any(
        r.status is RewardStatus.ACTIVE and r.expires_at <= now for r in member.rewards
    )
    rewards = tuple(
        replace(r, status=RewardStatus.EXPIRED)
        if r.status is RewardStatus.ACTIVE and r.expires_at <= now
        else r
        for r in member.rewards
        if r.status is RewardStatus.ACTIVE or (r.used_at or r.expires_at) > now - USED_REWARDS_KEPT
    )
    tier = requalify(member.tier, member.activity, program, now)
    previous_tier = None
    if tier.code != member.tier.code:
        previous_tier = member.tier.code
        entries.append(
            tier_changed_entry(
                member.id, member.tier.code, tier.code, "at requalification", now, new_id
            )
        )
    settled = forget_expired(
        replace(
            member,
            batches=batches,
            pending=pending,
            rewards=rewards,
            tier=tier,
            activity=kept_since(member.activity, now - _activity_kept(program)),
            # Kept while its order can still be returned (`domain.returns`: up to and at the
            # window's last instant), else a second return at that instant would find none.
            returns=tuple(
                r
                for r in member.returns
                if r.earned_at >= now - timedelta(days=program.return_window_days)
            ),
        ),
        now,
        timedelta(hours=program.idempotency_retention_hours),
    )
    settled, rewarded = reward_friend(settled, program, now, new_id)
    entries += rewarded
    previous_tier = previous_tier or _tier_moved(member, settled)
    cause = (
        EntryKind.REFERRAL_REWARDED  # first: the referrer's reward follows this event
        if rewarded
        else EntryKind.EXPIRED
        if expired or vouchers_expired
        else EntryKind.POINTS_RELEASED
        if released and previous_tier is None
        else EntryKind.TIER_CHANGED
    )
    return Change(
        settled,
        tuple(entries),
        cause,
        entry_id=entries[0].id if entries else None,
        previous_tier=previous_tier,
    )


def _activity_kept(program: Program) -> timedelta:
    # A day is kept while it can still count towards the tier. Each requalification date
    # looks back one qualifying window, and every date up to now was applied by the last
    # settle, so the dates still to come look back no further than a window before now.
    # (Churn's lookback reads the same days: longer than this window, it sees only these.)
    return timedelta(days=31 * program.qualifying_window_months)


def _tier_moved(before: Member, after: Member) -> str | None:
    return before.tier.code if after.tier.code != before.tier.code else None
