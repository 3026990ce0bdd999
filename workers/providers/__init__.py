"""Channel providers: where a decided message leaves Tessera (SMTP, signed webhooks, outbox).

Every provider answers `send(OutgoingMessage) -> Delivery` and never raises for a provider
failure, so the dispatcher can decide between retry (transient) and fallback (permanent).
"""

from workers.providers.base import Delivery, OutgoingMessage, Provider

__all__ = ["Delivery", "OutgoingMessage", "Provider"]
