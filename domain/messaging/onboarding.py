"""The app's onboarding module: the first steps that make the program work for a member,
each done or not, computed from the member and their messaging profile (nothing stored).

A contact address lets the welcome and receipts reach them, the app brings push and the card
in the pocket, an answer on consent lets us send what they want, and the first purchase is
when the program starts paying back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from domain.identity import IdentifierKind
from domain.member import Member
from domain.messaging.consent import Consent, MessagingProfile


class OnboardingStep(Enum):
    ADD_CONTACT = "ADD_CONTACT"  # an email address or a phone number
    INSTALL_APP = "INSTALL_APP"  # an app device registered to the member
    SET_PREFERENCES = "SET_PREFERENCES"  # consent answered on a channel, or channels ordered
    FIRST_PURCHASE = "FIRST_PURCHASE"


@dataclass(frozen=True, slots=True)
class StepState:
    step: OnboardingStep
    done: bool


@dataclass(frozen=True, slots=True)
class Onboarding:
    steps: tuple[StepState, ...]  # in the order the app shows them

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.steps)


_CONTACT_KINDS = frozenset({IdentifierKind.EMAIL, IdentifierKind.PHONE})


def onboarding(member: Member, profile: MessagingProfile) -> Onboarding:
    kinds = {i.kind for i in member.identifiers}
    answered = any(c is not Consent.UNKNOWN for _, c in profile.consents)
    done = {
        OnboardingStep.ADD_CONTACT: bool(kinds & _CONTACT_KINDS),
        OnboardingStep.INSTALL_APP: IdentifierKind.APP_DEVICE in kinds,
        OnboardingStep.SET_PREFERENCES: answered or bool(profile.preferred),
        OnboardingStep.FIRST_PURCHASE: bool(member.activity),
    }
    return Onboarding(tuple(StepState(step, done[step]) for step in OnboardingStep))
