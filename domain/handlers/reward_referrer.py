"""The referrer's side of a referral reward, after the friend's REFERRAL_REWARDED event.

Run at least once per such event (a job), perhaps on two instances at once: the reward's
idempotency key (one per friend) makes every run after the first a replay, checked on each
compare-and-swap attempt, and its ledger entry id (one per friend) answers for a run so late
that the key is no longer kept.
"""

from __future__ import annotations

from domain.errors import MemberNotFound
from domain.events import Change
from domain.handlers.members import Keyed, change_member, finish_merges
from domain.member import Member
from domain.ports import Ports
from domain.referral_rewards import referrer_entry_id, referrer_request, reward_referrer


async def handle(friend_id: str, ports: Ports) -> Member | None:
    """The referrer as rewarded (None: nothing to do: no reward due, or given already)."""
    try:
        friend = await finish_merges(ports, friend_id)
    except MemberNotFound:
        return None
    link = friend.referral
    if link is None or link.rewarded_at is None or ports.program.referrals is None:
        return None
    entry_id = referrer_entry_id(link)
    if await ports.ledger.entry(entry_id) is not None:
        return None
    try:
        referrer = await finish_merges(ports, link.referrer_id)
    except MemberNotFound:
        return None

    def rule(current: Member) -> Change | None:
        return reward_referrer(current, link, ports.program, ports.clock.now(), ports.new_id)

    key = referrer_request(link)
    written = await change_member(ports, referrer, rule, Keyed(key, key))
    return written.member if written.change is not None else None
