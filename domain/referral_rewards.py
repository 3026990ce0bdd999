"""The rules that reward a referral (`domain.referrals` holds what they read).

The friend's side is written with the friend: their first purchase with qualifying points
marks the link with the order and when its hold ends (`on_purchase`); `settle` gives the
friend's points once that time came (`reward_friend`, so on the next read or change, or by
the expiry sweep). The referrer is another member document: a job that follows the friend's
REFERRAL_REWARDED event credits them (`reward_referrer`) under an idempotency key made from
the friend's id, and with a ledger entry id made from it too, so the referrer is credited
once however often the job runs, on however many instances.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.activity import with_qualifying
from domain.events import Change
from domain.expiry import new_batch
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, add
from domain.member import IdempotencyRecord, Member
from domain.program import Program
from domain.referrals import ReferralLink
from domain.tiers import tier_changed_entry, upgrade


def on_purchase(
    member: Member, order_id: str, qualifying_points: int, clears_at: datetime
) -> Member:
    """The friend's first purchase with qualifying points is the one that counts."""
    link = member.referral
    if link is None or link.order_id is not None or qualifying_points <= 0:
        return member
    return replace(member, referral=replace(link, order_id=order_id, clears_at=clears_at))


def after_return(member: Member, order_id: str, whole: bool) -> Member:
    """A purchase returned whole before it cleared no longer counts: the next one will."""
    link = member.referral
    if link is None or link.order_id != order_id or link.rewarded_at is not None or not whole:
        return member
    return replace(member, referral=replace(link, order_id=None, clears_at=None))


def reward_due_at(link: ReferralLink | None) -> datetime | None:
    """When the friend's reward is due (for `next_due`): None once given, or before a
    purchase counts."""
    return None if link is None or link.rewarded_at is not None else link.clears_at


def reward_friend(
    member: Member, program: Program, now: datetime, new_id: NewId
) -> tuple[Member, tuple[LedgerEntry, ...]]:
    """The friend's reward, once their purchase cleared (part of `settle`)."""
    link = member.referral
    due = reward_due_at(link)
    if link is None or due is None or due > now:
        return member, ()
    rewarded = replace(member, referral=replace(link, rewarded_at=now))
    if program.referrals is None:  # referrals switched off since: nothing to give
        return rewarded, ()
    why = f"referred by {link.referrer_id}: first purchase {link.order_id} cleared"
    entry = _entry(new_id("ent"), member.id, program.referrals.friend_points, now, why)
    return _credited(rewarded, entry, program, now, new_id)


def referrer_entry_id(link: ReferralLink) -> str:
    """The referrer's reward entry: one id per friend, so the ledger shows whether it was
    given whatever the referrer's recent requests still remember."""
    return f"ent_referral_{link.friend_id}"


def referrer_request(link: ReferralLink) -> str:
    """The idempotency key of the referrer's reward: one per friend."""
    return f"referral:{link.friend_id}"


def reward_referrer(
    member: Member, link: ReferralLink, program: Program, now: datetime, new_id: NewId
) -> Change | None:
    """The referrer's reward for `link` (None: referrals are off)."""
    if program.referrals is None:
        return None
    why = f"referred {link.friend_id}: their first purchase {link.order_id} cleared"
    entry = _entry(referrer_entry_id(link), member.id, program.referrals.referrer_points, now, why)
    after, entries = _credited(member, entry, program, now, new_id)
    key = referrer_request(link)
    after = remember(after, IdempotencyRecord(key, key, entry.id, now))
    previous = member.tier.code if after.tier.code != member.tier.code else None
    return Change(after, entries, EntryKind.REFERRAL_REWARDED, None, None, entry.id, previous)


def _entry(entry_id: str, member_id: str, points: int, now: datetime, why: str) -> LedgerEntry:
    return LedgerEntry(entry_id, member_id, EntryKind.REFERRAL_REWARDED, points, now, reason=why)


def _credited(
    member: Member, entry: LedgerEntry, program: Program, now: datetime, new_id: NewId
) -> tuple[Member, tuple[LedgerEntry, ...]]:
    """Spendable at once (the hold is what was waited for), towards the tier if the
    program says so."""
    assert program.referrals is not None
    after = replace(member, batches=add(member.batches, new_batch(entry.points, program, now)))
    if not program.referrals.qualifying or entry.points == 0:
        return after, (entry,)
    activity = with_qualifying(member.activity, now, entry.points)
    after = replace(after, activity=activity, tier=upgrade(member.tier, activity, program, now))
    if after.tier.code == member.tier.code:
        return after, (entry,)
    changed = tier_changed_entry(
        member.id, member.tier.code, after.tier.code, "qualifying points reached", now, new_id
    )
    return after, (entry, changed)
