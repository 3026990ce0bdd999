"""Campaigns as earn rules, pure: each window setting, condition, effect, stacking and limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.campaign_counts import CampaignCount, pooled_campaign_counts
from domain.channel import Channel
from domain.earn_rules import Earning
from domain.earn_rules.campaigns import after_purchase, capped, in_birthday_week, spread
from domain.program import ProgramError
from tests.unit.campaign_support import (
    COFFEE,
    GIFT,
    MUG,
    SATURDAY,
    WEDNESDAY,
    born,
    campaign,
    campaign_earnings,
    cart,
    program_with,
)
from tests.unit.support import Ids, enrolled


def points(settings: dict[str, Any], *lines: Any, member: Any = None, **kw: Any) -> int:
    """What one campaign gives a cart (by default COFFEE and MUG, a Saturday, at a POS)."""
    program = program_with(campaign(**settings))
    who = member if member is not None else enrolled(Ids())
    found = campaign_earnings(program, who, cart(*(lines or (COFFEE, MUG)), **kw))
    return sum(e.points for e in found)


# --- window: in the program's time zone (Europe/Paris in the demo) ---------------------------


def test_a_weekend_campaign_runs_on_the_programs_saturday_not_the_servers() -> None:
    weekend = {"days": ["sat", "sun"]}
    friday_night_paris = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Paris
    friday_evening_paris = datetime(2026, 12, 4, 22, 59, tzinfo=UTC)  # 23:59 in Paris

    assert points(weekend, at=SATURDAY) == 42
    assert points(weekend, at=friday_night_paris) == 42
    assert points(weekend, at=friday_evening_paris) == 0
    assert points(weekend, at=WEDNESDAY) == 0


def test_start_and_end_are_local_times_end_excluded() -> None:
    window = {"start": datetime(2026, 12, 5, 12, 0), "end": datetime(2026, 12, 6, 0, 0)}

    assert points(window, at=datetime(2026, 12, 5, 10, 59, tzinfo=UTC)) == 0  # 11:59 Paris
    assert points(window, at=datetime(2026, 12, 5, 11, 0, tzinfo=UTC)) == 42  # 12:00 Paris
    assert points(window, at=datetime(2026, 12, 5, 22, 59, tzinfo=UTC)) == 42
    assert points(window, at=datetime(2026, 12, 5, 23, 0, tzinfo=UTC)) == 0  # midnight


def test_an_end_date_includes_its_day() -> None:
    window = {"start": date(2026, 12, 1), "end": date(2026, 12, 5)}

    assert points(window, at=datetime(2026, 12, 5, 22, 59, tzinfo=UTC)) == 42
    assert points(window, at=datetime(2026, 12, 5, 23, 0, tzinfo=UTC)) == 0


def test_hours_bound_the_day() -> None:
    morning = {"hours": "07:00-11:00"}

    assert points(morning, at=datetime(2026, 12, 5, 6, 0, tzinfo=UTC)) == 42  # 07:00 Paris
    assert points(morning, at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC)) == 0  # 11:00 Paris


# --- conditions --------------------------------------------------------------------------


def test_tier_channel_and_store_conditions() -> None:
    ids = Ids()
    bronze = enrolled(ids)

    assert points({"tiers": ["GOLD"]}, member=bronze) == 0
    assert points({"tiers": ["BRONZE", "GOLD"]}, member=bronze) == 42
    assert points({"channels": ["APP"]}) == 0
    assert points({"channels": ["APP"]}, channel=Channel.APP) == 42
    assert points({"stores": ["store-9"]}) == 0
    assert points({"stores": ["store-9"]}, store="store-9") == 42
    assert points({"stores": ["store-9"]}, store=None) == 0


def test_category_and_sku_conditions_pick_the_lines() -> None:
    program = program_with(campaign(categories=["COFFEE"], name="Double points weekend"))
    member = enrolled(Ids())

    (found,) = campaign_earnings(program, member, cart(COFFEE, MUG, GIFT))

    assert found.per_line == (30, 0, 0)  # the gift card earns nothing, campaigns included
    assert found.why == "Double points weekend: +30 on COFFEE lines"
    assert found.rule == "campaign:c1"
    assert not found.qualifying  # bonuses do not count toward the tier by default
    assert points({"skus": ["MUG-1"]}) == 12
    assert points({"skus": ["MUG-1"], "categories": ["COFFEE"]}) == 0  # both must hold


def test_minimum_spend_is_on_the_lines_the_campaign_acts_on() -> None:
    assert points({"categories": ["COFFEE"], "min_spend": "30.00"}) == 30
    assert points({"categories": ["COFFEE"], "min_spend": "30.01"}) == 0
    assert points({"min_spend": "42.00"}) == 42


def test_first_purchase_only_until_the_member_has_bought() -> None:
    ids = Ids()
    member = enrolled(ids)
    bought = replace(member, first_purchase_at=SATURDAY)

    assert points({"first_purchase": True}, member=member) == 42
    assert points({"first_purchase": True}, member=bought) == 0


def test_birthday_week_is_read_in_the_members_zone_else_the_programs() -> None:
    member = enrolled(Ids())
    week = {"birthday_week": True, "bonus": 100}
    sunday_night_utc = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # Monday 7th in Paris

    assert points(week, member=member) == 0  # no birthday known
    assert points(week, member=born(member, date(1990, 12, 3))) == 100  # same ISO week
    assert points(week, member=born(member, date(1990, 12, 8))) == 0
    # Sunday night in New York is still in the birthday's week; in Paris it is Monday.
    assert (
        points(
            week, member=born(member, date(1990, 12, 6), "America/New_York"), at=sunday_night_utc
        )
        == 100
    )
    assert points(week, member=born(member, date(1990, 12, 6)), at=sunday_night_utc) == 0


def test_birthday_weeks_across_new_year_and_on_29_february() -> None:
    assert in_birthday_week(date(1990, 12, 31), date(2027, 1, 1))  # Thursday 31, Friday 1
    assert in_birthday_week(date(2000, 2, 29), date(2027, 2, 28))
    assert not in_birthday_week(date(2000, 2, 29), date(2027, 3, 1))


# --- effects -------------------------------------------------------------------------------


def test_a_multiplier_gives_the_lines_base_points_again_with_the_tier() -> None:
    ids = Ids()
    member = enrolled(ids)
    gold = replace(member, tier=replace(member.tier, code="GOLD"))  # x1.5

    assert points({"multiplier": 3}, COFFEE) == 60  # x3: twice the base once more
    assert points({"multiplier": "1.5"}, COFFEE) == 15
    assert points({}, COFFEE, member=gold) == 45


def test_a_bonus_is_shared_over_the_lines_in_proportion_and_sums_exactly() -> None:
    program = program_with({"id": "b", "name": "Welcome", "bonus": 100})
    member = enrolled(Ids())

    (found,) = campaign_earnings(program, member, cart(COFFEE, MUG))

    assert found.per_line == (72, 28)  # 30 and 12 of 42: 71.4 and 28.6, rounded to 100
    assert spread(10, (Decimal(1), None, Decimal(1), Decimal(1)), Decimal(3)) == (4, 0, 3, 3)
    assert spread(5, (None, Decimal(0)), Decimal(0)) == (0, 5)


def test_a_bonus_per_unit() -> None:
    program = program_with({"id": "u", "name": "Beans", "bonus_per_unit": 5, "skus": ["COF-1"]})

    (found,) = campaign_earnings(program, enrolled(Ids()), cart(COFFEE, MUG))

    assert found.per_line == (10, 0)
    assert found.why == "Beans: +10 on COF-1 lines"


# --- stacking ------------------------------------------------------------------------------


def stacked(*campaigns: dict[str, Any]) -> list[Earning]:
    return campaign_earnings(program_with(*campaigns), enrolled(Ids()), cart(COFFEE, MUG))


def test_additive_campaigns_add_up() -> None:
    found = stacked(
        {"id": "a", "name": "A", "bonus": 10},
        {"id": "b", "name": "B", "bonus": 20},
    )

    assert [e.points for e in found] == [10, 20]


def test_an_exclusive_campaign_stands_alone_by_priority() -> None:
    exclusive = {"id": "x", "name": "X", "bonus": 50, "stacking": "exclusive", "priority": 5}
    additive = {"id": "a", "name": "A", "bonus": 10}
    higher = {"id": "h", "name": "H", "bonus": 20, "priority": 9}

    assert [e.rule for e in stacked(additive, exclusive)] == ["campaign:x"]  # it goes first
    assert [e.rule for e in stacked(additive, exclusive, higher)] == ["campaign:h", "campaign:a"]
    # one that does not apply blocks nothing
    closed = {**exclusive, "days": ["mon"]}
    assert [e.rule for e in stacked(additive, closed)] == ["campaign:a"]


# --- limits --------------------------------------------------------------------------------


def test_per_member_limits_count_per_program_day_and_in_all() -> None:
    program = program_with(campaign(per_member_per_day=1, per_member=2))
    member = enrolled(Ids())

    def bought(who: Any, at: datetime) -> Any:
        earned = tuple(campaign_earnings(program, who, cart(COFFEE, at=at)))
        return after_purchase(who, earned, program, at), sum(e.points for e in earned)

    member, first = bought(member, SATURDAY)
    member, second = bought(member, SATURDAY)
    member, next_day = bought(member, datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    member, third_day = bought(member, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))

    assert (first, second, next_day, third_day) == (30, 0, 30, 0)
    assert member.campaign_counts == (CampaignCount("c1", date(2026, 12, 7), 0, 2),)


def test_counts_are_kept_only_for_running_campaigns_with_member_limits() -> None:
    program = program_with(campaign(per_member=1), {"id": "free", "name": "F", "bonus": 5})
    stale = CampaignCount("gone", date(2026, 1, 1), 1, 1)
    member = replace(enrolled(Ids()), campaign_counts=(stale,))
    earned = tuple(campaign_earnings(program, member, cart(COFFEE)))

    after = after_purchase(member, earned, program, SATURDAY)

    assert [c.campaign for c in after.campaign_counts] == ["c1"]
    assert after.first_purchase_at == SATURDAY


def test_a_budget_caps_what_a_campaign_gives_first_lines_first() -> None:
    program = program_with(campaign(budget=1000))
    member = enrolled(Ids())

    def given(budgets: dict[str, int] | None) -> tuple[int, ...]:
        found = campaign_earnings(program, member, cart(COFFEE, MUG, budgets=budgets))
        return found[0].per_line if found else ()

    assert given({"c1": 1000}) == (30, 12)
    assert given({"c1": 35}) == (30, 5)
    assert given({"c1": 0}) == ()  # spent: it gives nothing (and blocks nothing)
    assert given(None) == ()  # no budget known: nothing rather than too much
    assert capped((3, 4, 5), 6) == (3, 3, 0)


def test_merged_members_pool_their_campaign_counts() -> None:
    day = date(2026, 12, 5)
    mine = (CampaignCount("c1", day, 1, 3),)
    theirs = (CampaignCount("c1", day, 1, 1), CampaignCount("c2", day, 1, 1))

    pooled = pooled_campaign_counts(mine, theirs)

    assert pooled == (CampaignCount("c1", day, 2, 4), CampaignCount("c2", day, 1, 1))


# --- the program file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"multiplier": 2, "bonus": 5}, "give exactly one effect"),
        ({"multiplier": 1}, "multiplier must be above 1"),
        ({"days": ["sat", "funday"]}, "days are mon"),
        ({"hours": "11:00-07:00"}, "hours must end after they start"),
        ({"hours": "7am"}, "hours must read like"),
        ({"tiers": ["PLATINUM"]}, "tiers must be among BRONZE, SILVER, GOLD"),
        ({"channels": ["FAX"]}, "channels must be among"),
        ({"budget": 0}, "at least 1"),
        ({"stacking": "sometimes"}, "'sometimes' is not a valid Stacking"),
        ({"start": datetime(2026, 12, 6), "end": datetime(2026, 12, 5)}, "end must come after"),
        ({"min_spend": "-1"}, "min_spend must be a positive amount"),
        ({"colour": "red"}, "unknown setting(s) colour"),
        ({"id": "has space"}, "id must be letters"),
    ],
)
def test_a_bad_campaign_stops_start_up_with_a_message(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProgramError, match="campaign") as raised:
        program_with(campaign(**settings))
    assert message in str(raised.value)


def test_campaign_ids_are_unique() -> None:
    with pytest.raises(ProgramError, match="campaign ids must be unique"):
        program_with(campaign(), campaign())
