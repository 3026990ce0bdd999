"""Which journeys a committed change starts, and the one win-back per inactive spell."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.events import CauseKind
from domain.messaging.churn import churn_risk
from domain.messaging.journeys import AtRisk, Enrolled, Journey, Purchased, TierReached
from domain.messaging.triggers import intents_on_change, win_back_intent
from tests.unit.messaging_support import demo_policy
from tests.unit.support import T0, Ids, buy, demo_program, enrolled

DAY = timedelta(days=1)


def test_enrolment_and_a_purchase_start_the_welcome_and_the_receipt() -> None:
    member = enrolled(Ids())
    program, policy = demo_program(), demo_policy()
    joined = intents_on_change(
        member, CauseKind.ENROLLED, "BRONZE", None, None, program, policy, T0
    )
    bought = intents_on_change(member, CauseKind.EARNED, "BRONZE", None, "o-1", program, policy, T0)
    assert [i.reason for i in joined] == [Enrolled()]
    assert [i.reason for i in bought] == [Purchased("o-1")]


def test_only_an_upgrade_is_celebrated() -> None:
    member = enrolled(Ids())
    program, policy = demo_program(), demo_policy()
    up = intents_on_change(member, CauseKind.EARNED, "SILVER", "BRONZE", "o-1", program, policy, T0)
    down = intents_on_change(
        member, CauseKind.TIER_CHANGED, "BRONZE", "SILVER", None, program, policy, T0
    )
    assert [i.reason for i in up] == [Purchased("o-1"), TierReached("SILVER")]
    assert down == ()


def test_a_journey_switched_off_raises_nothing() -> None:
    member = enrolled(Ids())
    policy = demo_policy()
    no_welcome = replace(
        policy, journeys=tuple(j for j in policy.journeys if j.journey is not Journey.WELCOME)
    )
    found = intents_on_change(
        member, CauseKind.ENROLLED, "BRONZE", None, None, demo_program(), no_welcome, T0
    )
    assert found == ()


def test_one_win_back_per_inactive_spell() -> None:
    # given a member whose last order was 100 days ago
    ids = Ids()
    member = buy(enrolled(ids), "o-1", "30", T0, ids).member
    policy = demo_policy()
    later, next_day = T0 + 100 * DAY, T0 + 101 * DAY
    # when the score is computed on two days
    first = win_back_intent(member, churn_risk(member, policy.churn, later), policy, later)
    second = win_back_intent(member, churn_risk(member, policy.churn, next_day), policy, next_day)
    # then both find the same message (keyed by the start of the spell)
    assert first is not None and second is not None
    assert first.reason == AtRisk(T0) and first.key == second.key
    # and a member who just ordered is not at risk
    fresh = churn_risk(member, policy.churn, T0 + DAY)
    assert win_back_intent(member, fresh, policy, T0 + DAY) is None
