"""Churn risk from recency, frequency and monetary value (RFM), as a transparent score.

Each component is a risk in 0..1, linear and capped, from the member's purchases as summed
per day (`domain.activity`: less returns; a fully returned order does not count; the window
counts whole days):

    recency   = min(1, days since the last order / recency_horizon_days)
                (a member who never ordered is measured from enrolment)
    frequency = 1 - min(1, orders in the lookback window / frequency_target)
    monetary  = 1 - min(1, net spend in the lookback window / monetary_target)
    score     = recency_weight * recency + frequency_weight * frequency
                + monetary_weight * monetary                      (weights sum to 1)

At or above the policy's threshold the member is at risk: the win-back journey starts and the
app's "we miss you" module shows. Every setting is in `[decisioning.churn]`; each component
is returned with the score, so staff can see why a member was flagged. With no new orders
the score only rises as time passes (recency grows, old orders leave the window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.activity import last_order_at, within
from domain.member import Member
from domain.messaging.policy import ChurnSettings

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class ChurnRisk:
    score: float  # 0: as loyal as the targets ask; 1: gone
    recency: float
    frequency: float
    monetary: float
    days_since_last_order: float
    orders_counted: int
    spend_counted: Decimal
    at_risk: bool


def churn_risk(member: Member, settings: ChurnSettings, now: datetime) -> ChurnRisk:
    in_window = within(member.activity, now - timedelta(days=settings.lookback_days), now)
    orders = sum(a.orders for a in in_window)
    last = last_order_at(member.activity, now) or member.enrolled_at
    days = max(0.0, (now - last).total_seconds() / _SECONDS_PER_DAY)
    spend = sum((a.spend for a in in_window), Decimal(0))

    recency = min(1.0, days / settings.recency_horizon_days)
    frequency = 1.0 - min(1.0, orders / settings.frequency_target)
    monetary = 1.0 - min(1.0, float(spend / settings.monetary_target))
    score = (
        settings.recency_weight * recency
        + settings.frequency_weight * frequency
        + settings.monetary_weight * monetary
    )
    score = min(1.0, max(0.0, score))  # float rounding must not leave 0..1
    return ChurnRisk(
        score=score,
        recency=recency,
        frequency=frequency,
        monetary=monetary,
        days_since_last_order=days,
        orders_counted=orders,
        spend_counted=spend,
        at_risk=score >= settings.threshold,
    )
