"""Consent, preferences and reachability per channel: who may be told what, where.

An explicit opt-out always wins: a member who opted out of SMS never gets SMS, whatever the
journey. Marketing (win-back, offers) additionally needs an explicit opt-in; a service
message about something the member owns (a receipt, a voucher about to expire) only needs
the absence of an opt-out, as consent rules such as GDPR/ePrivacy treat the two differently.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.messaging.journeys import MessageChannel
from domain.messaging.policy import JourneyPolicy, MessagingPolicy


class Consent(Enum):
    OPTED_IN = "OPTED_IN"
    OPTED_OUT = "OPTED_OUT"
    UNKNOWN = "UNKNOWN"  # never asked


@dataclass(frozen=True, slots=True)
class MessagingProfile:
    """What the member told us about being contacted, and where we can reach them."""

    member_id: str
    consents: tuple[tuple[MessageChannel, Consent], ...] = ()
    time_zone: str | None = None  # IANA name, e.g. "Europe/Paris"; None: the program default
    preferred: tuple[MessageChannel, ...] = ()  # the member's own order, most wanted first
    # Channels with an address: an email, a phone able to take SMS, a device token, a pass.
    reachable: frozenset[MessageChannel] = frozenset()

    def consent(self, channel: MessageChannel) -> Consent:
        return next((c for ch, c in self.consents if ch is channel), Consent.UNKNOWN)


def set_consent(
    profile: MessagingProfile, channel: MessageChannel, consent: Consent
) -> MessagingProfile:
    kept = tuple((ch, c) for ch, c in profile.consents if ch is not channel)
    return replace(profile, consents=(*kept, (channel, consent)))


def may_contact(profile: MessagingProfile, channel: MessageChannel, journey: JourneyPolicy) -> bool:
    consent = profile.consent(channel)
    if consent is Consent.OPTED_OUT:
        return False
    return consent is Consent.OPTED_IN or not journey.marketing


def permitted_channels(
    profile: MessagingProfile, journey: JourneyPolicy
) -> tuple[MessageChannel, ...]:
    """The journey's channels the member consents to and has an address for, in policy order."""
    return tuple(
        ch
        for ch in journey.channels
        if ch in profile.reachable and may_contact(profile, ch, journey)
    )


def member_zone(profile: MessagingProfile, policy: MessagingPolicy) -> ZoneInfo:
    """The member's zone; an unknown or stale name falls back to the program's default rather
    than stopping the message (quiet hours are then approximate, never skipped)."""
    if profile.time_zone:
        try:
            return ZoneInfo(profile.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(policy.default_time_zone)
