"""Builders for the messaging tests: the demo policy, profiles, local times, one-call decide."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from domain.member import Member
from domain.messaging.caps import SentMessage
from domain.messaging.channels import ChannelEngagement
from domain.messaging.consent import Consent, MessagingProfile
from domain.messaging.decide import Decision, decide
from domain.messaging.journeys import Intent, MessageChannel
from domain.messaging.policy import MessagingPolicy
from domain.messaging.policy_file import load_messaging_policy
from tests.unit.support import PROGRAM_FILE, demo_program

EMAIL, SMS, PUSH, WALLET = (
    MessageChannel.EMAIL,
    MessageChannel.SMS,
    MessageChannel.PUSH,
    MessageChannel.WALLET,
)
PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def program_file() -> dict[str, object]:
    with PROGRAM_FILE.open("rb") as file:
        return tomllib.load(file)


@cache
def demo_policy() -> MessagingPolicy:
    return load_messaging_policy(program_file())


def profile(
    member: Member,
    *reachable: MessageChannel,
    time_zone: str | None = PARIS,
    preferred: tuple[MessageChannel, ...] = (),
    opted_in: tuple[MessageChannel, ...] = (),
    opted_out: tuple[MessageChannel, ...] = (),
) -> MessagingProfile:
    consents = tuple((ch, Consent.OPTED_IN) for ch in opted_in) + tuple(
        (ch, Consent.OPTED_OUT) for ch in opted_out
    )
    return MessagingProfile(member.id, consents, time_zone, preferred, frozenset(reachable))


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in `zone`, as the UTC instant the system works in."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def decide_now(
    member: Member,
    intent: Intent,
    who: MessagingProfile,
    now: datetime,
    recent: Sequence[SentMessage] = (),
    engagement: Sequence[ChannelEngagement] = (),
    policy: MessagingPolicy | None = None,
) -> Decision:
    policy = policy or demo_policy()
    return decide(member, policy, intent, who, recent, engagement, now, demo_program())
