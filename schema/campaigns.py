"""The program's campaigns as apps show them: when they run, what they ask, what they give."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.campaigns import DAYS
from domain.campaigns import Campaign as DomainCampaign
from domain.channel import Channel
from domain.time_zones import zone


@strawberry.type(description="A campaign: an earn rule for a time, declared in the program file")
class Campaign:
    id: strawberry.ID
    name: str
    starts_at: datetime | None = strawberry.field(description="null: already running")
    ends_at: datetime | None = strawberry.field(description="null: until further notice")
    days: list[str] = strawberry.field(description="mon to sun, in the program's time zone")
    hours: str | None = strawberry.field(description='e.g. "07:00-11:00"; null: all day')
    tiers: list[str]
    channels: list[Channel]
    stores: list[str]
    categories: list[str]
    skus: list[str]
    min_spend: Decimal | None = strawberry.field(description="on the lines it acts on")
    first_purchase: bool
    birthday_week: bool
    multiplier: Decimal | None = strawberry.field(description="on the lines' base points")
    bonus: int | None
    bonus_per_unit: int | None
    stacking: str = strawberry.field(description="additive or exclusive")
    priority: int
    qualifying: bool = strawberry.field(description="whether its points count for the tier")
    per_member_per_day: int | None
    per_member: int | None
    budget: int | None = strawberry.field(description="points it gives in all, across members")

    @strawberry.field(description="points its budget has left; null: no budget")
    async def budget_left(self, info: strawberry.Info[Any, Any]) -> int | None:
        if self.budget is None:
            return None
        ports = info.context.ports
        found = ports.program.campaigns
        left = await ports.budgets.left([c for c in found if c.id == str(self.id)])
        return left.get(str(self.id))  # type: ignore[no-any-return]

    @classmethod
    def of(cls, campaign: DomainCampaign, time_zone: str) -> Campaign:
        window, wanted, effect, limits = (
            campaign.window,
            campaign.conditions,
            campaign.effect,
            campaign.limits,
        )
        local = zone(time_zone)
        to = "24:00" if window.to_time is None else f"{window.to_time:%H:%M}"
        hours = f"{window.from_time:%H:%M}-{to}"
        return cls(
            id=strawberry.ID(campaign.id),
            name=campaign.name,
            starts_at=None if window.start is None else window.start.replace(tzinfo=local),
            ends_at=None if window.end is None else window.end.replace(tzinfo=local),
            days=[DAYS[d] for d in sorted(window.days)],
            hours=None if hours == "00:00-24:00" else hours,
            tiers=sorted(wanted.tiers),
            channels=sorted(wanted.channels, key=lambda c: c.value),
            stores=sorted(wanted.stores),
            categories=sorted(wanted.categories),
            skus=sorted(wanted.skus),
            min_spend=wanted.min_spend,
            first_purchase=wanted.first_purchase,
            birthday_week=wanted.birthday_week,
            multiplier=effect.multiplier,
            bonus=effect.bonus,
            bonus_per_unit=effect.bonus_per_unit,
            stacking=campaign.stacking.value,
            priority=campaign.priority,
            qualifying=campaign.qualifying,
            per_member_per_day=limits.per_member_per_day,
            per_member=limits.per_member,
            budget=limits.budget,
        )
