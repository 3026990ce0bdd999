"""Domain enums exposed as GraphQL enums under their domain names (one source of values)."""

from __future__ import annotations

import strawberry

from domain.channel import Channel
from domain.countdowns import CountdownKind
from domain.errors import ErrorCode
from domain.events import CauseKind
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.member import RewardStatus

for enum_type in (
    Channel,
    CountdownKind,
    ErrorCode,
    CauseKind,
    IdentifierKind,
    EntryKind,
    RewardStatus,
):
    strawberry.enum(enum_type)

__all__ = [
    "CauseKind",
    "Channel",
    "CountdownKind",
    "EntryKind",
    "ErrorCode",
    "IdentifierKind",
    "RewardStatus",
]
