"""The messaging policy an operator sets in the program file's `[decisioning]` section.

Loaded by `policy_file.load_messaging_policy`; every value here is read by one rule module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from domain.messaging.message_channel import MessageChannel

if TYPE_CHECKING:
    from domain.messaging.journeys import Journey


class WhenOutranked(Enum):
    """What happens to a journey's message when a higher-priority one wants the member too."""

    MERGE = "MERGE"  # folded into the winner's message as extra content
    DROP = "DROP"  # not sent; recorded as suppressed (outranked)


class WhenCapped(Enum):
    """What happens when a frequency cap leaves no channel free."""

    DEFER = "DEFER"  # sent when the oldest counted send leaves the window
    SUPPRESS = "SUPPRESS"  # not sent at all


@dataclass(frozen=True, slots=True)
class JourneyPolicy:
    journey: Journey
    priority: int  # higher wins arbitration; unique per program
    channels: tuple[MessageChannel, ...]  # allowed, in the program's fallback order
    when_outranked: WhenOutranked
    when_capped: WhenCapped
    # Marketing needs an explicit opt-in on the channel; a service message (receipt,
    # reminder of something the member owns) only needs no opt-out.
    marketing: bool
    lead_days: int | None  # reminders: how long before the deadline they are due
    max_delay_hours: int | None  # a deferral past this (after due) makes the message pointless


MAX_CAP = 256  # sends a member's profile remembers; no cap may count more


@dataclass(frozen=True, slots=True)
class CapLimit:
    """At most this many sends in any rolling 24 hours / 7 days. None: no limit."""

    per_day: int | None = None
    per_week: int | None = None


@dataclass(frozen=True, slots=True)
class FrequencyCaps:
    across_channels: CapLimit
    per_channel: tuple[tuple[MessageChannel, CapLimit], ...]

    def for_channel(self, channel: MessageChannel) -> CapLimit:
        return next((limit for ch, limit in self.per_channel if ch is channel), CapLimit())


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local wall-clock times in the member's zone; start > end means the night crosses
    midnight (21:00-08:00). start == end means no quiet hours."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class BetaPrior:
    """What a member with no history is assumed to do on a channel: Beta(alpha, beta), i.e.
    alpha engaged messages out of alpha + beta, worth that many messages of evidence."""

    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True, slots=True)
class ChurnSettings:
    threshold: float  # score at or above which the member is at risk (win-back, module flag)
    recency_horizon_days: int  # this long without an order is full recency risk
    lookback_days: int  # frequency and monetary count orders of this window
    frequency_target: int  # orders in the window that make frequency risk 0
    monetary_target: Decimal  # net spend in the window that makes monetary risk 0
    recency_weight: float
    frequency_weight: float
    monetary_weight: float


@dataclass(frozen=True, slots=True)
class MessagingPolicy:
    journeys: tuple[JourneyPolicy, ...]  # a journey not listed is off
    caps: FrequencyCaps
    quiet_hours: QuietHours
    default_time_zone: str  # for members whose own zone is unknown
    arbitration_window_minutes: int  # intents due this close together compete
    unreachable_after_failures: int  # bounces/provider failures in a row that close a channel
    priors: tuple[tuple[MessageChannel, BetaPrior], ...]
    churn: ChurnSettings

    def journey(self, journey: Journey) -> JourneyPolicy | None:
        return next((j for j in self.journeys if j.journey is journey), None)

    def prior(self, channel: MessageChannel) -> BetaPrior:
        return next((p for ch, p in self.priors if ch is channel), UNINFORMED_PRIOR)


# Beta(1, 1): every engagement rate equally likely; used for a channel the file gives no prior.
UNINFORMED_PRIOR = BetaPrior(1.0, 1.0)
