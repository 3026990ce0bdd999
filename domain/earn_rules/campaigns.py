"""The program's campaigns as earn rules: one Earning a campaign that gives points, with its
own name and why ("Double points weekend: +60 on COFFEE lines").

Campaigns are tried in priority order. An additive one adds to the others; an exclusive one
gives only if none before it gave, and then none after it gives. A campaign whose window is
closed, whose conditions are not met, whose member limits are reached or whose budget is spent
gives nothing and blocks nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from domain.campaign_counts import CampaignCount, counted
from domain.campaigns import Campaign, Stacking
from domain.commands import PurchaseLine
from domain.earn_rules.kind import Earning, Purchase
from domain.member import Member
from domain.program import Program
from domain.time_zones import zone


class Campaigns:
    name = "campaigns"

    def earn(self, purchase: Purchase, member: Member, program: Program) -> tuple[Earning, ...]:
        if not program.campaigns:
            return ()
        local = _local(purchase.at, program.time_zone)
        earned: list[Earning] = []
        for campaign in program.campaigns:
            if campaign.stacking is Stacking.EXCLUSIVE and earned:
                continue
            per_line = lines_points(campaign, purchase, member, program, local)
            if per_line is None:
                continue
            left = _budget_left(campaign, purchase)
            given = per_line if left is None else capped(per_line, left)
            if sum(given) <= 0:
                continue
            earned.append(
                Earning(
                    sum(given),
                    campaign.qualifying,
                    campaign.rule,
                    _why(campaign, given, per_line),
                    given,
                )
            )
            if campaign.stacking is Stacking.EXCLUSIVE:
                break
        return tuple(earned)


RULE = Campaigns()


def demand(purchase: Purchase, member: Member, program: Program) -> dict[str, int]:
    """What each campaign with a budget would give this purchase on its own, ignoring its
    budget and the other campaigns: the most a purchase needs to reserve."""
    if not program.campaigns:
        return {}
    local = _local(purchase.at, program.time_zone)
    wanted: dict[str, int] = {}
    for campaign in program.campaigns:
        if campaign.limits.budget is None:
            continue
        per_line = lines_points(campaign, purchase, member, program, local)
        if per_line is not None and sum(per_line) > 0:
            wanted[campaign.id] = sum(per_line)
    return wanted


def lines_points(
    campaign: Campaign, purchase: Purchase, member: Member, program: Program, local: datetime
) -> tuple[int, ...] | None:
    """What the campaign gives each line (before its budget), or None when it does not apply."""
    if not campaign.window.open_at(local) or not _member_may(campaign, purchase, member, program):
        return None
    count = counted(member.campaign_counts, campaign.id, local.date())
    limits = campaign.limits
    if limits.per_member_per_day is not None and count.today >= limits.per_member_per_day:
        return None
    if limits.per_member is not None and count.total >= limits.per_member:
        return None
    matching = _acting_on(campaign, purchase.lines)
    if not any(matching):
        return None
    spend = sum(
        (line.total for line, on in zip(purchase.lines, matching, strict=True) if on), Decimal(0)
    )
    if campaign.conditions.min_spend is not None and spend < campaign.conditions.min_spend:
        return None
    return _effect(campaign, purchase.lines, matching, spend, member, program)


def _member_may(campaign: Campaign, purchase: Purchase, member: Member, program: Program) -> bool:
    wanted = campaign.conditions
    if wanted.tiers and member.tier.code not in wanted.tiers:
        return False
    if wanted.channels and purchase.channel not in wanted.channels:
        return False
    if wanted.stores and purchase.store_id not in wanted.stores:
        return False
    if wanted.first_purchase and member.first_purchase_at is not None:
        return False
    if wanted.birthday_week:
        if member.birthday is None:
            return False
        day = _local(purchase.at, member.time_zone or program.time_zone).date()
        return in_birthday_week(member.birthday, day)
    return True


def in_birthday_week(birthday: date, day: date) -> bool:
    """Whether `day` falls in the ISO week (Monday to Sunday) of the member's birthday, in
    its year or a neighbouring one (a birthday on 31 December may share a week with 1
    January). Born on 29 February: the 28th in other years."""
    week = day.isocalendar()[:2]
    return any(
        _birthday_in(birthday, year).isocalendar()[:2] == week
        for year in (day.year - 1, day.year, day.year + 1)
    )


def _birthday_in(birthday: date, year: int) -> date:
    try:
        return birthday.replace(year=year)
    except ValueError:  # 29 February, in a year without one
        return date(year, 2, 28)


def _acting_on(campaign: Campaign, lines: tuple[PurchaseLine, ...]) -> tuple[bool, ...]:
    """Which lines the campaign acts on. Every campaign looks at every line of the cart, so
    this is the loop a cart's size multiplies: kept to one pass with no calls in it."""
    categories, skus = campaign.conditions.categories, campaign.conditions.skus
    if not categories and not skus:
        return tuple(line.earns for line in lines)
    return tuple(
        line.earns
        and (not categories or line.category in categories)
        and (not skus or line.sku in skus)
        for line in lines
    )


