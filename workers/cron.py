"""The scheduled jobs: dispatch what is due, expire points and vouchers, requalify tiers,
send expiry reminders and rescore churn. Each is idempotent. The last three are sweeps
(`workers.sweeps`): they walk members a page at a time, each run bounded, and the next run
goes on from where the last one stopped. When each job runs: `workers.jobs.CRON_JOBS`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.commands import MemberRef
from domain.errors import MemberNotFound
from domain.handlers.challenge_vouchers import issue_owed_vouchers
from domain.handlers.members import current
from domain.messaging.journeys.kind import EVERY_MEMBER, EXPIRING_SOON
from domain.messaging.triggers import intents_on_sweep, longest_lead
from domain.sweeps import Every, Position
from workers.context import Messaging
from workers.dispatch import schedule_dispatch
from workers.journeys import record_intents
from workers.sweeps import Sweep, run_sweep

BATCH = 500


async def dispatch_due(messaging: Messaging) -> int:
    """Wake the dispatcher for every member with a message due, or one whose sender died.
    Deferred messages are also woken by a job scheduled at their time; this catches any
    wake-up that was lost (a Redis restart, a job dropped as a duplicate while running)."""
    now = messaging.clock.now()
    due = await messaging.messages.due(now, BATCH)
    stalled = await messaging.messages.stalled(now - messaging.send_lease, BATCH)
    members = sorted({x.member_id for x in (*due, *stalled)})
    for member_id in members:
        await schedule_dispatch(messaging, member_id)
    return len(members)


async def _housekeeping_due(
    messaging: Messaging, now: datetime, after: Position | None, limit: int
) -> tuple[Position, ...]:
    return await messaging.members.housekeeping_due(now, after, limit)


async def _settle(messaging: Messaging, member_id: str, now: datetime) -> int:
    try:
        member = await current(messaging.ports, MemberRef(id=member_id))
    except MemberNotFound:  # merged away since the query
        return 0
    await issue_owed_vouchers(messaging.ports, member)  # a challenge's, if a crash left one
    return 1


# Settle members whose points or vouchers expired or whose tier is due for requalification,
# and issue a challenge voucher still owed: the write publishes an EXPIRED (or TIER_CHANGED,
# or CHALLENGE_COMPLETED) update to every surface, instead of waiting for the member's next
# visit. A settled member leaves the query (its next due date
# moves on), so each run begins a pass over who is due now, once the last pass ended; the
# position only keeps a run cut short, or a member that would not settle, from being read
# again before the others.
EXPIRY = Sweep("expire_due", _housekeeping_due, _settle, new_pass=None)


async def expire_due(messaging: Messaging) -> int:
    """Members settled in this run."""
    return await run_sweep(messaging, EXPIRY)


async def _expiring_soon(
    messaging: Messaging, now: datetime, after: Position | None, limit: int
) -> tuple[Position, ...]:
    lead = longest_lead(messaging.policy)
    return () if lead is None else await messaging.members.expiring_before(now + lead, after, limit)


async def _remind(messaging: Messaging, member_id: str, now: datetime) -> int:
    try:
        member = await current(messaging.ports, MemberRef(id=member_id))
    except MemberNotFound:
        return 0
    new = await record_intents(
        messaging,
        list(
            intents_on_sweep(EXPIRING_SOON, member, messaging.policy, now, messaging.ports.program)
        ),
    )
    if new:
        await schedule_dispatch(messaging, member.id)
    return new


# Record the expiry reminders now due (a voucher or points `lead_days` before expiry), for
# members with something expiring within the longest lead, soonest first; a pass each hour.
REMINDERS = Sweep(
    "remind_due",
    _expiring_soon,
    _remind,
    new_pass=Every(timedelta(hours=1), offset=timedelta(minutes=5)),
)


async def remind_due(messaging: Messaging) -> int:
    """Reminders recorded in this run."""
    if longest_lead(messaging.policy) is None:
        return 0
    return await run_sweep(messaging, REMINDERS)


async def _live(
    messaging: Messaging, now: datetime, after: Position | None, limit: int
) -> tuple[Position, ...]:
    return await messaging.members.live_after(after, limit)


async def _rescore(messaging: Messaging, member_id: str, now: datetime) -> int:
    member = await messaging.ports.members.get(member_id)
    if member is None or member.merged_into is not None:
        return 0
    program = messaging.ports.program
    intents = intents_on_sweep(EVERY_MEMBER, member, messaging.policy, now, program)
    if await record_intents(messaging, list(intents)):
        await schedule_dispatch(messaging, member.id)
        return 1
    return 0


# Rescore every live member; raise a win-back for each newly at risk. A member's events
# rescore it too (`workers.journeys`), so this pass is for the ones who went quiet: once a
# day, from 03:30 UTC, in id order (the first pass too: not at a worker's first start).
CHURN = Sweep(
    "score_churn",
    _live,
    _rescore,
    new_pass=Every(timedelta(days=1), offset=timedelta(hours=3, minutes=30)),
)


async def score_churn(messaging: Messaging) -> int:
    """Win-backs raised in this run."""
    return await run_sweep(messaging, CHURN)


async def forget_requests(messaging: Messaging) -> int:
    """Drop the requests members spilled that are past the retention: a replay of them is a
    new request anyway. One indexed delete of what expired since the last run."""
    program = messaging.ports.program
    before = messaging.clock.now() - timedelta(hours=program.idempotency_retention_hours)
    return await messaging.ports.recorded.forget_requests(before)
