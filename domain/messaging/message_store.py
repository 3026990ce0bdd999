"""What the dispatch workers and the staff view need from message storage; storage/ provides
it (`storage.messages.MongoMessageStore`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.messaging.channels import DeliveryOutcome
from domain.messaging.message import Message


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: tuple[tuple[str, Message], ...]  # (cursor, message), newest first
    has_next_page: bool


class MessageStore(Protocol):
    async def create_if_absent(self, message: Message) -> tuple[Message, bool]:
        """Store `message` unless its id exists; either way return the stored one, and
        whether this call created it (a re-run job gets the first run's message)."""
        ...

    async def get(self, message_id: str) -> Message | None: ...

    async def save(self, message: Message, previous: Message) -> bool:
        """Write `message` if the stored one is still `previous` (same status, attempts and
        update time): compare-and-set, False for the writer that lost a race."""
        ...

    async def claim_for_sending(self, sending: Message, previous: Message) -> bool: ...

    async def record_delivery(
        self, message_id: str, before: DeliveryOutcome | None, after: DeliveryOutcome
    ) -> bool: ...

    async def open_for(self, member_id: str, now: datetime, waiting: int) -> tuple[Message, ...]:
        """SENDING, every PENDING due by `now`, and the first `waiting` not yet due."""
        ...

    async def stalled(self, started_before: datetime, limit: int) -> tuple[Message, ...]: ...

    async def due(self, now: datetime, limit: int) -> tuple[Message, ...]: ...

    async def for_member(self, member_id: str, first: int, after: str | None) -> MessagePage: ...
