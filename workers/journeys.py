"""Journey triggers: every committed member event becomes a `start_journeys` job.

The outbox relay hands each event to `JourneyTrigger` as well as to the realtime bus. The
relay only clears an event from the member's outbox once every publisher took it, so a
trigger is never lost (a crash replays it; the job id and the message ids make the replay
harmless). The job reads the member, raises the journeys' intents (welcome, receipt, tier
upgrade), rescores churn (win-back), records one message per intent, and wakes the
dispatcher, which also re-checks messages already waiting (a voucher just used cancels its
reminder at once).
"""

from __future__ import annotations

from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.messaging.journeys import ChangeSeen, Intent
from domain.messaging.message import new_message
from domain.messaging.triggers import intents_on_change
from workers.context import Messaging
from workers.dispatch import schedule_dispatch
from workers.queue import JobQueue

START_JOURNEYS = "start_journeys"


class JourneyTrigger:
    """An `EventPublisher` that queues one job per member version."""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    async def publish(self, event: MemberChanged) -> None:
        await self._queue.enqueue(
            START_JOURNEYS,
            event.member_id,
            str(event.version),
            event.cause.value,
            event.tier,
            event.previous_tier or "",
            event.entry_id or "",
            job_id=f"journeys:{event.member_id}:{event.version}",
        )


async def start_journeys(
    m: Messaging,
    member_id: str,
    version: str,
    cause: str,
    tier: str,
    previous_tier: str,
    entry_id: str,
) -> None:
    """The job: ids and codes from the event, never the member's data (read fresh here)."""
    member = await m.ports.members.get(member_id)
    if member is None or member.merged_into is not None:
        return  # a merged-away duplicate: the survivor's own events drive its journeys
    now = m.clock.now()
    order_id = None
    if entry_id and EntryKind(cause) is EntryKind.EARNED:
        entry = await m.ports.ledger.entry(entry_id)
        order_id = entry.order_id if entry is not None else None
    seen = ChangeSeen(
        member, EntryKind(cause), tier, previous_tier or None, order_id, m.ports.program
    )
    # Each journey that is on says what this change starts (the win-back rescoring churn
    # on every event, as well as in the daily sweep).
    await record_intents(m, list(intents_on_change(seen, m.policy, now)))
    await schedule_dispatch(m, member.id)


async def record_intents(m: Messaging, intents: list[Intent]) -> int:
    """One message per intent key, however often this runs; returns how many are new."""
    created = 0
    for intent in intents:
        _, new = await m.messages.create_if_absent(new_message(intent, m.clock.now()))
        created += new
    return created
