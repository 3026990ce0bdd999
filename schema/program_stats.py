"""The program's figures for a period (`programStats`): what a BI tool or the admin console
reads. The definitions are `domain.program_figures`'s (and the README's)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.program_figures import Count, ExpiryMonth, ProgramFigures


@strawberry.type(description="Open points that expire in one month (UTC), and their worth.")
class LiabilityMonth:
    month: str = strawberry.field(description="YYYY-MM")
    points: int
    value: Decimal = strawberry.field(description="points x the program's pointValue")
    breakage_points: int = strawberry.field(
        description="of these points, how many are expected to expire unspent"
    )

    @classmethod
    def of(cls, month: ExpiryMonth) -> LiabilityMonth:
        return cls(
            month=month.month,
            points=month.points,
            value=month.value,
            breakage_points=month.breakage_points,
        )


@strawberry.type(description="How many, for one key (a tier code, a channel, a reason).")
class KeyCount:
    key: str
    count: int

    @classmethod
    def all(cls, counts: tuple[Count, ...]) -> list[KeyCount]:
        return [cls(key=c.key, count=c.count) for c in counts]


@strawberry.type(
    description="The program's figures for the days `from` to `to` (UTC, both included). "
    "Gauges (liability, members, tiers) are as they stood when `to` ended; flows (points, "
    "purchases, messages) are summed over the period. Kept as counters from member events."
)
class ProgramStats:
    from_: date = strawberry.field(name="from")
    to: date
    currency: str
    point_value: Decimal
    liability: list[LiabilityMonth] = strawberry.field(
        description="open points by the month they expire in, soonest first"
    )
    liability_points: int
    liability_value: Decimal
    pending_points: int = strawberry.field(description="held, not yet spendable nor counted above")
    breakage_rate: Decimal = strawberry.field(
        description="the share of open points expected to expire unspent: 1 - points "
        "redeemed / points issued, over the program's life up to `to`"
    )
    breakage_points: int = strawberry.field(description="points due to expire unspent")
    breakage_value: Decimal
    points_issued: int
    points_redeemed: int = strawberry.field(
        description="spent on rewards and orders, less cancelled redemptions and refunds"
    )
    points_expired: int
    points_clawed_back: int = strawberry.field(description="by returns and negative adjustments")
    redemption_rate: Decimal | None = strawberry.field(
        description="points redeemed / points issued in the period; null when none issued"
    )
    purchases: int
    repeat_purchases: int = strawberry.field(description="by members who had bought before")
    repeat_purchase_rate: Decimal | None = strawberry.field(
        description="repeat purchases / purchases in the period; null when none"
    )
    spend: Decimal = strawberry.field(description="purchases less returns, in the period")
    enrolled: int
    members: int = strawberry.field(description="live members (merged duplicates not counted)")
    active_members: int = strawberry.field(
        description="members whose latest purchase falls in a calendar month (UTC) the "
        "period touches"
    )
    lifetime_spend: Decimal = strawberry.field(description="all purchases less returns, to `to`")
    average_cltv: Decimal | None = strawberry.field(
        description="lifetime spend / members; null when there are none"
    )
    tiers: list[KeyCount] = strawberry.field(description="members by tier code")
    messages_sent: int
    sent_by_channel: list[KeyCount]
    messages_suppressed: int
    suppressed_by_reason: list[KeyCount]

    @classmethod
    def of(cls, f: ProgramFigures) -> ProgramStats:
        return cls(
            from_=f.first_day,
            to=f.last_day,
            currency=f.currency,
            point_value=f.point_value,
            liability=[LiabilityMonth.of(m) for m in f.liability],
            liability_points=f.liability_points,
            liability_value=f.liability_value,
            pending_points=f.pending_points,
            breakage_rate=f.breakage_rate,
            breakage_points=f.breakage_points,
            breakage_value=f.breakage_value,
            points_issued=f.points_issued,
            points_redeemed=f.points_redeemed,
            points_expired=f.points_expired,
            points_clawed_back=f.points_clawed_back,
            redemption_rate=f.redemption_rate,
            purchases=f.purchases,
            repeat_purchases=f.repeat_purchases,
            repeat_purchase_rate=f.repeat_purchase_rate,
            spend=f.spend,
            enrolled=f.enrolled,
            members=f.members,
            active_members=f.active_members,
            lifetime_spend=f.lifetime_spend,
            average_cltv=f.average_cltv,
            tiers=KeyCount.all(f.tiers),
            messages_sent=f.messages_sent,
            sent_by_channel=KeyCount.all(f.sent_by_channel),
            messages_suppressed=f.messages_suppressed,
            suppressed_by_reason=KeyCount.all(f.suppressed_by_reason),
        )
