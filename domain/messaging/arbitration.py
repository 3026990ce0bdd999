"""Arbitration: when several journeys want the same member at once, one message goes out.

The journey with the highest priority wins; each loser is merged into the winner's message
(its content rides along, one message instead of two) or dropped, as its own journey's
`when_outranked` says. This is what keeps a purchase that also upgrades the tier from
arriving as a receipt, a celebration and a win-back at the same minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.messaging.journeys import Intent
from domain.messaging.policy import MessagingPolicy, WhenOutranked


@dataclass(frozen=True, slots=True)
class Arbitration:
    winner: Intent
    merged: tuple[Intent, ...]  # carried by the winner's message, highest priority first
    dropped: tuple[Intent, ...]  # not sent: outranked


def competing(intents: Sequence[Intent], policy: MessagingPolicy, now: datetime) -> list[Intent]:
    """The intents that compete now: due within the arbitration window. Those due later
    compete when their time comes. Intents with the same key are one message."""
    horizon = now + timedelta(minutes=policy.arbitration_window_minutes)
    by_key: dict[str, Intent] = {}
    for intent in sorted(intents, key=lambda i: i.due_at):
        if intent.due_at <= horizon:
            by_key.setdefault(intent.key, intent)
    return list(by_key.values())


def arbitrate(intents: Sequence[Intent], policy: MessagingPolicy) -> Arbitration:
    """Pick the winner among intents for one member; every journey must be on in `policy`."""
    if not intents:
        raise ValueError("arbitrate() needs at least one intent")

    def rank(intent: Intent) -> tuple[int, datetime, str]:
        journey = policy.journey(intent.journey)
        if journey is None:
            raise ValueError(f"journey {intent.journey.name} is off; suppress it before")
        # Priorities are unique per program; the due time and key only order duplicates
        # of one journey (two reminders), so the result never depends on input order.
        return (-journey.priority, intent.due_at, intent.key)

    winner, *losers = sorted(intents, key=rank)
    merged: list[Intent] = []
    dropped: list[Intent] = []
    for loser in losers:
        journey = policy.journey(loser.journey)
        assert journey is not None  # rank() checked every journey
        fate = merged if journey.when_outranked is WhenOutranked.MERGE else dropped
        fate.append(loser)
    return Arbitration(winner, tuple(merged), tuple(dropped))
