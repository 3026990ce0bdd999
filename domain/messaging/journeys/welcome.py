"""Welcome: a member joined. Says the programme, the tier, the balance, the next reward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.ledger import EntryKind
from domain.messaging.journeys.kind import ChangeSeen, JourneyKind, Reason
from domain.messaging.policy import MessagingPolicy


@dataclass(frozen=True, slots=True)
class Enrolled(Reason):
    """The member joined."""


class Welcome(JourneyKind[Enrolled]):
    reason = Enrolled

    def on_change(
        self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime
    ) -> tuple[Enrolled, ...]:
        return (Enrolled(),) if seen.cause is EntryKind.ENROLLED else ()


JOURNEY = Welcome()
