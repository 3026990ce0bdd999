"""One message's life: PENDING → SENDING → SENT | FAILED | SUPPRESSED, as pure transitions.

Jobs are at-least-once, so the message id comes from the intent key: a job that runs twice
finds the same message instead of creating a second one, and the id that travels to the
provider (Message-ID, Idempotency-Key) is the same on every attempt. Other legal moves:
SENDING → PENDING when a channel failed and a retry or fallback remains, and
SENDING → SENDING when a worker resumes a message whose sender crashed mid-send.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from domain.messaging.channels import DeliveryOutcome
from domain.messaging.decide import DeferReason, SuppressReason
from domain.messaging.journeys import Intent, Journey, MessageChannel

TRIES_PER_CHANNEL = 2  # a transient failure is retried once on the same channel, then falls back
RETRY_AFTER = timedelta(minutes=1)


class MessageStatus(Enum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    SUPPRESSED = "SUPPRESSED"


FINAL = frozenset({MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.SUPPRESSED})


class AttemptOutcome(Enum):
    SENT = "SENT"
    TRANSIENT_FAILURE = "TRANSIENT_FAILURE"  # provider error, timeout: worth another try
    PERMANENT_FAILURE = "PERMANENT_FAILURE"  # bounce, no device token: this channel is done
    INTERRUPTED = "INTERRUPTED"  # the sender crashed; the provider may or may not have it


class IllegalTransition(Exception):
    """A move the state machine does not allow: a bug, or a worker that lost a race."""

    def __init__(self, message_id: str, status: MessageStatus, action: str) -> None:
        super().__init__(f"message {message_id} is {status.value}: cannot {action}")
        self.message_id = message_id
        self.status = status
        self.action = action


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Attempt:
    channel: MessageChannel
    started_at: datetime
    outcome: AttemptOutcome | None = None  # None while in flight
    detail: str = ""
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    intent: Intent  # member, journey, reason and key all come from it
    status: MessageStatus
    created_at: datetime
    updated_at: datetime
    not_before: datetime  # deferral: not sent before this time
    channel: MessageChannel | None = None  # the channel being (or next to be) tried
    fallbacks: tuple[MessageChannel, ...] = ()  # tried in order after `channel`
    attempts: tuple[Attempt, ...] = ()
    rendered: Rendered | None = None
    rendered_version: int | None = None  # member version the numbers were rendered at
    suppressed_reason: SuppressReason | None = None
    suppressed_detail: str | None = None
    provider_ref: str | None = None
    # The furthest the sent copy got, as provider feedback reports it (delivered, opened ...).
    delivery: DeliveryOutcome | None = None
    # Why it waits (quiet hours, a cap ...) while PENDING after a deferral.
    deferred_reason: DeferReason | None = None
    # The last decision in words, for staff: why it waits, or why this channel.
    decision: str | None = None

    @property
    def member_id(self) -> str:
        return self.intent.member_id

    @property
    def journey(self) -> Journey:
        return self.intent.journey

    @property
    def key(self) -> str:
        return self.intent.key


def message_id_for(intent: Intent) -> str:
    """Stable and opaque: the same intent key always gives the same id (no PII in headers)."""
    return "msg_" + hashlib.sha256(intent.key.encode()).hexdigest()[:32]


def new_message(
    intent: Intent,
    now: datetime,
    channel: MessageChannel | None = None,
    fallbacks: tuple[MessageChannel, ...] = (),
) -> Message:
    return Message(
        id=message_id_for(intent),
        intent=intent,
        status=MessageStatus.PENDING,
        created_at=now,
        updated_at=now,
        not_before=max(intent.due_at, now),
        channel=channel,
        fallbacks=tuple(ch for ch in fallbacks if ch != channel),
    )


def _require(message: Message, action: str, *allowed: MessageStatus) -> None:
    if message.status not in allowed:
        raise IllegalTransition(message.id, message.status, action)


def _given_up_on(message: Message) -> set[MessageChannel]:
    """Channels this message will not try again: a permanent failure, or TRIES_PER_CHANNEL
    transient ones (an interrupted attempt is not the channel's fault and does not count)."""
    failed: dict[MessageChannel, int] = {}
    for a in message.attempts:
        if a.outcome is AttemptOutcome.PERMANENT_FAILURE:
            failed[a.channel] = TRIES_PER_CHANNEL
        elif a.outcome is AttemptOutcome.TRANSIENT_FAILURE:
            failed[a.channel] = failed.get(a.channel, 0) + 1
    return {channel for channel, count in failed.items() if count >= TRIES_PER_CHANNEL}


def start_sending(
    message: Message,
    channel: MessageChannel,
    rendered: Rendered,
    version: int,
    now: datetime,
    fallbacks: tuple[MessageChannel, ...] | None = None,
    why: str | None = None,
) -> Message:
    """PENDING → SENDING on `channel`, recording the rendering and the member version.

    From SENDING this is the resume after a crash: same id, same channel, and the rendering
    stored by the first attempt (the receiver may already hold that copy and drops the repeat
    by id, so the resent one must not differ). `fallbacks`, when given, replaces the plan
    (a fresh decision); otherwise the planned fallbacks stay, minus `channel`.
    """
    _require(message, "start sending", MessageStatus.PENDING, MessageStatus.SENDING)
    if message.status is MessageStatus.SENDING:
        if channel is not message.channel:
            raise IllegalTransition(message.id, message.status, f"resume on {channel.value}")
        attempts = (*message.attempts[:-1], _closed(message.attempts[-1], "crashed", now))
        return replace(
            message,
            attempts=(*attempts, Attempt(channel, now)),
            updated_at=now,
        )
    if channel in _given_up_on(message):
        raise IllegalTransition(message.id, message.status, f"retry {channel.value}")
    planned = message.fallbacks if fallbacks is None else fallbacks
    return replace(
        message,
        status=MessageStatus.SENDING,
        channel=channel,
        fallbacks=tuple(ch for ch in planned if ch != channel),
        attempts=(*message.attempts, Attempt(channel, now)),
        rendered=rendered,
        rendered_version=version,
        updated_at=now,
        deferred_reason=None,
        decision=why or message.decision,
    )


def _closed(attempt: Attempt, detail: str, now: datetime) -> Attempt:
    return replace(attempt, outcome=AttemptOutcome.INTERRUPTED, detail=detail, ended_at=now)


def _finish(message: Message, outcome: AttemptOutcome, detail: str, now: datetime) -> Message:
    last = replace(message.attempts[-1], outcome=outcome, detail=detail, ended_at=now)
    return replace(message, attempts=(*message.attempts[:-1], last), updated_at=now)


def mark_sent(
    message: Message, provider_ref: str | None, now: datetime, detail: str = ""
) -> Message:
    """SENDING → SENT; the fallbacks are dropped, so no other channel repeats the message."""
    _require(message, "mark sent", MessageStatus.SENDING)
    sent = _finish(message, AttemptOutcome.SENT, detail, now)
    return replace(
        sent,
        status=MessageStatus.SENT,
        provider_ref=provider_ref,
        fallbacks=(),
        delivery=DeliveryOutcome.SENT,
    )


def mark_failed_attempt(message: Message, permanent: bool, detail: str, now: datetime) -> Message:
    """SENDING → PENDING on the same channel (transient, a try left, after RETRY_AFTER) or on
    the next fallback (at once); SENDING → FAILED when nothing is left to try."""
    _require(message, "record a failed attempt", MessageStatus.SENDING)
    outcome = AttemptOutcome.PERMANENT_FAILURE if permanent else AttemptOutcome.TRANSIENT_FAILURE
    failed = _finish(message, outcome, detail, now)
    channel = message.channel
    tries = sum(
        1
        for a in failed.attempts
        if a.channel is channel and a.outcome is not AttemptOutcome.INTERRUPTED
    )
    if not permanent and channel is not None and tries < TRIES_PER_CHANNEL:
        return replace(failed, status=MessageStatus.PENDING, not_before=now + RETRY_AFTER)
    done = _given_up_on(failed)
    remaining = tuple(ch for ch in failed.fallbacks if ch not in done)
    if not remaining:
        return replace(failed, status=MessageStatus.FAILED, fallbacks=())
    return replace(
        failed,
        status=MessageStatus.PENDING,
        channel=remaining[0],
        fallbacks=remaining[1:],
        not_before=now,
    )


def suppress(message: Message, reason: SuppressReason, detail: str, now: datetime) -> Message:
    """PENDING → SUPPRESSED. Not from SENDING: the provider may already hold the message, so
    a resumed send finishes instead (the receiver drops the repeat by id)."""
    _require(message, "suppress", MessageStatus.PENDING)
    return replace(
        message,
        status=MessageStatus.SUPPRESSED,
        suppressed_reason=reason,
        suppressed_detail=detail,
        updated_at=now,
    )


def defer(
    message: Message,
    until: datetime,
    now: datetime,
    reason: DeferReason | None = None,
    detail: str | None = None,
) -> Message:
    """PENDING → PENDING, not before `until` (quiet hours, caps, not yet due)."""
    _require(message, "defer", MessageStatus.PENDING)
    return replace(
        message,
        not_before=until,
        updated_at=now,
        deferred_reason=reason,
        decision=detail or message.decision,
    )


def give_up(message: Message, now: datetime) -> Message:
    """PENDING → FAILED: every channel still allowed has already failed for good (the
    attempts say how)."""
    _require(message, "give up", MessageStatus.PENDING)
    return replace(message, status=MessageStatus.FAILED, fallbacks=(), updated_at=now)


def channels_left(
    message: Message, wanted: tuple[MessageChannel, ...]
) -> tuple[MessageChannel, ...]:
    """`wanted` (a fresh decision's channel then fallbacks) minus the channels this message
    already failed on for good: a bounced address, or a provider that failed every try, is
    not tried again for the same message."""
    done = _given_up_on(message)
    return tuple(ch for ch in wanted if ch not in done)


def in_flight(message: Message, now: datetime, lease: timedelta) -> bool:
    """A SENDING message whose sender may still be at work: its attempt began within `lease`.
    After that the sender is presumed dead and another worker resumes the send."""
    return (
        message.status is MessageStatus.SENDING
        and bool(message.attempts)
        and message.attempts[-1].started_at > now - lease
    )
