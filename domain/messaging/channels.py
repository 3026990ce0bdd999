"""Channel choice that learns from what each member does with their messages.

The model, per member and channel: the chance that a delivered message is engaged with
(opened or clicked) is Beta(alpha + engaged, beta + ignored), where Beta(alpha, beta) is the
program's prior for that channel (`[decisioning.engagement_prior]`) and engaged / ignored
count this member's messages. The estimate is its mean,

    (alpha + engaged) / (alpha + beta + engaged + ignored)

so a new member follows the prior, and their own behaviour takes over after about
alpha + beta messages. Each message counts once, at the furthest outcome it reached:
opened or clicked is a success, delivered but never opened a failure. Bounces and provider
failures say nothing about interest, only that the address is bad: they count against
reachability instead, and enough of them in a row close the channel until a delivery or a
new address. The mean (not a random draw) picks the channel, so a retried job decides the
same way; exploration comes from the prior and from fallbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from domain.messaging.consent import MessagingProfile
from domain.messaging.journeys import MessageChannel
from domain.messaging.policy import MessagingPolicy


class DeliveryOutcome(Enum):
    """The furthest one message got, as the provider's feedback reports it."""

    SENT = "SENT"  # accepted by the provider; nothing heard yet
    FAILED = "FAILED"  # provider error
    BOUNCED = "BOUNCED"  # address or device token rejected
    DELIVERED = "DELIVERED"
    OPENED = "OPENED"
    CLICKED = "CLICKED"


# Webhooks arrive out of order and more than once: a message only ever moves up this ladder.
_RANK = {
    DeliveryOutcome.SENT: 0,
    DeliveryOutcome.FAILED: 1,
    DeliveryOutcome.BOUNCED: 1,
    DeliveryOutcome.DELIVERED: 2,
    DeliveryOutcome.OPENED: 3,
    DeliveryOutcome.CLICKED: 4,
}
_ENGAGED = frozenset({DeliveryOutcome.OPENED, DeliveryOutcome.CLICKED})
_UNDELIVERABLE = frozenset({DeliveryOutcome.FAILED, DeliveryOutcome.BOUNCED})


@dataclass(frozen=True, slots=True)
class ChannelEngagement:
    """One member's history on one channel; the prior lives in the policy, not here, so a
    new prior in the program file applies to everyone at once."""

    channel: MessageChannel
    engaged: int = 0  # messages opened or clicked
    ignored: int = 0  # messages delivered and not (yet) opened
    failures_in_a_row: int = 0  # bounces and provider failures since the last delivery


def moves_up(before: DeliveryOutcome | None, after: DeliveryOutcome) -> bool:
    """Whether feedback `after` says more than `before` does; a repeat or a late, lesser
    event (a delivery report after the open) does not."""
    return before is None or _RANK[after] > _RANK[before]


def record_outcome(
    engagement: ChannelEngagement, before: DeliveryOutcome | None, after: DeliveryOutcome
) -> ChannelEngagement:
    """Move one message from outcome `before` (None: a new message) to `after`.

    A delivered message counts as ignored until its open arrives, which then moves it to
    engaged: the counts are right whichever feedback came last. A repeated or late event
    (an open after a click) changes nothing.
    """
    if not moves_up(before, after):
        return engagement
    engaged, ignored = engagement.engaged, engagement.ignored
    if before is DeliveryOutcome.DELIVERED:
        ignored -= 1
    elif before in _ENGAGED:
        engaged -= 1
    if after is DeliveryOutcome.DELIVERED:
        ignored += 1
    elif after in _ENGAGED:
        engaged += 1
    failures = 0
    if after in _UNDELIVERABLE:
        failures = engagement.failures_in_a_row + 1
    elif after is DeliveryOutcome.SENT:
        failures = engagement.failures_in_a_row
    return replace(engagement, engaged=engaged, ignored=ignored, failures_in_a_row=failures)


def address_changed(engagement: ChannelEngagement) -> ChannelEngagement:
    """A new email, phone or device token: past bounces no longer say anything."""
    return replace(engagement, failures_in_a_row=0)


def engagement_on(
    history: Sequence[ChannelEngagement], channel: MessageChannel
) -> ChannelEngagement:
    return next((e for e in history if e.channel is channel), ChannelEngagement(channel))


def estimate(engagement: ChannelEngagement, policy: MessagingPolicy) -> float:
    prior = policy.prior(engagement.channel)
    seen = engagement.engaged + engagement.ignored
    return (prior.alpha + engagement.engaged) / (prior.alpha + prior.beta + seen)


def still_reachable(engagement: ChannelEngagement, policy: MessagingPolicy) -> bool:
    return engagement.failures_in_a_row < policy.unreachable_after_failures


@dataclass(frozen=True, slots=True)
class ChannelScore:
    channel: MessageChannel
    estimate: float
    preferred: bool


def rank_channels(
    candidates: Sequence[MessageChannel],
    profile: MessagingProfile,
    history: Sequence[ChannelEngagement],
    policy: MessagingPolicy,
) -> tuple[ChannelScore, ...]:
    """Best first. What the member asked for comes before what we inferred (in the member's
    order), then the higher estimate; the program's fallback order breaks ties."""

    def key(indexed: tuple[int, ChannelScore]) -> tuple[int, float, int]:
        order, score = indexed
        wanted = (
            profile.preferred.index(score.channel) if score.preferred else len(profile.preferred)
        )
        return (wanted, -score.estimate, order)

    scores = [
        ChannelScore(ch, estimate(engagement_on(history, ch), policy), ch in profile.preferred)
        for ch in candidates
    ]
    return tuple(score for _, score in sorted(enumerate(scores), key=key))
