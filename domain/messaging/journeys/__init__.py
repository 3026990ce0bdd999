"""What a message is for: the journeys, one module each, in one table, and the intents.

A journey module declares its reason, what starts it (a committed change, or a cron sweep),
the check that its reason still holds, its deadline and its template values
(`kind.JourneyKind`). Adding a journey: its module here, its line in `Journey`, its template
(`workers/templates/<name>.txt.j2`) and its section in the program file's `[decisioning]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from domain.messaging.journeys import (
    points_expiry_reminder,
    purchase_receipt,
    reward_expiry_reminder,
    tier_downgrade_warning,
    tier_upgrade,
    welcome,
    win_back,
)
from domain.messaging.journeys.kind import ChangeSeen, JourneyKind, Reason
from domain.messaging.journeys.points_expiry_reminder import PointsExpiring
from domain.messaging.journeys.purchase_receipt import Purchased
from domain.messaging.journeys.reward_expiry_reminder import VoucherExpiring
from domain.messaging.journeys.tier_downgrade_warning import TierAtRisk
from domain.messaging.journeys.tier_upgrade import TierReached
from domain.messaging.journeys.welcome import Enrolled
from domain.messaging.journeys.win_back import AtRisk
from domain.messaging.message_channel import MessageChannel


class Journey(Enum):
    """The table of journeys: each name, and the module that says what it does."""

    WELCOME = welcome.JOURNEY
    PURCHASE_RECEIPT = purchase_receipt.JOURNEY
    TIER_UPGRADE = tier_upgrade.JOURNEY
    REWARD_EXPIRY_REMINDER = reward_expiry_reminder.JOURNEY
    POINTS_EXPIRY_REMINDER = points_expiry_reminder.JOURNEY
    WIN_BACK = win_back.JOURNEY
    TIER_WILL_DOWNGRADE = tier_downgrade_warning.JOURNEY

    @property
    def kind(self) -> JourneyKind[Any]:
        kind: JourneyKind[Any] = self.value
        return kind

    @classmethod
    def of(cls, reason: Reason) -> Journey:
        return _BY_REASON[type(reason)]

    @classmethod
    def reason_from_doc(cls, doc: dict[str, Any]) -> Reason:
        found = _BY_TAG.get(str(doc.get("kind")))
        if found is None:
            raise ValueError(f"unknown message reason {doc.get('kind')!r}")
        reason: Reason = found.kind.reason.from_doc(doc)
        return reason


_BY_REASON: dict[type[Reason], Journey] = {j.kind.reason: j for j in Journey}
_BY_TAG: dict[str, Journey] = {j.kind.reason.tag(): j for j in Journey}


@dataclass(frozen=True, slots=True)
class Intent:
    """A journey wanting to tell one member one thing, from `due_at` on."""

    member_id: str
    reason: Reason
    due_at: datetime

    @property
    def journey(self) -> Journey:
        return Journey.of(self.reason)

    @property
    def key(self) -> str:
        """Stable across retries: one message per key, so a re-run job finds its message."""
        return f"{self.member_id}:{self.journey.name}:{self.reason.subject()}"


# The reasons, by the journey package's name: what tests and staff tools build intents from.
__all__ = [
    "AtRisk",
    "ChangeSeen",
    "Enrolled",
    "Intent",
    "Journey",
    "JourneyKind",
    "MessageChannel",
    "PointsExpiring",
    "Purchased",
    "Reason",
    "TierAtRisk",
    "TierReached",
    "VoucherExpiring",
]
