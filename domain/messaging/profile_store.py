"""What decisioning needs to remember per member between messages: consent and preferences,
learned engagement per channel and recent sends (for the caps). The churn score is not kept:
it is computed from the member whenever it is needed, so it is never stale.
storage/ provides it (`storage.profiles.MongoProfileStore`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.messaging.caps import SentMessage
from domain.messaging.channels import ChannelEngagement, DeliveryOutcome
from domain.messaging.consent import Consent, MessagingProfile
from domain.messaging.journeys import MessageChannel


@dataclass(frozen=True, slots=True)
class MemberMessaging:
    profile: MessagingProfile  # `reachable` is empty here: it comes from the member's identifiers
    engagement: tuple[ChannelEngagement, ...]
    recent: tuple[SentMessage, ...]  # newest last


class ProfileStore(Protocol):
    async def get(self, member_id: str) -> MemberMessaging: ...

    async def set_consent(
        self, member_id: str, channel: MessageChannel, consent: Consent
    ) -> MemberMessaging: ...

    async def set_preferences(
        self,
        member_id: str,
        time_zone: str | None,
        preferred: tuple[MessageChannel, ...] | None,
    ) -> MemberMessaging:
        """Set what is given; None leaves a field as it is."""
        ...

    async def record_send(
        self, member_id: str, message_id: str, channel: MessageChannel, at: datetime
    ) -> None:
        """Count a send for the caps, once per message id however often it is recorded."""
        ...

    async def record_outcome(
        self,
        member_id: str,
        channel: MessageChannel,
        before: DeliveryOutcome | None,
        after: DeliveryOutcome,
    ) -> None: ...

    async def record_new_address(self, member_id: str, channel: MessageChannel) -> None:
        """A new address on this channel: its past bounces no longer count against it."""
        ...

    # The member's dispatch turn: one dispatch at a time decides and sends for a member, else
    # two could both read the caps before either's send is counted, and both send.

    async def take_dispatch_turn(
        self, member_id: str, token: str, now: datetime, until: datetime
    ) -> datetime | None:
        """Take the turn until `until` (a holder that dies lets it lapse then). None: taken.
        Else the time the holder's turn lapses; the holder has been asked to look again
        before it lets go, so what this dispatch came for is not left waiting."""
        ...

    async def keep_dispatch_turn(self, member_id: str, token: str, until: datetime) -> bool:
        """Hold the turn until `until`; False when it lapsed and another dispatch took it."""
        ...

    async def end_dispatch_turn(self, member_id: str, token: str, again_until: datetime) -> bool:
        """Let go of the turn. False when another dispatch asked for another look meanwhile:
        the turn is then kept (until `again_until`) for that look."""
        ...

    async def drop_dispatch_turn(self, member_id: str, token: str) -> None:
        """Let go of the turn whatever was asked (a dispatch that failed); the one that
        asked has a wake-up for when the turn would have lapsed."""
        ...
