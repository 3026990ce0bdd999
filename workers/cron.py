"""The scheduled jobs: dispatch what is due, expire points and vouchers, requalify tiers,
send expiry reminders and rescore churn. Each is idempotent and works in batches, so a run
cut short is finished by the next one.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from domain.commands import MemberRef
from domain.errors import MemberNotFound
from domain.handlers.members import current
from domain.messaging.churn import churn_risk
from domain.messaging.journeys import Journey
from domain.messaging.reminders import reminders_due
from domain.messaging.triggers import win_back_intent
from workers.context import Messaging
from workers.dispatch import schedule_dispatch
from workers.journeys import record_intents

BATCH = 500
MAX_BATCHES = 100  # per run; the next run goes on where this one stopped


async def dispatch_due(m: Messaging) -> int:
    """Wake the dispatcher for every member with a message due, or one whose sender died.
    Deferred messages are also woken by a job scheduled at their time; this catches any
    wake-up that was lost (a Redis restart, a job dropped as a duplicate while running)."""
    now = m.clock.now()
    due = await m.messages.due(now, BATCH)
    stalled = await m.messages.stalled(now - m.send_lease, BATCH)
    members = sorted({x.member_id for x in (*due, *stalled)})
    for member_id in members:
        await schedule_dispatch(m, member_id)
    return len(members)


async def expire_due(m: Messaging) -> int:
    """Settle members whose points or vouchers expired or whose tier is due for
    requalification: the write publishes an EXPIRED (or TIER_CHANGED) update to every
    surface, instead of waiting for the member's next visit."""
    settled: set[str] = set()
    for _ in range(MAX_BATCHES):
        ids = await m.members.housekeeping_due(m.clock.now(), BATCH)
        fresh = [i for i in ids if i not in settled]
        for member_id in fresh:
            with contextlib.suppress(MemberNotFound):  # merged away since the query
                await current(m.ports, MemberRef(id=member_id))
            settled.add(member_id)
        if len(ids) < BATCH or not fresh:  # done, or only members that would not settle
            break
    return len(settled)


async def remind_due(m: Messaging) -> int:
    """Record the expiry reminders now due (a voucher or points `lead_days` before expiry)."""
    leads = [
        j.lead_days
        for j in (
            m.policy.journey(Journey.REWARD_EXPIRY_REMINDER),
            m.policy.journey(Journey.POINTS_EXPIRY_REMINDER),
        )
        if j is not None and j.lead_days is not None
    ]
    if not leads:
        return 0
    now = m.clock.now()
    created = 0
    ids = await m.members.expiring_before(now + timedelta(days=max(leads)), 100 * BATCH)
    for member_id in ids:
        try:
            member = await current(m.ports, MemberRef(id=member_id))
        except MemberNotFound:
            continue
        new = await record_intents(m, list(reminders_due(member, m.policy, now)))
        if new:
            await schedule_dispatch(m, member.id)
        created += new
    return created


async def score_churn(m: Messaging) -> int:
    """Rescore every live member; raise a win-back for each newly at risk."""
    raised, after = 0, None
    while ids := await m.members.live_after(after, BATCH):
        for member_id in ids:
            member = await m.ports.members.get(member_id)
            if member is None or member.merged_into is not None:
                continue
            now = m.clock.now()
            intent = win_back_intent(member, churn_risk(member, m.policy.churn, now), m.policy, now)
            if intent is not None and await record_intents(m, [intent]):
                await schedule_dispatch(m, member.id)
                raised += 1
        after = ids[-1]
    return raised
