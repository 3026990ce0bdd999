"""Channel choice learns (Beta model, demo priors EMAIL 3/7, PUSH 2/8, SMS 2/8, WALLET 1/9),
and the fallbacks are the other usable channels, best first."""

from __future__ import annotations

import pytest

from domain.messaging.channels import (
    ChannelEngagement,
    DeliveryOutcome,
    address_changed,
    estimate,
    record_outcome,
)
from domain.messaging.decide import Outcome
from domain.messaging.journeys import Intent, TierReached, VoucherExpiring
from tests.unit.messaging_support import (
    EMAIL,
    PUSH,
    SMS,
    WALLET,
    decide_now,
    demo_policy,
    profile,
)
from tests.unit.support import T0, Ids, adjust, buy, enrolled, redeem

DELIVERED, OPENED, CLICKED = (
    DeliveryOutcome.DELIVERED,
    DeliveryOutcome.OPENED,
    DeliveryOutcome.CLICKED,
)


def feedback(engagement: ChannelEngagement, *outcomes: DeliveryOutcome) -> ChannelEngagement:
    """One message per outcome, each reported as it reached that outcome from SENT."""
    for outcome in outcomes:
        engagement = record_outcome(engagement, None, DeliveryOutcome.SENT)
        engagement = record_outcome(engagement, DeliveryOutcome.SENT, outcome)
    return engagement


def test_a_member_who_opens_push_but_ignores_email_gets_push() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    who = profile(member, EMAIL, PUSH)
    # given 4 pushes opened and 4 emails delivered and never opened
    learned = [
        feedback(ChannelEngagement(PUSH), OPENED, OPENED, CLICKED, OPENED),
        feedback(ChannelEngagement(EMAIL), DELIVERED, DELIVERED, DELIVERED, DELIVERED),
    ]
    # then push (6/14) beats email (3/14), and email is the fallback
    decision = decide_now(member, upgrade, who, T0, engagement=learned)
    assert (decision.outcome, decision.channel, decision.fallbacks) == (
        Outcome.SEND,
        PUSH,
        (EMAIL,),
    )
    assert decision.detail == "PUSH: engagement 0.43"


def test_a_new_member_follows_the_prior() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    # the tier upgrade lists PUSH, EMAIL, WALLET; with no history the priors decide
    decision = decide_now(member, upgrade, profile(member, EMAIL, PUSH, WALLET), T0)
    assert (decision.channel, decision.fallbacks) == (EMAIL, (PUSH, WALLET))


def test_the_programs_order_breaks_a_tie() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    reminder = Intent(member.id, VoucherExpiring(member.rewards[0].id), T0)
    # PUSH and SMS share the prior 2/8; the reminder lists PUSH, EMAIL, SMS
    decision = decide_now(member, reminder, profile(member, SMS, PUSH), T0)
    assert (decision.channel, decision.fallbacks) == (PUSH, (SMS,))


def test_what_the_member_asked_for_comes_before_what_we_learned() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    # given a member who prefers the wallet pass, then email, though they open pushes
    who = profile(member, EMAIL, PUSH, WALLET, preferred=(WALLET, EMAIL))
    learned = [feedback(ChannelEngagement(PUSH), OPENED, OPENED, OPENED)]
    decision = decide_now(member, upgrade, who, T0, engagement=learned)
    assert (decision.channel, decision.fallbacks) == (WALLET, (EMAIL, PUSH))
    assert decision.detail == "WALLET: preferred"


def test_bounces_in_a_row_close_a_channel_until_a_delivery_or_a_new_address() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "1000", T0, ids).member
    upgrade = Intent(member.id, TierReached("SILVER"), T0)
    who = profile(member, EMAIL, PUSH)
    # given 3 bounced emails in a row (the demo closes a channel after 3)
    bouncing = feedback(ChannelEngagement(EMAIL), DELIVERED, *[DeliveryOutcome.BOUNCED] * 3)
    assert bouncing.failures_in_a_row == 3
    decision = decide_now(member, upgrade, who, T0, engagement=[bouncing])
    assert (decision.channel, decision.fallbacks) == (PUSH, ())
    # two bounces are not enough, and a delivery or a new address resets the count
    two = feedback(ChannelEngagement(EMAIL), *[DeliveryOutcome.BOUNCED] * 2)
    assert decide_now(member, upgrade, who, T0, engagement=[two]).channel is EMAIL
    assert feedback(bouncing, DELIVERED).failures_in_a_row == 0
    assert address_changed(bouncing).failures_in_a_row == 0


def test_each_message_counts_once_whatever_order_the_feedback_arrives_in() -> None:
    start = ChannelEngagement(EMAIL)
    sent = record_outcome(start, None, DeliveryOutcome.SENT)
    # delivered, then opened, then clicked: one engaged message, not an ignored one too
    opened = record_outcome(
        record_outcome(sent, DeliveryOutcome.SENT, DELIVERED), DELIVERED, OPENED
    )
    clicked = record_outcome(opened, OPENED, CLICKED)
    assert (clicked.engaged, clicked.ignored) == (1, 0)
    # a late "delivered" or a repeated "opened" after the click changes nothing
    assert record_outcome(clicked, CLICKED, DELIVERED) == clicked
    assert record_outcome(clicked, CLICKED, OPENED) == clicked


def test_the_estimate_is_the_posterior_mean() -> None:
    policy = demo_policy()
    assert estimate(ChannelEngagement(EMAIL), policy) == pytest.approx(0.3)
    # 2 opened and 8 ignored on top of Beta(3, 7): 5 / 20
    seen = ChannelEngagement(EMAIL, engaged=2, ignored=8)
    assert estimate(seen, policy) == pytest.approx(0.25)


def test_a_send_alone_moves_no_count() -> None:
    # The dispatcher relies on it: it records a send for the caps only, not as engagement.
    for engagement in (ChannelEngagement(EMAIL), ChannelEngagement(EMAIL, 3, 4, 2)):
        assert record_outcome(engagement, None, DeliveryOutcome.SENT) == engagement
