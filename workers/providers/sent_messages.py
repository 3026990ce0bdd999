"""The embedded default provider for every channel left unconfigured: it sends nothing and
keeps what would have been sent (`sent_messages`, one document per message id), so
`make run` and the tests see each message as a provider would have received it."""

from __future__ import annotations

from domain.clock import Clock, SystemClock
from storage.sent_messages import MongoSentMessages, SentMessagesUnavailable
from workers.providers.base import Delivery, OutgoingMessage


class SentMessagesProvider:
    def __init__(self, sent: MongoSentMessages, clock: Clock | None = None) -> None:
        self._sent = sent
        self._clock: Clock = clock or SystemClock()

    async def send(self, message: OutgoingMessage) -> Delivery:
        try:
            first = await self._sent.keep(message.message_id, message.content(), self._clock.now())
        except SentMessagesUnavailable as error:
            return Delivery.transient(f"sent messages unavailable: {error}")
        return Delivery.sent(message.message_id, detail="stored" if first else "already stored")
