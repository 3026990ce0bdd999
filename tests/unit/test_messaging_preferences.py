"""Checking consent and preferences before they are stored, and the onboarding steps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import InvalidInput
from domain.identity import Identifier, IdentifierKind
from domain.member_profile import checked_time_zone
from domain.messaging.consent import Consent, MessagingProfile
from domain.messaging.onboarding import OnboardingStep, onboarding
from domain.messaging.preferences import checked_consent, checked_preferred
from tests.unit.messaging_support import EMAIL, PUSH, SMS
from tests.unit.support import T0, Ids, buy, enrolled


def test_only_an_answer_is_a_consent() -> None:
    assert checked_consent(Consent.OPTED_OUT) is Consent.OPTED_OUT
    with pytest.raises(InvalidInput) as refused:
        checked_consent(Consent.UNKNOWN)
    assert refused.value.field == "consent"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "   ", "Europe/" * 50, "a\x00b"])
def test_only_a_known_time_zone_is_kept(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_time_zone(name)
    assert refused.value.field == "timeZone"


def test_time_zones_and_channel_orders_that_pass() -> None:
    assert checked_time_zone(" America/New_York ") == "America/New_York"
    assert checked_time_zone(None) is None
    assert checked_preferred((PUSH, EMAIL)) == (PUSH, EMAIL)
    assert checked_preferred(()) == ()
    with pytest.raises(InvalidInput):
        checked_preferred((SMS, EMAIL, SMS))


def test_onboarding_steps_follow_the_member() -> None:
    ids = Ids()
    # given a member who joined with an email address
    member = enrolled(ids)
    nothing_yet = MessagingProfile(member.id)
    # when they add the app, answer on consent and buy
    with_app = replace(
        member,
        identifiers=(*member.identifiers, Identifier(IdentifierKind.APP_DEVICE, "device-1")),
    )
    bought = buy(with_app, "o1", "10", T0, ids).member
    answered = MessagingProfile(member.id, consents=((SMS, Consent.OPTED_OUT),))
    # then each step turns done, and all of them complete onboarding
    start = onboarding(member, nothing_yet)
    assert [(s.step, s.done) for s in start.steps] == [
        (OnboardingStep.ADD_CONTACT, True),
        (OnboardingStep.INSTALL_APP, False),
        (OnboardingStep.SET_PREFERENCES, False),
        (OnboardingStep.FIRST_PURCHASE, False),
    ]
    assert not start.complete
    assert onboarding(bought, answered).complete
    preferred_only = MessagingProfile(member.id, preferred=(PUSH,))
    assert onboarding(bought, preferred_only).complete
