"""The one interface every channel provider implements, and the values it exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.messaging.journeys import MessageChannel


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A rendered message, ready for one channel.

    `message_id` is the message's stable id: a retry after a crash sends the same id, so the
    receiver (SMTP Message-ID, webhook Idempotency-Key, outbox key) can drop the repeat.
    """

    message_id: str
    channel: MessageChannel
    to: str  # email address, phone number, device token or wallet pass id
    subject: str | None
    body: str
    member_id: str
    member_version: int  # the member version the numbers were rendered at

    def content(self) -> dict[str, object]:
        """What is delivered, as stored or posted (the id travels beside it)."""
        return {
            "channel": self.channel.value,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
            "member_id": self.member_id,
            "member_version": self.member_version,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the provider said. `permanent` separates a bounce or invalid address (fall back to
    the next channel, do not retry) from a transient failure (retry later)."""

    accepted: bool
    provider_ref: str | None
    permanent: bool
    detail: str

    @classmethod
    def sent(cls, provider_ref: str | None, detail: str = "accepted") -> Delivery:
        return cls(accepted=True, provider_ref=provider_ref, permanent=False, detail=detail)

    @classmethod
    def transient(cls, detail: str) -> Delivery:
        return cls(accepted=False, provider_ref=None, permanent=False, detail=detail)

    @classmethod
    def rejected(cls, detail: str) -> Delivery:
        """A permanent failure: sending the same message again would fail the same way."""
        return cls(accepted=False, provider_ref=None, permanent=True, detail=detail)


class Provider(Protocol):
    async def send(self, message: OutgoingMessage) -> Delivery:
        """Hand the message over. Provider and network failures come back as a `Delivery`
        with `accepted=False`; only bugs raise."""
        ...
