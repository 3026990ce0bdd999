"""Win-back: the churn score reached the threshold (scored on every member event, and daily
over every member for those who went quiet). Says "we miss you" and the points still
waiting; cancelled once the member orders again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.activity import last_order_at
from domain.member import Member
from domain.messaging.churn import churn_risk
from domain.messaging.journeys.kind import EVERY_MEMBER, ChangeSeen, JourneyKind, Reason
from domain.messaging.policy import JourneyPolicy, MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class AtRisk(Reason):
    """The churn score crossed the threshold for a member inactive since this time (their
    last order, or enrolment). One win-back per inactive spell: the key is stable until the
    member orders again, however often the score is recomputed."""

    inactive_since: datetime


class WinBack(JourneyKind[AtRisk]):
    reason = AtRisk
    sweep = EVERY_MEMBER

    def on_change(
        self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime
    ) -> tuple[AtRisk, ...]:
        return at_risk(seen.member, policy, now)

    def on_sweep(
        self,
        member: Member,
        policy: MessagingPolicy,
        journey: JourneyPolicy,
        now: datetime,
        program: Program,
    ) -> tuple[tuple[AtRisk, datetime], ...]:
        return tuple((reason, now) for reason in at_risk(member, policy, now))

    def why_not(
        self, reason: AtRisk, member: Member, now: datetime, program: Program
    ) -> str | None:
        last = last_order_at(member.activity, now)
        if last is not None and last > reason.inactive_since:
            return "member has ordered since"
        return None

    def values(self, reason: AtRisk, member: Member, program: Program) -> dict[str, Any]:
        return {"inactive_since": reason.inactive_since}


def at_risk(member: Member, policy: MessagingPolicy, now: datetime) -> tuple[AtRisk, ...]:
    """The win-back for this inactive spell, keyed by when it began (the last order, or
    enrolment), so re-scoring every day finds the same message rather than making another."""
    if member.merged_into is not None or not churn_risk(member, policy.churn, now).at_risk:
        return ()
    return (AtRisk(last_order_at(member.activity, now) or member.enrolled_at),)


JOURNEY = WinBack()
