"""override_tier, pure: the tier is held until the override's expiry, then the program's
requalification rule applies as for any tier."""

from __future__ import annotations

from datetime import timedelta

from domain.commands import MemberRef, OverrideTier
from domain.ledger import EntryKind
from domain.tier_override import override_tier, validate_override
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, settled


def gold_until(days: int, member_id: str) -> OverrideTier:
    cmd = OverrideTier(MemberRef(id=member_id), "gold", "VIP", T0 + timedelta(days=days), "t-1")
    return validate_override(cmd, demo_program(), T0)


def test_an_override_holds_the_tier_until_its_expiry_then_requalification_applies() -> None:
    ids = Ids()
    member = enrolled(ids)
    change = override_tier(member, gold_until(30, member.id), demo_program(), T0, ids)

    held = settled(change.member, T0 + timedelta(days=29), ids)
    after = settled(change.member, T0 + timedelta(days=31), ids)

    assert change.entries[0].kind is EntryKind.TIER_CHANGED
    assert change.previous_tier == "BRONZE"
    assert held.tier.code == "GOLD"
    assert after.tier.code == "SILVER"  # short of GOLD's points: one tier down


def test_points_that_qualify_keep_the_overridden_tier_at_its_expiry() -> None:
    ids = Ids()
    member = enrolled(ids)
    gold = override_tier(member, gold_until(30, member.id), demo_program(), T0, ids).member
    qualified = buy(gold, "o-1", "5000", T0 + timedelta(days=1), ids).member

    after = settled(qualified, T0 + timedelta(days=31), ids)

    assert after.tier.code == "GOLD"
    assert after.tier.requalify_by is not None and after.tier.requalify_by > T0 + timedelta(days=31)
