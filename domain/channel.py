from __future__ import annotations

from enum import Enum


class Channel(Enum):
    """Where a member interaction happened, or where a message goes."""

    APP = "APP"
    WEB = "WEB"
    POS = "POS"
    CALL_CENTER = "CALL_CENTER"
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    PARTNER = "PARTNER"
