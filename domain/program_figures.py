"""The dashboard's figures for a period, from the summed counters (`domain.program_stats`).

Definitions (the README's "Program figures" says the same for users):
- liability: open points (spendable, not yet expired) as the period's last day ended, by the
  UTC month they expire in, valued at the program's `point_value`;
- breakage forecast: of those points, the share expected to expire unspent, month by month:
  open points x (1 - the lifetime redemption rate, points redeemed / points issued, up to
  the period's end): the program's own history says how much of what it issues members
  spend; the rest is expected to lapse;
- redemption rate: points redeemed / points issued, in the period;
- repeat-purchase rate: purchases by members who had bought before / all purchases, in the
  period;
- active members: members whose latest purchase, as the period ended, falls in one of the
  calendar months (UTC) the period touches: distinct buyers of those months;
- average CLTV: lifetime net spend (purchases less returns, up to the period's end) /
  members then;
- tier distribution: members by tier as the period ended;
- messages: sent by channel and suppressed by reason, in the period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from domain.program import Program
from domain.program_stats import SPEND_SCALE

RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class ExpiryMonth:
    month: str  # YYYY-MM
    points: int
    value: Decimal
    breakage_points: int  # of `points`, expected to expire unspent


@dataclass(frozen=True, slots=True)
class Count:
    key: str  # a tier code, a channel, a reason
    count: int


@dataclass(frozen=True, slots=True)
class ProgramFigures:
    first_day: date
    last_day: date
    currency: str
    point_value: Decimal
    liability: tuple[ExpiryMonth, ...]  # soonest first
    liability_points: int
    liability_value: Decimal
    pending_points: int  # held, not yet spendable (not in the liability)
    breakage_rate: Decimal
    breakage_points: int
    breakage_value: Decimal
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_clawed_back: int
    redemption_rate: Decimal | None  # None: nothing issued in the period
    purchases: int
    repeat_purchases: int
    repeat_purchase_rate: Decimal | None  # None: no purchase in the period
    spend: Decimal  # net, in the period
    enrolled: int
    members: int
    active_members: int
    lifetime_spend: Decimal
    average_cltv: Decimal | None  # None: no members
    tiers: tuple[Count, ...]  # in the program's order, then any tier since removed
    messages_sent: int
    sent_by_channel: tuple[Count, ...]
    messages_suppressed: int
    suppressed_by_reason: tuple[Count, ...]


def _keyed(totals: Mapping[str, int], kind: str) -> dict[str, int]:
    prefix = f"{kind}:"
    return {name[len(prefix) :]: n for name, n in totals.items() if name.startswith(prefix)}


def _rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES)


def _money(program: Program, amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-program.currency_decimals), ROUND_HALF_EVEN)


def _months_touched(first_day: date, last_day: date) -> set[str]:
    months, year, month = set(), first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _counts(found: Mapping[str, int]) -> tuple[Count, ...]:
    return tuple(Count(key, n) for key, n in sorted(found.items()) if n)


def program_figures(
    program: Program,
    first_day: date,
    last_day: date,
    as_of: Mapping[str, int],
    period: Mapping[str, int],
) -> ProgramFigures:
    """`as_of`: the counters summed over every day up to `last_day`; `period`: over the
    days from `first_day` to `last_day`."""
    lifetime_issued = as_of.get("points_issued", 0)
    redeemed_ever = _rate(as_of.get("points_redeemed", 0), lifetime_issued) or Decimal(0)
    breakage_rate = max(Decimal(0), min(Decimal(1), Decimal(1) - redeemed_ever))
    months = []
    for month, points in sorted(_keyed(as_of, "liability").items()):
        if points > 0:
            lapsing = int((points * breakage_rate).to_integral_value(ROUND_HALF_EVEN))
            value = _money(program, points * program.point_value)
            months.append(ExpiryMonth(month, points, value, lapsing))
    liability_points = sum(m.points for m in months)
    breakage_points = sum(m.breakage_points for m in months)
    members = as_of.get("members", 0)
    lifetime_spend = _money(program, as_of.get("spend", 0) / SPEND_SCALE)
    tiers = _keyed(as_of, "tier")
    order = [t.code for t in program.tiers]
    tier_counts = [Count(code, tiers.pop(code, 0)) for code in order]
    tier_counts += [Count(code, n) for code, n in sorted(tiers.items()) if n]
    buyers = _keyed(as_of, "buyers")
    sent = _keyed(period, "sent")
    suppressed = _keyed(period, "suppressed")
    return ProgramFigures(
        first_day=first_day,
        last_day=last_day,
        currency=program.currency,
        point_value=program.point_value,
        liability=tuple(months),
        liability_points=liability_points,
        liability_value=_money(program, liability_points * program.point_value),
        pending_points=as_of.get("pending", 0),
        breakage_rate=breakage_rate.quantize(RATE_PLACES),
        breakage_points=breakage_points,
        breakage_value=_money(program, breakage_points * program.point_value),
        points_issued=period.get("points_issued", 0),
        points_redeemed=period.get("points_redeemed", 0),
        points_expired=period.get("points_expired", 0),
        points_clawed_back=period.get("points_clawed_back", 0),
        redemption_rate=_rate(period.get("points_redeemed", 0), period.get("points_issued", 0)),
        purchases=period.get("purchases", 0),
        repeat_purchases=period.get("repeat_purchases", 0),
        repeat_purchase_rate=_rate(period.get("repeat_purchases", 0), period.get("purchases", 0)),
        spend=_money(program, period.get("spend", 0) / SPEND_SCALE),
        enrolled=period.get("enrolled", 0),
        members=members,
        active_members=sum(buyers.get(m, 0) for m in _months_touched(first_day, last_day)),
        lifetime_spend=lifetime_spend,
        average_cltv=None if members <= 0 else _money(program, lifetime_spend / members),
        tiers=tuple(tier_counts),
        messages_sent=sum(sent.values()),
        sent_by_channel=_counts(sent),
        messages_suppressed=sum(suppressed.values()),
        suppressed_by_reason=_counts(suppressed),
    )
