"""Where a message goes."""

from __future__ import annotations

from enum import Enum


class MessageChannel(Enum):
    """Separate from `domain.channel.Channel`, which names where an interaction happened
    (POS, web ...) and has no wallet pass."""

    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    WALLET = "WALLET"  # an update to the member's wallet pass (Apple/Google Wallet)
