"""Which journeys start: the intents a committed member event raises, and those a cron sweep
finds in a member. Pure: the worker passes the member, the event and the clock. Each journey
module says what starts it; a journey switched off in the program file raises nothing, so
no message is even recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.member import Member
from domain.messaging.journeys import ChangeSeen, Intent, Journey
from domain.messaging.journeys.kind import EXPIRING_SOON
from domain.messaging.policy import MessagingPolicy
from domain.program import Program


def intents_on_change(
    seen: ChangeSeen, policy: MessagingPolicy, now: datetime
) -> tuple[Intent, ...]:
    """The intents of every journey that is on, due now, for one committed change. The
    event's tiers are as of its version: the member may have moved on since, and
    `reasons.why_not` suppresses what no longer holds at send time."""
    return tuple(
        Intent(seen.member.id, reason, now)
        for journey in Journey
        if policy.journey(journey) is not None
        for reason in journey.kind.on_change(seen, policy, now)
    )


def intents_on_sweep(
    sweep: str, member: Member, policy: MessagingPolicy, now: datetime, program: Program
) -> tuple[Intent, ...]:
    """What the journeys fed by this cron sweep find in the member, each due when it says."""
    found: list[Intent] = []
    for journey in Journey:
        settings = policy.journey(journey)
        if settings is None or journey.kind.sweep != sweep:
            continue
        found += [
            Intent(member.id, reason, due)
            for reason, due in journey.kind.on_sweep(member, policy, settings, now, program)
        ]
    return tuple(found)


def longest_lead(policy: MessagingPolicy) -> timedelta | None:
    """The longest `lead_days` of the expiry reminders that are on: members with nothing
    expiring sooner than that need not be read. None when no reminder is on. (A reminder of
    another sweep, the tier-downgrade warning, does not widen this one.)"""
    leads = [
        settings.lead_days
        for journey in Journey
        if journey.kind.reminds
        and journey.kind.sweep == EXPIRING_SOON
        and (settings := policy.journey(journey)) is not None
        and settings.lead_days is not None
    ]
    return timedelta(days=max(leads)) if leads else None
