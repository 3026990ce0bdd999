"""The decision every message passes: send on a channel (with fallbacks), defer, or suppress.

Checks run in this order, each with a reason the staff view can show:
1. the journey is on in the program file                     else SUPPRESS JOURNEY_OFF
2. the reason still holds on the member as read now          else SUPPRESS REASON_GONE
3. it is due                                                 else DEFER NOT_YET_DUE
4. a channel is allowed, consented, reachable, not bouncing  else SUPPRESS NO_CHANNEL
5. it is not the member's quiet hours                        else DEFER QUIET_HOURS
6. a channel has room under the frequency caps               else DEFER or SUPPRESS (policy)
Any deferral that would land after the message stops being worth sending (the journey's
max delay, a reminder's deadline) is SUPPRESS TOO_LATE instead. The same inputs always give
the same decision, so a retried job decides as the first run did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from domain.member import Member
from domain.messaging.arbitration import arbitrate, competing
from domain.messaging.caps import SentMessage, check_caps
from domain.messaging.channels import (
    ChannelEngagement,
    engagement_on,
    rank_channels,
    still_reachable,
)
from domain.messaging.consent import MessagingProfile, member_zone, permitted_channels
from domain.messaging.journeys import Intent, MessageChannel
from domain.messaging.policy import MessagingPolicy, WhenCapped
from domain.messaging.quiet_hours import next_sendable, quiet_until
from domain.messaging.reasons import send_by, why_not
from domain.program import Program


class Outcome(Enum):
    SEND = "SEND"
    DEFER = "DEFER"
    SUPPRESS = "SUPPRESS"
    MERGE = "MERGE"  # only from `decide_together`: carried by another intent's message


class DeferReason(Enum):
    NOT_YET_DUE = "NOT_YET_DUE"
    QUIET_HOURS = "QUIET_HOURS"
    FREQUENCY_CAP = "FREQUENCY_CAP"


class SuppressReason(Enum):
    JOURNEY_OFF = "JOURNEY_OFF"
    REASON_GONE = "REASON_GONE"
    NO_CHANNEL = "NO_CHANNEL"
    CAPPED = "CAPPED"
    TOO_LATE = "TOO_LATE"
    OUTRANKED = "OUTRANKED"
    MERGED = "MERGED"  # its content went out inside a higher-priority message


@dataclass(frozen=True, slots=True)
class Decision:
    intent: Intent
    outcome: Outcome
    channel: MessageChannel | None = None  # SEND
    fallbacks: tuple[MessageChannel, ...] = ()  # SEND: tried in order if the channel fails
    until: datetime | None = None  # DEFER: decide again at this time
    cause: DeferReason | SuppressReason | None = None  # DEFER, SUPPRESS
    detail: str = ""  # for people: why this channel, which cap, what changed
    merged: tuple[Intent, ...] = ()  # SEND: intents whose content this message carries
    merged_into: str | None = None  # MERGE: the key of the message that carries this one


def _suppress(intent: Intent, cause: SuppressReason, detail: str) -> Decision:
    return Decision(intent, Outcome.SUPPRESS, cause=cause, detail=detail)


def _defer(
    intent: Intent, until: datetime, cause: DeferReason, detail: str, latest: datetime | None
) -> Decision:
    if latest is not None and until > latest:
        late = f"{detail}; would go at {until:%Y-%m-%d %H:%M} UTC, after {latest:%Y-%m-%d %H:%M}"
        return _suppress(intent, SuppressReason.TOO_LATE, late)
    return Decision(intent, Outcome.DEFER, until=until, cause=cause, detail=detail)


def decide(
    member: Member,
    policy: MessagingPolicy,
    intent: Intent,
    profile: MessagingProfile,
    recent: Sequence[SentMessage],
    engagement: Sequence[ChannelEngagement],
    now: datetime,
    program: Program,
) -> Decision:
    """Decide one message. `recent` is what the member was sent in the last week (any
    journey), `engagement` their history per channel (missing channels: no history)."""
    journey = policy.journey(intent.journey)
    if journey is None:
        return _suppress(intent, SuppressReason.JOURNEY_OFF, f"{intent.journey.name} is off")
    gone = why_not(intent, member, now, program)
    if gone is not None:
        return _suppress(intent, SuppressReason.REASON_GONE, gone)
    if intent.due_at > now:
        return Decision(intent, Outcome.DEFER, until=intent.due_at, cause=DeferReason.NOT_YET_DUE)
    latest = send_by(intent, member, journey)
    if latest is not None and now > latest:
        return _suppress(intent, SuppressReason.TOO_LATE, f"worth sending until {latest}")

    candidates = [
        ch
        for ch in permitted_channels(profile, journey)
        if still_reachable(engagement_on(engagement, ch), policy)
    ]
    if not candidates:
        return _suppress(intent, SuppressReason.NO_CHANNEL, _no_channel(profile, journey.channels))

    zone = member_zone(profile, policy)
    night_ends = quiet_until(policy.quiet_hours, zone, now)
    if night_ends is not None:
        return _defer(intent, night_ends, DeferReason.QUIET_HOURS, f"quiet hours in {zone}", latest)

    ranked = rank_channels(candidates, profile, engagement, policy)
    checks = [(score, check_caps(policy.caps, score.channel, recent, now)) for score in ranked]
    with_room = [score for score, check in checks if check.binding is None]
    if with_room:
        best = with_room[0]
        why = "preferred" if best.preferred else f"engagement {best.estimate:.2f}"
        return Decision(
            intent,
            Outcome.SEND,
            channel=best.channel,
            fallbacks=tuple(s.channel for s in with_room[1:]),
            detail=f"{best.channel.value}: {why}",
        )
    # Every channel is capped; the soonest one to have room decides when to try again.
    _, soonest = min(checks, key=lambda pair: pair[1].free_at)
    capped = f"cap reached: {soonest.binding}"
    if journey.when_capped is WhenCapped.SUPPRESS:
        return _suppress(intent, SuppressReason.CAPPED, capped)
    # The cap may free up in the middle of the night: then wait for the morning too.
    until = next_sendable(policy.quiet_hours, zone, soonest.free_at)
    return _defer(intent, until, DeferReason.FREQUENCY_CAP, capped, latest)


def _no_channel(profile: MessagingProfile, allowed: Sequence[MessageChannel]) -> str:
    names = ", ".join(ch.value for ch in allowed)
    if not any(ch in profile.reachable for ch in allowed):
        return f"no address on any allowed channel ({names})"
    return f"no consented, reachable channel among {names}"


def decide_together(
    member: Member,
    policy: MessagingPolicy,
    pending: Sequence[Intent],
    profile: MessagingProfile,
    recent: Sequence[SentMessage],
    engagement: Sequence[ChannelEngagement],
    now: datetime,
    program: Program,
) -> tuple[Decision, ...]:
    """Decide every intent pending for one member at `now`: one message at most goes out.

    A loser is merged or dropped only in favour of a message that is actually sent; if the
    winner is suppressed the rest compete again, and if it is deferred they all wait with it
    and compete again then (the state may have changed by then). Intents due after the
    arbitration window are not decided here: they get DEFER NOT_YET_DUE.
    """
    decisions: list[Decision] = []
    now_competing = competing(pending, policy, now)
    keys = {c.key for c in now_competing}  # same key, same message: one decision serves both
    decisions.extend(
        Decision(i, Outcome.DEFER, until=i.due_at, cause=DeferReason.NOT_YET_DUE)
        for i in pending
        if i.key not in keys
    )
    live: list[Intent] = []
    for intent in now_competing:
        if (
            policy.journey(intent.journey) is None
            or why_not(intent, member, now, program) is not None
        ):
            # Off or gone: it must neither win nor be merged or dropped as outranked.
            decisions.append(
                decide(member, policy, intent, profile, recent, engagement, now, program)
            )
        else:
            live.append(intent)

    while live:
        contest = arbitrate(live, policy)
        winner = contest.winner
        result = decide(member, policy, winner, profile, recent, engagement, now, program)
        others = [i for i in live if i != winner]
        if result.outcome is Outcome.SUPPRESS:
            decisions.append(result)
            live = others
            continue
        if result.outcome is Outcome.DEFER:
            assert result.until is not None and isinstance(result.cause, DeferReason)
            decisions.append(result)
            decisions.extend(
                Decision(
                    i,
                    Outcome.DEFER,
                    until=result.until,
                    cause=result.cause,
                    detail=f"waits with {winner.key}",
                )
                for i in others
            )
        else:
            decisions.extend(_carry(result, contest.merged, contest.dropped, profile, policy))
        break
    return tuple(decisions)


def _carry(
    sent: Decision,
    merged: Sequence[Intent],
    dropped: Sequence[Intent],
    profile: MessagingProfile,
    policy: MessagingPolicy,
) -> list[Decision]:
    """The winner's message with what rides along, and the losers' decisions.

    Content may only ride on a channel its own journey allows and the member consented to
    for it (win-back marketing never rides on a receipt to someone who did not opt in): a
    loser that cannot go on the winner's channel is dropped, and the winner's fallbacks
    shrink to the channels every merged part may use.
    """
    riding: list[Intent] = []
    outcomes: list[Decision] = []
    by = sent.intent.journey.name
    for loser in merged:
        journey = policy.journey(loser.journey)
        allowed = permitted_channels(profile, journey) if journey else ()
        if sent.channel in allowed:
            riding.append(loser)
            outcomes.append(Decision(loser, Outcome.MERGE, merged_into=sent.intent.key))
        else:
            channel = sent.channel.value if sent.channel else "?"
            why = f"outranked by {by}, and may not ride on {channel}"
            outcomes.append(_suppress(loser, SuppressReason.OUTRANKED, why))
    outcomes.extend(
        _suppress(loser, SuppressReason.OUTRANKED, f"outranked by {by}") for loser in dropped
    )
    usable = [
        set(permitted_channels(profile, j))
        for j in (policy.journey(i.journey) for i in riding)
        if j is not None
    ]
    fallbacks = tuple(ch for ch in sent.fallbacks if all(ch in ok for ok in usable))
    return [replace(sent, merged=tuple(riding), fallbacks=fallbacks), *outcomes]
