"""Referrals, pure: codes; the friend's first qualifying purchase marks the link; `settle`
rewards the friend once, when the purchase's hold ends (at once without a hold); a return
of the whole purchase before then lets the next one count; the referrer's reward is keyed
by the friend."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase, ReturnPurchase
from domain.earning import record_purchase, validate_purchase
from domain.errors import InvalidInput
from domain.events import Change
from domain.housekeeping import next_due, settle
from domain.ledger import EntryKind
from domain.member import Member
from domain.merging import absorb, freeze
from domain.program import Program
from domain.referral_rewards import referrer_entry_id, reward_referrer
from domain.referrals import (
    ReferralLink,
    Referrals,
    load_referrals,
    normalise_referral_code,
    referral_code_for,
)
from domain.returns import return_purchase, validate_return
from tests.unit.support import T0, Ids, demo_program, enrolled

REWARDS = Referrals(referrer_points=500, friend_points=250)
NOW = replace(demo_program(), referrals=REWARDS)
HELD = replace(NOW, pending_days=14)
DAY = timedelta(days=1)


def friend(ids: Ids) -> Member:
    member = enrolled(ids, "friend@example.com")
    return replace(member, referral=ReferralLink("mbr-ref", member.id))


def bought(
    member: Member, program: Program, order_id: str, amount: str, days: float, ids: Ids
) -> Change:
    now = T0 + timedelta(days=days)
    cmd = RecordPurchase(
        MemberRef(id=member.id), order_id, Decimal(amount), "EUR", Channel.POS, None, order_id
    )
    cmd = validate_purchase(cmd, program)
    return record_purchase(settle(member, program, now, ids).member, cmd, program, now, ids)


def test_codes_are_stable_unambiguous_and_typed_loosely() -> None:
    code = referral_code_for("mbr_demo_ada")

    assert code == referral_code_for("mbr_demo_ada")
    assert code != referral_code_for("mbr_demo_ada", attempt=1)
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code)
    assert normalise_referral_code(f" {code.lower().replace('-', '')} ") == code
    with pytest.raises(InvalidInput):
        normalise_referral_code("ABC")


def test_the_first_qualifying_purchase_counts_and_clears_when_its_hold_ends() -> None:
    ids = Ids()
    first = bought(friend(ids), HELD, "o-1", "40", 0, ids).member
    second = bought(first, HELD, "o-2", "60", 1, ids).member

    assert second.referral is not None
    assert (second.referral.order_id, second.referral.clears_at) == ("o-1", T0 + 14 * DAY)
    assert next_due(second) == T0 + 14 * DAY


def test_the_friend_is_rewarded_once_when_the_hold_ends() -> None:
    ids = Ids()
    member = bought(friend(ids), HELD, "o-1", "40", 0, ids).member

    early = settle(member, HELD, T0 + 13 * DAY, ids)
    cleared = settle(member, HELD, T0 + 14 * DAY, ids)
    again = settle(cleared.member, HELD, T0 + 15 * DAY, ids)

    assert not early.entries
    assert cleared.cause is EntryKind.REFERRAL_REWARDED
    rewards = [e for e in cleared.entries if e.kind is EntryKind.REFERRAL_REWARDED]
    assert [e.points for e in rewards] == [250]
    assert cleared.member.balance == 40 + 250  # the purchase released, the reward spendable
    assert cleared.member.referral is not None
    assert cleared.member.referral.rewarded_at == T0 + 14 * DAY
    assert not [e for e in again.entries if e.kind is EntryKind.REFERRAL_REWARDED]


def test_without_a_hold_the_purchase_clears_at_once() -> None:
    ids = Ids()
    member = bought(friend(ids), NOW, "o-1", "40", 0, ids).member

    rewarded = settle(member, NOW, T0, ids)

    assert rewarded.cause is EntryKind.REFERRAL_REWARDED
    assert rewarded.member.balance == 290


def test_a_purchase_with_no_qualifying_points_does_not_count() -> None:
    ids = Ids()
    member = bought(friend(ids), HELD, "o-1", "0.50", 0, ids).member  # 0 points
    assert member.referral is not None and member.referral.order_id is None


def test_a_whole_return_before_clearing_lets_the_next_purchase_count() -> None:
    ids = Ids()
    first = bought(friend(ids), HELD, "o-1", "40", 0, ids)
    assert first.order is not None
    cmd = validate_return(ReturnPurchase("o-1", Decimal("40"), "r-1"), HELD)
    returned = return_purchase(first.member, first.order, cmd, HELD, T0 + DAY, ids).member
    again = bought(returned, HELD, "o-2", "30", 2, ids).member

    assert returned.referral is not None and returned.referral.order_id is None
    assert again.referral is not None and again.referral.order_id == "o-2"


def test_the_referrer_is_credited_under_one_key_and_entry_per_friend() -> None:
    ids = Ids()
    referrer = enrolled(ids, "ref@example.com")
    link = ReferralLink(referrer.id, "mbr-friend", "o-1", T0, T0)

    change = reward_referrer(referrer, link, NOW, T0, ids)

    assert change is not None
    assert change.entries[0].id == referrer_entry_id(link) == "ent_referral_mbr-friend"
    assert (change.cause, change.entries[0].points) == (EntryKind.REFERRAL_REWARDED, 500)
    assert change.member.balance == 500
    assert change.member.idempotency[-1].key == "referral:mbr-friend"
    assert reward_referrer(referrer, link, replace(NOW, referrals=None), T0, ids) is None


def test_the_referrals_section_is_read_and_checked() -> None:
    assert load_referrals({}) is None
    section = {"referrals": {"referrer_points": 500, "friend_points": 250, "qualifying": True}}
    assert load_referrals(section) == Referrals(500, 250, True)
    with pytest.raises(ValueError):
        load_referrals({"referrals": {"referrer_points": -1, "friend_points": 0}})


def test_a_merge_keeps_the_code_and_the_link() -> None:
    ids = Ids()
    survivor = replace(enrolled(ids, "a@example.com"), referral_code="AAAA-BBBB")
    duplicate = friend(ids)

    change = absorb(survivor, freeze(duplicate, survivor.id), NOW, T0, ids, None)

    assert change is not None
    assert change.member.referral_code == "AAAA-BBBB"
    assert change.member.referral == duplicate.referral
