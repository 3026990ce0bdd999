"""Arbitration: several journeys want one member at once; one message goes out.
Demo priorities: tier upgrade 60 > welcome 50 > receipt 40 > reward reminder 30 >
points reminder 20 > win-back 10; win-back is dropped when outranked, the others merge."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.member import Member
from domain.messaging.arbitration import arbitrate
from domain.messaging.consent import MessagingProfile
from domain.messaging.decide import (
    Decision,
    DeferReason,
    Outcome,
    SuppressReason,
    decide_together,
)
from domain.messaging.journeys import (
    AtRisk,
    Enrolled,
    Intent,
    Journey,
    Purchased,
    TierReached,
    VoucherExpiring,
)
from domain.messaging.policy import MessagingPolicy, WhenOutranked
from tests.unit.messaging_support import (
    EMAIL,
    PARIS,
    PUSH,
    SMS,
    WALLET,
    demo_policy,
    local,
    profile,
)
from tests.unit.support import T0, Ids, adjust, buy, demo_program, enrolled, give_back, redeem


def upgraded_by_a_purchase() -> Member:
    """A member whose 1000 EUR order at T0 made them SILVER."""
    ids = Ids()
    return buy(enrolled(ids, now=T0 - timedelta(days=200)), "o1", "1000", T0, ids).member


def together(
    member: Member,
    who: MessagingProfile,
    *pending: Intent,
    now: datetime = T0,
    policy: MessagingPolicy | None = None,
) -> dict[Journey, Decision]:
    policy = policy or demo_policy()
    decisions = decide_together(member, policy, pending, who, (), (), now, demo_program())
    assert len({d.intent.journey for d in decisions}) == len(decisions)
    return {d.intent.journey: d for d in decisions}


def test_tier_upgrade_beats_receipt_beats_win_back() -> None:
    member = upgraded_by_a_purchase()
    receipt = Intent(member.id, Purchased("o1"), T0)
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    win_back = Intent(member.id, AtRisk(T0), T0)
    contest = arbitrate([win_back, receipt, upgrade], demo_policy())
    assert contest.winner == upgrade
    assert (contest.merged, contest.dropped) == ((receipt,), (win_back,))
    # without the upgrade, the receipt wins and the win-back is still dropped
    assert arbitrate([win_back, receipt], demo_policy()).winner == receipt


def test_one_message_carries_the_merged_receipt_and_the_win_back_is_dropped() -> None:
    member = upgraded_by_a_purchase()
    receipt = Intent(member.id, Purchased("o1"), T0)
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    win_back = Intent(member.id, AtRisk(T0), T0)
    who = profile(member, EMAIL, PUSH, WALLET, opted_in=(EMAIL, PUSH))
    decided = together(member, who, receipt, win_back, upgrade)
    sent = decided[Journey.TIER_UPGRADE]
    assert (sent.outcome, sent.channel, sent.merged) == (Outcome.SEND, EMAIL, (receipt,))
    # the receipt rides along, so the fallbacks are the channels a receipt may use too:
    # the tier upgrade alone could fall back to the wallet pass, not with a receipt on board
    assert sent.fallbacks == (PUSH,)
    merged = decided[Journey.PURCHASE_RECEIPT]
    assert (merged.outcome, merged.merged_into) == (Outcome.MERGE, upgrade.key)
    dropped = decided[Journey.WIN_BACK]
    assert (dropped.outcome, dropped.cause) == (Outcome.SUPPRESS, SuppressReason.OUTRANKED)
    assert sum(d.outcome is Outcome.SEND for d in decided.values()) == 1


def test_a_loser_is_not_lost_to_a_winner_that_cannot_be_sent() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    welcome = Intent(member.id, Enrolled(), T0)  # EMAIL or PUSH
    reminder = Intent(member.id, VoucherExpiring(member.rewards[0].id), T0)  # PUSH, EMAIL, SMS
    # given a member reachable by SMS only: the welcome (higher priority) has no channel
    decided = together(member, profile(member, SMS), welcome, reminder)
    assert decided[Journey.WELCOME].cause is SuppressReason.NO_CHANNEL
    # then the reminder competes again and goes out by SMS on its own
    alone = decided[Journey.REWARD_EXPIRY_REMINDER]
    assert (alone.outcome, alone.channel, alone.merged) == (Outcome.SEND, SMS, ())


def test_an_intent_whose_reason_is_gone_neither_wins_nor_merges() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    member = give_back(member, "o1", "40", T0, ids).member
    receipt = Intent(member.id, Purchased("o1", "40", "EUR", "40"), T0)
    win_back = Intent(member.id, AtRisk(T0), T0)
    decided = together(member, profile(member, EMAIL, opted_in=(EMAIL,)), receipt, win_back)
    assert decided[Journey.PURCHASE_RECEIPT].cause is SuppressReason.REASON_GONE
    assert decided[Journey.WIN_BACK].outcome is Outcome.SEND


def test_when_the_winner_waits_for_the_morning_everyone_waits_with_it() -> None:
    member = upgraded_by_a_purchase()
    night = local(PARIS, 2025, 1, 15, 23)
    receipt = Intent(member.id, Purchased("o1"), night)
    upgrade = Intent(member.id, TierReached("SILVER"), night)
    decided = together(member, profile(member, EMAIL, PUSH), receipt, upgrade, now=night)
    morning = local(PARIS, 2025, 1, 16, 8)
    for journey in (Journey.TIER_UPGRADE, Journey.PURCHASE_RECEIPT):
        waiting = decided[journey]
        assert (waiting.outcome, waiting.cause, waiting.until) == (
            Outcome.DEFER,
            DeferReason.QUIET_HOURS,
            morning,
        )


def test_an_intent_due_after_the_window_does_not_compete_yet() -> None:
    member = upgraded_by_a_purchase()
    receipt = Intent(member.id, Purchased("o1"), T0)
    upgrade_later = Intent(member.id, TierReached("SILVER"), T0 + timedelta(minutes=11))
    decided = together(member, profile(member, EMAIL), receipt, upgrade_later)
    alone = decided[Journey.PURCHASE_RECEIPT]
    assert (alone.outcome, alone.merged) == (Outcome.SEND, ())
    later = decided[Journey.TIER_UPGRADE]
    assert (later.outcome, later.cause) == (Outcome.DEFER, DeferReason.NOT_YET_DUE)
    # within the 10-minute window they compete, and the whole group waits for the winner
    soon = Intent(member.id, TierReached("SILVER"), T0 + timedelta(minutes=9))
    grouped = together(member, profile(member, EMAIL), receipt, soon)
    assert {d.until for d in grouped.values()} == {T0 + timedelta(minutes=9)}


def test_the_same_intent_twice_is_one_message() -> None:
    member = upgraded_by_a_purchase()
    receipt = Intent(member.id, Purchased("o1"), T0)
    again = Intent(member.id, Purchased("o1"), T0 + timedelta(minutes=1))
    now = T0 + timedelta(minutes=2)
    decisions = decide_together(
        member, demo_policy(), [receipt, again], profile(member, EMAIL), (), (), now, demo_program()
    )
    assert [(d.intent, d.outcome, d.channel) for d in decisions] == [(receipt, Outcome.SEND, EMAIL)]


def test_marketing_rides_along_only_where_the_member_opted_in_to_it() -> None:
    # given a program that merges an outranked win-back into the winning message
    demo = demo_policy()
    merging = replace(
        demo,
        journeys=tuple(
            replace(j, when_outranked=WhenOutranked.MERGE) if j.journey is Journey.WIN_BACK else j
            for j in demo.journeys
        ),
    )
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    receipt = Intent(member.id, Purchased("o1", "40", "EUR", "40"), T0)
    win_back = Intent(member.id, AtRisk(T0), T0)
    # when the receipt goes by email to a member who opted in to marketing email, it rides
    opted_in = profile(member, EMAIL, opted_in=(EMAIL,))
    yes = together(member, opted_in, receipt, win_back, policy=merging)
    assert yes[Journey.PURCHASE_RECEIPT].merged == (win_back,)
    assert yes[Journey.WIN_BACK].outcome is Outcome.MERGE
    # without the opt-in the receipt still goes, alone, and the win-back is dropped
    never_asked = profile(member, EMAIL)
    no = together(member, never_asked, receipt, win_back, policy=merging)
    assert (no[Journey.PURCHASE_RECEIPT].outcome, no[Journey.PURCHASE_RECEIPT].merged) == (
        Outcome.SEND,
        (),
    )
    dropped = no[Journey.WIN_BACK]
    assert (dropped.outcome, dropped.cause) == (Outcome.SUPPRESS, SuppressReason.OUTRANKED)
    assert dropped.detail == "outranked by PURCHASE_RECEIPT, and may not ride on EMAIL"
