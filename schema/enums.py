"""Domain enums exposed as GraphQL enums under their domain names (one source of values)."""

from __future__ import annotations

import strawberry

from domain.channel import Channel
from domain.countdowns import CountdownKind
from domain.errors import ErrorCode
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.member import RewardStatus
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.consent import Consent
from domain.messaging.decide import DeferReason, SuppressReason
from domain.messaging.journeys import Journey, MessageChannel
from domain.messaging.message import AttemptOutcome, MessageStatus
from domain.messaging.onboarding import OnboardingStep

for enum_type in (
    Channel,
    CountdownKind,
    DeferReason,
    ErrorCode,
    IdentifierKind,
    EntryKind,
    RewardStatus,
    AttemptOutcome,
    Consent,
    DeliveryOutcome,
    Journey,
    MessageChannel,
    MessageStatus,
    OnboardingStep,
    SuppressReason,
):
    strawberry.enum(enum_type)

__all__ = [
    "AttemptOutcome",
    "Channel",
    "Consent",
    "CountdownKind",
    "DeferReason",
    "DeliveryOutcome",
    "EntryKind",
    "ErrorCode",
    "IdentifierKind",
    "Journey",
    "MessageChannel",
    "MessageStatus",
    "OnboardingStep",
    "RewardStatus",
    "SuppressReason",
]
