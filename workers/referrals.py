"""The referrer's reward as a job: every REFERRAL_REWARDED event (`domain.reactions`)
queues `reward_referrer` for the member it is about; the job is idempotent
(`domain.handlers.reward_referrer`), so a replayed event or a second instance is harmless."""

from __future__ import annotations

from domain.events import MemberChanged
from domain.handlers import reward_referrer
from workers.context import Messaging
from workers.queue import JobQueue

REWARD_REFERRER = "reward_referrer"


class ReferralTrigger:
    """An `EventPublisher` that queues one job per member version."""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    async def publish(self, event: MemberChanged) -> None:
        await self._queue.enqueue(
            REWARD_REFERRER,
            job_id=f"referral:{event.member_id}:{event.version}",
            member_id=event.member_id,
        )


async def reward_referrer_job(messaging: Messaging, *, member_id: str) -> None:
    await reward_referrer.handle(member_id, messaging.ports)
