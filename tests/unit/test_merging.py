"""Merging duplicates: the survivor absorbs everything, keeps the better tier, once only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.channel import Channel
from domain.identity import Identifier, IdentifierKind
from domain.ledger import EntryKind
from domain.member import Member
from domain.merging import absorb, freeze
from tests.unit.support import T0, Ids, adjust, batch, buy, demo_program, enrolled, redeem

LATER = T0 + timedelta(days=10)


def merged(survivor: Member, duplicate: Member, ids: Ids) -> Member:
    change = absorb(survivor, freeze(duplicate, survivor.id), demo_program(), LATER, ids, None)
    assert change is not None
    return change.member


def test_absorb_moves_identifiers_points_orders_vouchers_and_keys() -> None:
    ids = Ids()
    shared = Identifier(IdentifierKind.PHONE, "+33612345678")
    # given a survivor with 200 points and a duplicate with 300, a voucher, and a shared phone
    survivor = buy(enrolled(ids, "ana@example.com"), "o1", "200", T0, ids).member
    survivor = replace(survivor, identifiers=(*survivor.identifiers, shared))
    duplicate = buy(enrolled(ids, "ana.m@example.com"), "o2", "450", T0, ids).member
    duplicate = redeem(duplicate, "coffee", T0, ids).member
    duplicate = replace(duplicate, identifiers=(*duplicate.identifiers, shared))
    # when the survivor absorbs the duplicate
    change = absorb(survivor, freeze(duplicate, survivor.id), demo_program(), LATER, ids, None)
    assert change is not None
    after = change.member
    # then it holds everything, once
    assert [i.value for i in after.identifiers] == [
        "ana@example.com",
        "+33612345678",
        "ana.m@example.com",
    ]
    assert after.balance == 500
    # both earned at T0: their points expire the same day, so they are one batch
    assert [b.points for b in after.batches] == [500]
    assert sum(a.orders for a in after.activity) == 2  # o1 and o2
    assert [r.reward_id for r in after.rewards] == ["coffee"]
    assert {r.key for r in after.idempotency} == {"o1", "o2", "redeem-1"}
    assert after.merged_ids == (duplicate.id,)
    assert after.all_ids == (survivor.id, duplicate.id)
    assert after.merged_into is None
    (entry,) = change.entries
    assert (entry.kind, entry.member_id, entry.points) == (EntryKind.MERGED, survivor.id, 0)
    assert entry.reason == f"merged member {duplicate.id}: 300 points, 1 vouchers, 2 identifiers"


def test_freeze_marks_the_duplicate_and_changes_nothing_else() -> None:
    ids = Ids()
    duplicate = enrolled(ids)
    assert freeze(duplicate, "mbr-survivor") == replace(duplicate, merged_into="mbr-survivor")


def test_the_survivor_keeps_the_higher_tier() -> None:
    ids = Ids()
    survivor = enrolled(ids, "a@example.com")
    gold = buy(enrolled(ids, "b@example.com"), "o1", "5000", T0, ids).member
    change = absorb(survivor, freeze(gold, survivor.id), demo_program(), LATER, ids, None)
    assert change is not None
    assert (change.member.tier, change.previous_tier) == (gold.tier, "BRONZE")
    # and the other way round, the survivor's GOLD is not lowered
    kept = merged(gold, survivor, ids)
    assert kept.tier == gold.tier


def test_combined_qualifying_points_can_upgrade() -> None:
    ids = Ids()
    # given 600 qualifying points on each side, each below SILVER's 1000
    survivor = buy(enrolled(ids, "a@example.com"), "o1", "600", T0, ids).member
    duplicate = buy(enrolled(ids, "b@example.com"), "o2", "600", T0, ids).member
    # when merged, then 1200 points reach SILVER at once
    after = merged(survivor, duplicate, ids)
    assert after.tier.code == "SILVER"
    assert after.tier.reached_at == LATER


def test_goodwill_points_do_not_upgrade_a_merge() -> None:
    ids = Ids()
    survivor = buy(enrolled(ids, "a@example.com"), "o1", "600", T0, ids).member
    duplicate = adjust(enrolled(ids, "b@example.com"), 600, T0, ids).member
    assert merged(survivor, duplicate, ids).tier.code == "BRONZE"


def test_a_duplicates_debt_is_netted_against_the_survivors_points() -> None:
    ids = Ids()
    survivor = buy(enrolled(ids, "a@example.com"), "o1", "500", T0, ids).member
    duplicate = replace(enrolled(ids, "b@example.com"), batches=(batch("debt", -200, None),))
    after = merged(survivor, duplicate, ids)
    assert [b.points for b in after.batches] == [300]


def test_absorbing_twice_changes_nothing() -> None:
    ids = Ids()
    survivor = enrolled(ids, "a@example.com")
    duplicate = buy(enrolled(ids, "b@example.com"), "o1", "100", T0, ids).member
    once = merged(survivor, duplicate, ids)
    again = absorb(once, freeze(duplicate, survivor.id), demo_program(), LATER, ids, None)
    assert again is None
    assert once.balance == 100


def test_ids_the_duplicate_had_absorbed_follow_it() -> None:
    ids = Ids()
    first = enrolled(ids, "a@example.com")
    second = enrolled(ids, "b@example.com")
    third = enrolled(ids, "c@example.com")
    second = merged(second, third, ids)
    after = merged(first, second, ids)
    assert after.merged_ids == (second.id, third.id)
    # and the survivor refuses the already-absorbed member a second time
    assert absorb(after, third, demo_program(), LATER, ids, Channel.CALL_CENTER) is None
