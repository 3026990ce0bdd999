"""Changing what a member told us about being contacted: consent per channel, their time
zone and the channels they prefer. Every value is checked before anything is written, so a
bad request changes nothing.

The profile returned carries the channels the member can be reached on (from their
identifiers), so a screen showing consent can also show where messages would go.
"""

from __future__ import annotations

from domain.channel import Channel
from domain.commands import MemberRef
from domain.errors import InvalidInput
from domain.handlers import update_member_profile
from domain.handlers.members import resolve
from domain.member_profile import UpdateMemberProfile, checked_time_zone
from domain.messaging.addresses import with_addresses
from domain.messaging.consent import Consent, MessagingProfile
from domain.messaging.journeys import MessageChannel
from domain.messaging.profile_store import ProfileStore
from domain.ports import Ports


def checked_consent(consent: Consent) -> Consent:
    if consent is Consent.UNKNOWN:
        # UNKNOWN means "never asked"; an answer once given is changed, not forgotten.
        raise InvalidInput("consent", "OPTED_IN or OPTED_OUT; UNKNOWN only means never asked")
    return consent


def checked_preferred(
    channels: tuple[MessageChannel, ...] | None,
) -> tuple[MessageChannel, ...] | None:
    """The member's order of channels; empty clears it. With each channel at most once there
    are at most as many as channels exist."""
    if channels is not None and len(set(channels)) != len(channels):
        raise InvalidInput("preferredChannels", "name each channel at most once")
    return channels


async def set_consent(
    ports: Ports,
    profiles: ProfileStore,
    ref: MemberRef,
    channel: MessageChannel,
    consent: Consent,
) -> MessagingProfile:
    consent = checked_consent(consent)
    member = await resolve(ports, ref)
    stored = await profiles.set_consent(member.id, channel, consent)
    return with_addresses(stored.profile, member)


async def set_preferences(
    ports: Ports,
    profiles: ProfileStore,
    ref: MemberRef,
    time_zone: str | None,
    preferred: tuple[MessageChannel, ...] | None,
    channel: Channel = Channel.CALL_CENTER,
) -> MessagingProfile:
    """Set what is given; None leaves a field as it is. The time zone is the member's (one
    zone for campaigns and messages alike): it is written on the member, not the profile."""
    time_zone = checked_time_zone(time_zone)
    preferred = checked_preferred(preferred)
    member = await resolve(ports, ref)
    if time_zone is not None:
        change = UpdateMemberProfile(ref, time_zone=time_zone, channel=channel)
        member = await update_member_profile.handle(change, ports)
    stored = await profiles.set_preferences(member.id, None, preferred)
    return with_addresses(stored.profile, member)
