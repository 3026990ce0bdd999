"""Merging duplicates without losing progress: the survivor absorbs the duplicate's state.

A merge is two single-document writes: the duplicate is first frozen (`merged_into`), then
the survivor absorbs its frozen state. Absorbing is idempotent (the survivor records the ids
it absorbed), so a crash between the writes is finished later by repeating the second one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.activities import pooled_counts
from domain.activity import pooled
from domain.campaign_counts import pooled_campaign_counts
from domain.challenges import pooled_challenges
from domain.channel import Channel
from domain.events import Change
from domain.expiry import pooled_batches
from domain.idempotency import spilled_by, with_requests_of
from domain.ledger import EntryKind, LedgerEntry, NewId, merge_batches
from domain.member import Member
from domain.partner_links import pooled_links
from domain.pending import merge_holds
from domain.program import Program
from domain.tiers import tier_changed_entry, upgrade


def freeze(duplicate: Member, survivor_id: str) -> Member:
    return replace(duplicate, merged_into=survivor_id)


def absorb(
    survivor: Member,
    duplicate: Member,
    program: Program,
    now: datetime,
    new_id: NewId,
    channel: Channel | None,
) -> Change | None:
    """The survivor with the duplicate's identifiers, points, purchases, vouchers and keys."""
    if duplicate.id in survivor.merged_ids:
        return None
    known = set(survivor.identifiers)
    higher = max(
        (survivor.tier, duplicate.tier), key=lambda t: (program.tier_rank(t.code), t.reached_at)
    )
    activity = pooled(survivor.activity, duplicate.activity)
    tier = upgrade(higher, activity, program, now)
    balance = duplicate.balance
    entry = LedgerEntry(
        new_id("ent"),
        survivor.id,
        EntryKind.MERGED,
        0,
        now,
        channel=channel,
        reason=(
            f"merged member {duplicate.id}: {balance} points"
            + (f" (+{duplicate.pending_balance} pending)" if duplicate.pending else "")
            + ", "
            f"{len(duplicate.rewards)} vouchers, {len(duplicate.identifiers)} identifiers"
        ),
    )
    gained = tuple(i for i in duplicate.identifiers if i not in known)
    after = replace(
        survivor,
        identifiers=(*survivor.identifiers, *gained),
        batches=pooled_batches(merge_batches(survivor.batches, duplicate.batches), program),
        pending=merge_holds(survivor.pending, duplicate.pending),
        # The survivor's code (the duplicate's, repointed with its keys, finds it too) and
        # referral link, else the duplicate's: a friend stays linked once.
        referral_code=survivor.referral_code or duplicate.referral_code,
        referral=survivor.referral or duplicate.referral,
        activity=activity,
        returns=(*survivor.returns, *duplicate.returns),
        activity_counts=pooled_counts(survivor.activity_counts, duplicate.activity_counts),
        rewards=(*survivor.rewards, *duplicate.rewards),
        merged_ids=(*survivor.merged_ids, duplicate.id, *duplicate.merged_ids),
        tier=tier,
        display_name=survivor.display_name or duplicate.display_name,
        birthday=survivor.birthday or duplicate.birthday,
        time_zone=survivor.time_zone or duplicate.time_zone,
        first_purchase_at=min(
            (at for at in (survivor.first_purchase_at, duplicate.first_purchase_at) if at),
            default=None,
        ),
        campaign_counts=pooled_campaign_counts(survivor.campaign_counts, duplicate.campaign_counts),
        challenges=pooled_challenges(survivor.challenges, duplicate.challenges),
        partner_links=pooled_links(survivor.partner_links, duplicate.partner_links),
    )
    previous = survivor.tier.code if tier.code != survivor.tier.code else None
    entries = (
        (entry,)
        if previous is None
        else (
            entry,
            tier_changed_entry(survivor.id, previous, tier.code, "merged", now, new_id, channel),
        )
    )
    merged = with_requests_of(after, duplicate)
    return Change(
        merged,
        entries,
        EntryKind.MERGED,
        channel,
        None,
        entry.id,
        previous_tier=previous,
        linked=tuple(dict.fromkeys(i.kind for i in gained)),
        spilled=spilled_by(duplicate.idempotency, merged),
    )
