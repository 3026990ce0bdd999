"""Tiers: immediate upgrades at the old multiplier, downgrades one step at requalification."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import add_months
from domain.ledger import EntryKind
from domain.member import Member
from domain.tiers import current_qualifying_points
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, give_back, settled


def gold_member(ids: Ids) -> Member:
    """A member who reached GOLD at T0 with one 5000 EUR purchase."""
    return buy(enrolled(ids), "o-gold", "5000", T0, ids).member


def test_a_purchase_earns_at_the_multiplier_of_the_tier_held_before_it() -> None:
    ids = Ids()
    # given a BRONZE member
    member = enrolled(ids)
    # when a 1000 EUR purchase crosses the SILVER threshold
    crossing = buy(member, "o1", "1000", T0, ids)
    # then it earns at x1, and the next purchase at SILVER's x1.25
    assert crossing.member.balance == 1000
    assert crossing.member.tier.code == "SILVER"
    nxt = buy(crossing.member, "o2", "100", T0 + timedelta(hours=1), ids)
    assert nxt.member.balance == 1125


def test_an_upgrade_is_immediate_and_held_for_the_tier_validity() -> None:
    ids = Ids()
    change = buy(enrolled(ids), "o1", "1000", T0, ids)
    tier = change.member.tier
    assert (tier.code, tier.reached_at, tier.requalify_by) == ("SILVER", T0, add_months(T0, 12))
    assert change.previous_tier == "BRONZE"
    assert [e.kind for e in change.entries] == [EntryKind.EARNED, EntryKind.TIER_CHANGED]


def test_one_big_purchase_can_skip_a_tier() -> None:
    ids = Ids()
    assert gold_member(ids).tier.code == "GOLD"


def test_a_purchase_below_the_threshold_changes_no_tier() -> None:
    ids = Ids()
    change = buy(enrolled(ids), "o1", "999.99", T0, ids)
    assert (change.member.tier.code, change.previous_tier) == ("BRONZE", None)
    assert [e.kind for e in change.entries] == [EntryKind.EARNED]


def test_qualifying_points_count_the_last_12_months_only() -> None:
    ids = Ids()
    first = buy(enrolled(ids), "o1", "600", T0, ids).member
    # given 600 points 13 months ago, 600 more today do not reach SILVER
    late = buy(first, "o2", "600", add_months(T0, 13), ids).member
    assert late.tier.code == "BRONZE"
    assert current_qualifying_points(late.activity, demo_program(), add_months(T0, 13)) == 600
    # but 600 more after 11 months do
    early = buy(first, "o2", "600", add_months(T0, 11), ids).member
    assert early.tier.code == "SILVER"


def test_a_gold_member_without_purchases_steps_down_one_tier_per_year() -> None:
    ids = Ids()
    gold = gold_member(ids)
    # just before the requalification date: still GOLD
    assert settled(gold, add_months(T0, 12) - timedelta(seconds=1), ids).tier.code == "GOLD"
    # at the date: SILVER, with a year to requalify
    silver = settled(gold, add_months(T0, 12), ids)
    assert (silver.tier.code, silver.tier.requalify_by) == ("SILVER", add_months(T0, 24))
    # a month later: still SILVER, only one step per date
    assert settled(silver, add_months(T0, 13), ids).tier.code == "SILVER"
    # a year later: BRONZE, which is never lost
    bronze = settled(silver, add_months(T0, 24), ids)
    assert (bronze.tier.code, bronze.tier.requalify_by) == ("BRONZE", None)


def test_a_long_absence_applies_every_missed_requalification_date() -> None:
    ids = Ids()
    # given GOLD at T0 and no visit for 30 months: two dates passed, so two steps down
    member = settled(gold_member(ids), add_months(T0, 30), ids)
    assert (member.tier.code, member.tier.reached_at) == ("BRONZE", add_months(T0, 24))


def test_requalification_keeps_the_tier_when_points_suffice() -> None:
    ids = Ids()
    # given GOLD at T0, and 4000 EUR spent at GOLD's x1.5 (6000 points) six months later
    gold = buy(gold_member(ids), "o2", "4000", add_months(T0, 6), ids).member
    # when the requalification date passes
    kept = settled(gold, add_months(T0, 12), ids)
    # then GOLD is kept for another year
    assert (kept.tier.code, kept.tier.requalify_by) == ("GOLD", add_months(T0, 24))


def test_enough_points_for_a_lower_tier_still_drop_only_one_step() -> None:
    ids = Ids()
    # 1000 EUR at x1.5 = 1500 points: SILVER level, below GOLD's 5000
    gold = buy(gold_member(ids), "o2", "1000", add_months(T0, 6), ids).member
    assert settled(gold, add_months(T0, 12), ids).tier.code == "SILVER"


def test_returns_reduce_qualifying_points() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    # when 400 of the 1000 EUR come back
    after = give_back(member, "o1", "400", T0 + timedelta(days=1), ids).member
    # then 600 points qualify, and the tier is not taken away before its date
    assert current_qualifying_points(after.activity, demo_program(), T0 + timedelta(days=1)) == 600
    assert after.tier.code == "SILVER"


def test_a_returned_purchase_does_not_count_at_requalification() -> None:
    ids = Ids()
    # given SILVER at T0, then 1000 EUR a month later (1250 points, enough to requalify)
    silver = buy(enrolled(ids), "o1", "1000", T0, ids).member
    silver = buy(silver, "o2", "1000", add_months(T0, 1), ids).member
    assert settled(silver, add_months(T0, 12), ids).tier.code == "SILVER"
    # when that second order is returned in full
    returned = give_back(silver, "o2", "1000", add_months(T0, 2), ids).member
    # then at the requalification date the tier drops to BRONZE
    assert settled(returned, add_months(T0, 12), ids).tier.code == "BRONZE"


def test_an_upgrade_goes_up_the_program_and_an_unknown_tier_is_none() -> None:
    program = demo_program()

    assert program.is_upgrade("BRONZE", "GOLD")
    assert not program.is_upgrade("GOLD", "SILVER")
    assert not program.is_upgrade("SILVER", "SILVER")
    assert not program.is_upgrade("PLATINUM", "GOLD")  # removed from the program since
