"""The program as clients see it: tiers and the reward catalog with live availability."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from domain import program as domain
from domain.expiry import ExpiryKind, ExpiryPolicy
from schema.campaigns import Campaign


@strawberry.type
class Tier:
    code: str
    name: str
    threshold: int = strawberry.field(description="qualifying points needed")
    earn_multiplier: Decimal
    benefits: list[str]

    @classmethod
    def of(cls, tier: domain.Tier) -> Tier:
        return cls(
            code=tier.code,
            name=tier.name,
            threshold=tier.threshold,
            earn_multiplier=tier.earn_multiplier,
            benefits=list(tier.benefits),
        )


@strawberry.type
class Reward:
    id: strawberry.ID
    name: str
    cost: int = strawberry.field(description="points")
    min_tier: str = strawberry.field(description="the lowest tier code that may redeem it")

    @strawberry.field(description="units left in stock; null when the stock is unlimited")
    async def available(self, info: strawberry.Info[Any, Any]) -> int | None:
        loader = info.context.stock_loader
        return await loader.load(str(self.id))  # type: ignore[no-any-return]

    @classmethod
    def of(cls, reward: domain.Reward) -> Reward:
        return cls(
            id=strawberry.ID(reward.id),
            name=reward.name,
            cost=reward.cost,
            min_tier=reward.min_tier,
        )


@strawberry.type(description="An activity that is not a purchase, and what it gives.")
class Activity:
    kind: str
    points: int
    times: int = strawberry.field(description="how many times it counts a period")
    per: str = strawberry.field(description="the period: ever, day, month or year (UTC)")
    qualifying: bool = strawberry.field(description="whether its points count for the tier")

    @classmethod
    def of(cls, activity: domain.Activity) -> Activity:
        return cls(
            kind=activity.kind,
            points=activity.points,
            times=activity.times,
            per=activity.per.value,
            qualifying=activity.qualifying,
        )


@strawberry.type(description="when points expire: the program file's [expiry]")
class PointsExpiry:
    policy: str = strawberry.field(description="rolling, calendar or inactivity")
    months: int = strawberry.field(
        description="after earning (rolling, calendar) or since the last activity (inactivity)"
    )
    period: str | None = strawberry.field(
        description="calendar: on to the end of this month, quarter or year; else null"
    )
    time_zone: str = strawberry.field(description="deadlines end a day in this IANA zone")

    @classmethod
    def of(cls, policy: ExpiryPolicy, time_zone: str) -> PointsExpiry:
        calendar = policy.kind is ExpiryKind.CALENDAR
        return cls(
            policy=policy.kind.value,
            months=policy.months,
            period=policy.period.value if calendar else None,
            time_zone=time_zone,
        )


@strawberry.type
class Program:
    name: str
    currency: str
    earn_rate: Decimal = strawberry.field(description="points per currency unit, before tiers")
    point_value: Decimal = strawberry.field(description="what one point is worth, in currency")
    points_validity_months: int
    tiers: list[Tier]
    rewards: list[Reward]
    activities: list[Activity]
    campaigns: list[Campaign] = strawberry.field(description="in priority order")
    points_expiry: PointsExpiry

    @classmethod
    def of(cls, program: domain.Program) -> Program:
        return cls(
            name=program.name,
            currency=program.currency,
            earn_rate=program.earn_rate,
            point_value=program.point_value,
            points_validity_months=program.points_validity_months,
            tiers=[Tier.of(t) for t in program.tiers],
            rewards=[Reward.of(r) for r in program.rewards],
            activities=[Activity.of(a) for a in program.activities],
            campaigns=[Campaign.of(c, program.time_zone) for c in program.campaigns],
            points_expiry=PointsExpiry.of(program.expiry, program.time_zone),
        )
