"""Journey triggers: every committed member event becomes a `start_journeys` job.

The outbox relay hands each event to `JourneyTrigger` as well as to the realtime bus. The
relay only clears an event from the member's outbox once every publisher took it, so a
trigger is never lost (a crash replays it; the job id and the message ids make the replay
harmless). The job reads the member, resets the bounce count of a channel given a new
address (a new email after bounces is worth trying), raises the journeys' intents (welcome,
receipt, tier upgrade), rescores churn (win-back), records one message per intent, and wakes the
dispatcher, which also re-checks messages already waiting (a voucher just used cancels its
reminder at once).
"""

from __future__ import annotations

from domain.events import MemberChanged
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.messaging.addresses import channels_reaching
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
            job_id=f"journeys:{event.member_id}:{event.version}",
            member_id=event.member_id,
            cause=event.cause.value,
            tier=event.tier,
            previous_tier=event.previous_tier,
            order_id=event.order_id,
            linked=tuple(kind.value for kind in event.linked),
        )


async def start_journeys(
    messaging: Messaging,
    *,
    member_id: str,
    cause: str,
    tier: str,
    previous_tier: str | None = None,
    order_id: str | None = None,
    linked: tuple[str, ...] = (),
) -> None:
    """The job: ids and codes from the event, never the member's data (read fresh here).
    `linked`: the kinds of identifier the change added."""
    member = await messaging.ports.members.get(member_id)
    if member is None or member.merged_into is not None:
        return  # a merged-away duplicate: the survivor's own events drive its journeys
    new_kinds = tuple(IdentifierKind(kind) for kind in linked)
    for channel in channels_reaching(new_kinds):
        await messaging.profiles.record_new_address(member.id, channel)
    kind = EntryKind(cause)
    order = (
        await messaging.ports.recorded.order(order_id, member.all_ids)
        if kind is EntryKind.EARNED and order_id is not None
        else None
    )
    seen = ChangeSeen(member, kind, tier, previous_tier, order, messaging.ports.program)
    # Each journey that is on says what this change starts (the win-back rescoring churn
    # on every event, as well as in the daily sweep).
    now = messaging.clock.now()
    await record_intents(messaging, list(intents_on_change(seen, messaging.policy, now)))
    await schedule_dispatch(messaging, member.id)


async def record_intents(messaging: Messaging, intents: list[Intent]) -> int:
    """One message per intent key, however often this runs; returns how many are new."""
    created = 0
    for intent in intents:
        _, new = await messaging.messages.create_if_absent(
            new_message(intent, messaging.clock.now())
        )
        created += new
    return created
