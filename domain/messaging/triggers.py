"""Which journeys a change starts: the intents raised by one committed member event, and by
the churn score. Pure: the worker passes the event, the member as committed and the clock.

- ENROLLED starts the welcome;
- an EARNED purchase starts its receipt (the order id comes from the event's ledger entry);
- a tier change to a higher tier starts the celebration (a downgrade or a mere extension
  does not);
- a churn score at or above the threshold starts one win-back per inactive spell.
A journey switched off in the program file raises nothing, so no message is even recorded.
"""

from __future__ import annotations

from datetime import datetime

from domain.events import CauseKind
from domain.member import Member
from domain.messaging.churn import ChurnRisk
from domain.messaging.journeys import AtRisk, Enrolled, Intent, Purchased, Reason, TierReached
from domain.messaging.policy import MessagingPolicy
from domain.program import Program


def intents_on_change(
    member: Member,
    cause: CauseKind,
    tier: str,
    previous_tier: str | None,
    order_id: str | None,
    program: Program,
    policy: MessagingPolicy,
    now: datetime,
) -> tuple[Intent, ...]:
    """`tier`/`previous_tier` are the event's (the tier as of that version): the member may
    have moved on since, and `reasons.why_not` suppresses what no longer holds at send time."""
    reasons: list[Reason] = []
    if cause is CauseKind.ENROLLED:
        reasons.append(Enrolled())
    if cause is CauseKind.EARNED and order_id is not None:
        reasons.append(Purchased(order_id))
    if previous_tier is not None and _higher(program, tier, previous_tier):
        reasons.append(TierReached(tier))
    return tuple(
        Intent(member.id, reason, now)
        for reason in reasons
        if policy.journey(Intent(member.id, reason, now).journey) is not None
    )


def _higher(program: Program, tier: str, than: str) -> bool:
    try:
        return program.tier_rank(tier) > program.tier_rank(than)
    except ValueError:  # a tier removed from the program file since: celebrate nothing
        return False


def win_back_intent(
    member: Member, risk: ChurnRisk, policy: MessagingPolicy, now: datetime
) -> Intent | None:
    """The win-back for this inactive spell, keyed by when it began (the last order, or
    enrolment), so re-scoring every day finds the same message rather than making another."""
    if not risk.at_risk or member.merged_into is not None:
        return None
    last = max((o.earned_at for o in member.orders), default=member.enrolled_at)
    intent = Intent(member.id, AtRisk(last), now)
    return intent if policy.journey(intent.journey) is not None else None
