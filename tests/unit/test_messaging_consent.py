"""Consent and reachability: an opt-out is final, marketing needs an opt-in, no address no send."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput
from domain.messaging.caps import SentMessage
from domain.messaging.channels import ChannelEngagement
from domain.messaging.consent import Consent, member_zone, set_consent
from domain.messaging.decide import Outcome, SuppressReason
from domain.messaging.journeys import AtRisk, Intent, VoucherExpiring
from domain.time_zones import validate_time_zone
from tests.unit.messaging_support import (
    EMAIL,
    PUSH,
    SMS,
    decide_now,
    demo_policy,
    profile,
)
from tests.unit.support import T0, Ids, adjust, enrolled, redeem

LATER = T0 + timedelta(days=25)  # 5 days before the coffee voucher expires


def test_a_member_who_opted_out_of_sms_never_gets_sms() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    (voucher,) = member.rewards
    reminder = Intent(member.id, VoucherExpiring(voucher.id), LATER)
    # given SMS is this member's best channel by far, and the only one with room ...
    loves_sms = [ChannelEngagement(SMS, engaged=20), ChannelEngagement(PUSH, ignored=20)]
    email_full = [SentMessage(EMAIL, LATER - timedelta(hours=1))]
    opted_out = profile(member, EMAIL, PUSH, SMS, opted_out=(SMS,))
    # when the reminder is decided
    decision = decide_now(member, reminder, opted_out, LATER, email_full, loves_sms)
    # then it goes anywhere but SMS, and SMS is not even a fallback
    assert decision.outcome is Outcome.SEND
    assert decision.channel is PUSH
    assert SMS not in decision.fallbacks
    # and with SMS the only reachable channel, nothing is sent at all
    only_sms = profile(member, SMS, opted_out=(SMS,))
    nothing = decide_now(member, reminder, only_sms, LATER)
    assert (nothing.outcome, nothing.cause) == (Outcome.SUPPRESS, SuppressReason.NO_CHANNEL)


def test_the_same_member_reachable_by_sms_alone_gets_the_reminder_by_sms() -> None:
    # the control case for the test above: without the opt-out, SMS is used
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    reminder = Intent(member.id, VoucherExpiring(member.rewards[0].id), LATER)
    decision = decide_now(member, reminder, profile(member, SMS), LATER)
    assert (decision.outcome, decision.channel) == (Outcome.SEND, SMS)


def test_marketing_needs_an_explicit_opt_in_on_the_channel() -> None:
    member = enrolled(Ids())
    win_back = Intent(member.id, AtRisk(T0), T0)
    # given a member reachable by email and push who never answered the consent question
    never_asked = profile(member, EMAIL, PUSH)
    assert decide_now(member, win_back, never_asked, T0).cause is SuppressReason.NO_CHANNEL
    # when they opt in to push only, the win-back goes by push
    push_ok = profile(member, EMAIL, PUSH, opted_in=(PUSH,))
    decision = decide_now(member, win_back, push_ok, T0)
    assert (decision.outcome, decision.channel, decision.fallbacks) == (Outcome.SEND, PUSH, ())


def test_a_channel_without_an_address_is_never_chosen() -> None:
    member = enrolled(Ids())
    win_back = Intent(member.id, AtRisk(T0), T0)
    # given consent on email and push, but no device token for push
    who = profile(member, EMAIL, opted_in=(EMAIL, PUSH))
    decision = decide_now(member, win_back, who, T0)
    assert (decision.channel, decision.fallbacks) == (EMAIL, ())
    nowhere = profile(member, opted_in=(EMAIL, PUSH))
    assert "no address" in decide_now(member, win_back, nowhere, T0).detail


def test_setting_consent_replaces_the_previous_answer() -> None:
    who = profile(enrolled(Ids()), SMS, opted_in=(SMS,))
    who = set_consent(who, SMS, Consent.OPTED_OUT)
    assert who.consent(SMS) is Consent.OPTED_OUT
    assert who.consent(EMAIL) is Consent.UNKNOWN
    assert len(who.consents) == 1


def test_only_an_iana_zone_is_accepted_and_an_unknown_one_falls_back() -> None:
    assert validate_time_zone("America/New_York") == "America/New_York"
    with pytest.raises(InvalidInput):
        validate_time_zone("Mars/Olympus_Mons")
    member = enrolled(Ids())
    stale = profile(member, EMAIL, time_zone="Mars/Olympus_Mons")
    assert str(member_zone(stale, demo_policy())) == "Europe/Paris"
