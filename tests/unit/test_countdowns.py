"""Countdowns: what each member is counting down to, and nothing that does not apply."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.clock import add_months
from domain.countdowns import Countdown, CountdownKind, countdowns_for
from domain.member import Member
from tests.unit.support import T0, Ids, adjust, buy, demo_program, enrolled, expiry_of, redeem, use

LATER = T0 + timedelta(days=3)


def countdowns(member: Member, now: datetime = LATER) -> dict[CountdownKind, Countdown]:
    found = countdowns_for(member, demo_program(), now)
    assert len({c.kind for c in found}) == len(found)
    return {c.kind: c for c in found}


def test_a_new_member_counts_down_to_the_cheapest_reward_and_the_next_tier() -> None:
    # given a new BRONZE member with no points
    shown = countdowns(enrolled(Ids()))
    # then only the next reward and the next tier apply
    assert set(shown) == {CountdownKind.NEXT_REWARD, CountdownKind.NEXT_TIER}
    assert shown[CountdownKind.NEXT_REWARD].points_remaining == 150
    assert shown[CountdownKind.NEXT_REWARD].label == "150 points to Free coffee"
    assert shown[CountdownKind.NEXT_TIER].points_remaining == 1000
    assert shown[CountdownKind.NEXT_TIER].label == "1000 points to Silver"


def test_next_reward_is_the_cheapest_one_not_yet_covered() -> None:
    ids = Ids()
    # given 200 points: the coffee (150) is covered, the tote bag (500) is not
    member = buy(enrolled(ids), "o1", "200", T0, ids).member
    nxt = countdowns(member)[CountdownKind.NEXT_REWARD]
    assert (nxt.points_remaining, nxt.label) == (300, "300 points to Limited tote bag")
    # with exactly 150, the coffee counts as covered too
    exact = buy(enrolled(ids), "o1", "150", T0, ids).member
    assert countdowns(exact)[CountdownKind.NEXT_REWARD].points_remaining == 350


def test_a_gold_only_reward_is_not_offered_to_bronze() -> None:
    ids = Ids()
    # given a BRONZE member with 1200 goodwill points (every BRONZE reward covered)
    member = adjust(enrolled(ids), 1200, T0, ids).member
    # then the lounge pass (GOLD only) is no countdown
    assert CountdownKind.NEXT_REWARD not in countdowns(member)


def test_a_gold_member_counts_down_to_the_gold_reward_and_has_no_next_tier() -> None:
    ids = Ids()
    # given GOLD with 5000 points, then 3000 + 1000 spent: 1000 left
    gold = buy(enrolled(ids), "o1", "5000", T0, ids).member
    gold = redeem(gold, "lounge-pass", T0, ids).member
    gold = redeem(gold, "voucher-10", T0, ids).member
    shown = countdowns(gold)
    assert shown[CountdownKind.NEXT_REWARD].points_remaining == 2000
    assert shown[CountdownKind.NEXT_REWARD].label == "2000 points to Airport lounge pass"
    assert CountdownKind.NEXT_TIER not in shown


def test_next_tier_counts_qualifying_points_not_goodwill() -> None:
    ids = Ids()
    # given SILVER by 1200 EUR, and 800 goodwill points on top
    silver = buy(enrolled(ids), "o1", "1200", T0, ids).member
    silver = adjust(silver, 800, T0, ids).member
    nxt = countdowns(silver)[CountdownKind.NEXT_TIER]
    assert (nxt.points_remaining, nxt.label) == (3800, "3800 points to Gold")


def test_points_expiry_names_the_soonest_expiring_batch() -> None:
    ids = Ids()
    # given 200 points earned at T0 and 300 a month later, then a coffee (150) redeemed
    member = buy(enrolled(ids), "o1", "200", T0, ids).member
    member = buy(member, "o2", "300", add_months(T0, 1), ids).member
    member = redeem(member, "coffee", add_months(T0, 1), ids).member
    # then 50 points (what is left of the first batch) expire first, 12 months after T0
    expiry = countdowns(member)[CountdownKind.POINTS_EXPIRY]
    assert (expiry.points_remaining, expiry.deadline) == (50, expiry_of(T0))
    assert expiry.label == "50 points expire on 2026-01-15"


def test_reward_expiry_names_the_soonest_active_voucher() -> None:
    ids = Ids()
    member = adjust(enrolled(ids), 1000, T0, ids).member
    # given a tote bag voucher from T0 and a coffee voucher from five days later
    tote = redeem(member, "tote-bag", T0, ids)
    member = redeem(tote.member, "coffee", T0 + timedelta(days=5), ids).member
    tote_code = tote.member.rewards[0].code
    expiry = countdowns(member, T0 + timedelta(days=6))[CountdownKind.REWARD_EXPIRY]
    assert expiry.deadline == T0 + timedelta(days=30)
    assert expiry.label == f"Limited tote bag voucher {tote_code} expires on 2025-02-14"
    assert expiry.points_remaining is None
    # once the tote bag voucher is used, the coffee voucher is next
    member = use(member, tote_code, T0 + timedelta(days=6), ids).member
    nxt = countdowns(member, T0 + timedelta(days=6))[CountdownKind.REWARD_EXPIRY]
    assert nxt.deadline == T0 + timedelta(days=35)


def test_tier_requalification_counts_points_since_the_window_opened() -> None:
    ids = Ids()
    # given SILVER reached at T0
    silver = buy(enrolled(ids), "o1", "1000", T0, ids).member
    before = countdowns(silver)[CountdownKind.TIER_REQUALIFICATION]
    assert (before.points_remaining, before.deadline) == (1000, add_months(T0, 12))
    assert before.label == "1000 points by 2026-01-15 to keep Silver"
    # when 400 EUR are spent at x1.25 (500 points), then 500 are still needed
    silver = buy(silver, "o2", "400", add_months(T0, 2), ids).member
    after = countdowns(silver, add_months(T0, 2))[CountdownKind.TIER_REQUALIFICATION]
    assert after.points_remaining == 500
    # and with enough, the tier is secured
    silver = buy(silver, "o3", "400", add_months(T0, 3), ids).member
    secured = countdowns(silver, add_months(T0, 3))[CountdownKind.TIER_REQUALIFICATION]
    assert (secured.points_remaining, secured.label) == (0, "Silver is secured until 2026-01-15")


def test_bronze_has_no_requalification_and_no_points_means_no_expiry() -> None:
    shown = countdowns(enrolled(Ids()))
    assert CountdownKind.TIER_REQUALIFICATION not in shown
    assert CountdownKind.POINTS_EXPIRY not in shown
    assert CountdownKind.REWARD_EXPIRY not in shown
