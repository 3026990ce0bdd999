"""Tier grace: a member short of their tier's points at `requalifyBy` keeps it through the
program's grace, sees a countdown to its end, and keeps the tier for good if the points come
in meanwhile; else it steps down one tier when grace ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase
from domain.countdowns import CountdownKind, countdowns_for
from domain.earning import record_purchase, validate_purchase
from domain.housekeeping import settle
from domain.member import Member
from tests.unit.support import T0, Ids, buy, demo_program, enrolled

GRACE = replace(demo_program(), tier_grace_days=30)


def silver(ids: Ids) -> Member:
    return buy(enrolled(ids), "o-1", "1000", T0, ids).member  # SILVER until T0 + 12 months


def at(member: Member, days: int, ids: Ids) -> Member:
    return settle(member, GRACE, T0 + timedelta(days=days), ids).member


def test_short_at_the_date_the_tier_is_kept_through_grace_with_a_countdown() -> None:
    ids = Ids()
    member = silver(ids)
    date = member.tier.requalify_by
    assert date is not None

    in_grace = at(member, 366 + 10, ids)  # the 1000 points are out of the window by now

    assert in_grace.tier.code == "SILVER" and in_grace.tier.in_grace
    assert in_grace.tier.requalify_by == date + timedelta(days=30)
    kinds = {c.kind: c for c in countdowns_for(in_grace, GRACE, T0 + timedelta(days=376))}
    assert CountdownKind.TIER_REQUALIFICATION not in kinds
    grace = kinds[CountdownKind.TIER_GRACE]
    assert grace.deadline == date + timedelta(days=30)
    assert grace.label.startswith("Grace period: 1000 points by")


def test_when_grace_ends_short_the_tier_steps_down() -> None:
    ids = Ids()
    assert at(silver(ids), 366 + 31, ids).tier.code == "BRONZE"


def test_points_that_come_in_during_grace_keep_the_tier() -> None:
    ids = Ids()
    in_grace = at(silver(ids), 366 + 5, ids)
    assert in_grace.tier.in_grace
    now = T0 + timedelta(days=371)
    order = RecordPurchase(
        MemberRef(id=in_grace.id), "o-2", Decimal("1000"), "EUR", Channel.POS, None, "o-2"
    )
    cmd = validate_purchase(order, GRACE)
    topped_up = record_purchase(in_grace, cmd, GRACE, now, ids).member

    after = at(topped_up, 366 + 31, ids)

    assert after.tier.code == "SILVER" and not after.tier.in_grace
    assert after.tier.reached_at == T0  # held all along, never lost and regained
    assert after.tier.requalify_by is not None
    assert after.tier.requalify_by > T0 + timedelta(days=366 + 31)
