"""Where a member can be reached, from the identifiers the identity spine already holds.

EMAIL needs an email address, SMS a phone number, PUSH an app device token; a WALLET pass is
issued for the loyalty card, so it needs a POS card (the pass's serial is the card number).
The newest identifier of a kind is the one used: a customer who adds a new phone wants it.
"""

from __future__ import annotations

from dataclasses import replace

from domain.identity import IdentifierKind
from domain.member import Member
from domain.messaging.consent import MessagingProfile
from domain.messaging.journeys import MessageChannel

ADDRESS_KIND: dict[MessageChannel, IdentifierKind] = {
    MessageChannel.EMAIL: IdentifierKind.EMAIL,
    MessageChannel.SMS: IdentifierKind.PHONE,
    MessageChannel.PUSH: IdentifierKind.APP_DEVICE,
    MessageChannel.WALLET: IdentifierKind.POS_CARD,
}


def address_on(member: Member, channel: MessageChannel) -> str | None:
    kind = ADDRESS_KIND[channel]
    found = [i.value for i in member.identifiers if i.kind is kind]
    return found[-1] if found else None


def reachable_channels(member: Member) -> frozenset[MessageChannel]:
    return frozenset(ch for ch in MessageChannel if address_on(member, ch) is not None)


def with_addresses(profile: MessagingProfile, member: Member) -> MessagingProfile:
    """The stored profile knows nothing of addresses: they live with the member, and so does
    the time zone (the profile's own is read only for a member whose zone was set before it
    moved onto the member)."""
    return replace(
        profile,
        reachable=reachable_channels(member),
        time_zone=member.time_zone or profile.time_zone,
    )


def channels_reaching(kinds: tuple[IdentifierKind, ...]) -> tuple[MessageChannel, ...]:
    """The channels whose address is an identifier of one of these kinds (a new one linked)."""
    return tuple(channel for channel, kind in ADDRESS_KIND.items() if kind in kinds)
