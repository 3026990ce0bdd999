"""One provider per channel, behind the one `Provider` interface, chosen from the settings:
SMTP for EMAIL when a host is set, signed webhooks for PUSH/SMS/WALLET when their URL is set,
and the sent-messages provider for every channel left unconfigured (the embedded default)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.messaging.journeys import MessageChannel
from workers.providers.base import Delivery, OutgoingMessage, Provider


class ChannelRouter:
    def __init__(self, by_channel: Mapping[MessageChannel, Provider], default: Provider) -> None:
        self._by_channel = dict(by_channel)
        self._default = default

    async def send(self, message: OutgoingMessage) -> Delivery:
        return await self._by_channel.get(message.channel, self._default).send(message)
