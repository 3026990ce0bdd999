"""A member's messaging side as the surfaces see it: consent and channels (the app's settings
screen, the call center), and the app's home modules (onboarding, "we miss you")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from domain.member import Member as DomainMember
from domain.messaging import churn as churn_domain
from domain.messaging import consent as consent_domain
from domain.messaging.consent import Consent
from domain.messaging.journeys import MessageChannel
from domain.messaging.onboarding import OnboardingStep, onboarding
from domain.messaging.policy import ChurnSettings
from schema import enums  # noqa: F401  (registers the enums)


@strawberry.type
class ChannelConsent:
    channel: MessageChannel
    consent: Consent


@strawberry.type(description="What the member told us about being contacted, and where we can")
class MessagingProfile:
    consents: list[ChannelConsent] = strawberry.field(
        description="every channel, UNKNOWN where the member was never asked"
    )
    time_zone: str | None = strawberry.field(
        description="IANA name, e.g. Europe/Paris; null: the program's default zone"
    )
    preferred_channels: list[MessageChannel] = strawberry.field(
        description="the member's own order, most wanted first"
    )
    reachable_channels: list[MessageChannel] = strawberry.field(
        description="channels the member has an address for (email, phone, app, card)"
    )

    @classmethod
    def of(cls, profile: consent_domain.MessagingProfile) -> MessagingProfile:
        return cls(
            consents=[
                ChannelConsent(channel=ch, consent=profile.consent(ch)) for ch in MessageChannel
            ],
            time_zone=profile.time_zone,
            preferred_channels=list(profile.preferred),
            reachable_channels=[ch for ch in MessageChannel if ch in profile.reachable],
        )


@strawberry.type
class OnboardingStepState:
    step: OnboardingStep
    done: bool


@strawberry.type
class Onboarding:
    complete: bool
    steps: list[OnboardingStepState]


@strawberry.type(description="Recency, frequency and monetary risks (0..1), weighted to a score")
class ChurnRisk:
    score: float
    recency: float
    frequency: float
    monetary: float
    days_since_last_order: float
    orders_counted: int = strawberry.field(description="orders in the lookback window")
    spend_counted: Decimal = strawberry.field(description="net spend in the lookback window")
    at_risk: bool

    @classmethod
    def of(cls, risk: churn_domain.ChurnRisk) -> ChurnRisk:
        return cls(
            score=risk.score,
            recency=risk.recency,
            frequency=risk.frequency,
            monetary=risk.monetary,
            days_since_last_order=risk.days_since_last_order,
            orders_counted=risk.orders_counted,
            spend_counted=risk.spend_counted,
            at_risk=risk.at_risk,
        )


@strawberry.type(description="What the app's home screen shows beyond points and rewards")
class EngagementModules:
    onboarding: Onboarding
    we_miss_you: bool = strawberry.field(
        description="the member is at risk of leaving: show the win-back module"
    )
    risk: strawberry.Private[churn_domain.ChurnRisk]

    @strawberry.field(description="staff only: why `weMissYou` is what it is")
    def churn_risk(self, info: strawberry.Info[Any, Any]) -> ChurnRisk | None:
        # A profiling score is for staff explaining a message, not for the member's screen.
        info.context.require_messages_view()
        return ChurnRisk.of(self.risk)

    @classmethod
    def of(
        cls,
        member: DomainMember,
        profile: consent_domain.MessagingProfile,
        churn: ChurnSettings,
        now: datetime,
    ) -> EngagementModules:
        # Computed live with the worker's own rule, so the app and the win-back agree.
        risk = churn_domain.churn_risk(member, churn, now)
        steps = onboarding(member, profile)
        return cls(
            onboarding=Onboarding(
                complete=steps.complete,
                steps=[OnboardingStepState(step=s.step, done=s.done) for s in steps.steps],
            ),
            we_miss_you=risk.at_risk,
            risk=risk,
        )