def _effect(
    campaign: Campaign,
    lines: tuple[PurchaseLine, ...],
    matching: tuple[bool, ...],
    spend: Decimal,
    member: Member,
    program: Program,
) -> tuple[int, ...]:
    effect = campaign.effect
    if effect.multiplier is not None:
        factor = (
            program.earn_rate
            * program.tier(member.tier.code).earn_multiplier
            * (effect.multiplier - 1)
        )
        return tuple(
            _floor(line.total * factor) if on else 0
            for line, on in zip(lines, matching, strict=True)
        )
    if effect.bonus_per_unit is not None:
        per_unit = effect.bonus_per_unit
        return tuple(
            line.quantity * per_unit if on else 0 for line, on in zip(lines, matching, strict=True)
        )
    assert effect.bonus is not None
    return spread(
        effect.bonus,
        tuple(line.total if on else None for line, on in zip(lines, matching, strict=True)),
        spend,
    )


def spread(points: int, totals: tuple[Decimal | None, ...], spend: Decimal) -> tuple[int, ...]:
    """A bonus for the purchase shared over the lines it acts on (None: not one of them) in
    proportion to what they cost, so that returning a line takes back its share; what the
    rounding leaves goes to those lines in order, a point each."""
    if spend <= 0:
        first = next(n for n, total in enumerate(totals) if total is not None)
        return tuple(points if n == first else 0 for n in range(len(totals)))
    shares = [0 if total is None else _floor(points * total / spend) for total in totals]
    left = points - sum(shares)
    for n, total in enumerate(totals):
        if left == 0:
            break
        if total is not None:
            shares[n] += 1
            left -= 1
    return tuple(shares)


def capped(per_line: tuple[int, ...], left: int) -> tuple[int, ...]:
    """The lines' points cut to what a budget has left, the first lines first."""
    given: list[int] = []
    for points in per_line:
        taken = max(0, min(points, left))
        given.append(taken)
        left -= taken
    return tuple(given)


def after_purchase(
    member: Member, earned: tuple[Earning, ...], program: Program, at: datetime
) -> Member:
    """What a purchase leaves for the campaigns' conditions and limits: its first purchase,
    and a count for each campaign with member limits that gave points. Counts are kept for
    the campaigns the program still runs, and not past their end: bounded by the program."""
    first = member.first_purchase_at or at
    limited = [c for c in program.campaigns if c.member_limited]
    counts = _counts(member, limited, earned, program, at) if limited else ()
    if first == member.first_purchase_at and counts == member.campaign_counts:
        return member  # the common case, and a Member copied for nothing costs
    return replace(member, first_purchase_at=first, campaign_counts=counts)


def _counts(
    member: Member,
    limited: list[Campaign],
    earned: tuple[Earning, ...],
    program: Program,
    at: datetime,
) -> tuple[CampaignCount, ...]:
    local = _local(at, program.time_zone)
    gave = {e.rule for e in earned}
    counts: list[CampaignCount] = []
    for campaign in limited:
        if campaign.window.end is not None and campaign.window.end <= local:
            continue
        count = counted(member.campaign_counts, campaign.id, local.date())
        if campaign.rule in gave:
            count = replace(count, today=count.today + 1, total=count.total + 1)
        elif count.total == 0:
            continue
        counts.append(count)
    return tuple(counts)


def _budget_left(campaign: Campaign, purchase: Purchase) -> int | None:
    if campaign.limits.budget is None:
        return None
    return 0 if purchase.budgets is None else purchase.budgets.get(campaign.id, 0)


def _why(campaign: Campaign, given: tuple[int, ...], wanted: tuple[int, ...]) -> str:
    wanted_of = campaign.conditions
    names = sorted(wanted_of.categories | wanted_of.skus)
    what = f"{'/'.join(names)} lines" if names else "the order"
    spent = " (its budget's last points)" if given != wanted else ""
    return f"{campaign.name}: +{sum(given)} on {what}{spent}"


def _local(at: datetime, zone_name: str) -> datetime:
    return at.astimezone(zone(zone_name)).replace(tzinfo=None)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))
