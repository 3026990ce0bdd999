"""The dispatch job: decide every message pending for one member, then execute the decision.

Executing is all a worker does: the rules are `decide_together` (arbitration, consent,
quiet hours, caps, learned channel) and the message state machine. Right before sending the
member is read again (with what time changed settled), so a message whose reason is gone
(voucher used in store, order returned) is suppressed instead of sent.

At-least-once safety: the message id comes from the intent, a send starts with a
compare-and-set claim (PENDING → SENDING) that one worker wins, and a SENDING message whose
sender died (older than the send lease) is resumed with the same id and rendering, so the
receiver can drop the repeat.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.commands import MemberRef
from domain.errors import MemberNotFound
from domain.handlers.members import current
from domain.member import Member
from domain.messaging.addresses import address_on, with_addresses
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.consent import member_zone
from domain.messaging.decide import (
    Decision,
    DeferReason,
    Outcome,
    SuppressReason,
    decide_together,
)
from domain.messaging.message import (
    Message,
    MessageStatus,
    channels_left,
    defer,
    give_up,
    in_flight,
    mark_failed_attempt,
    mark_sent,
    start_sending,
    suppress,
)
from domain.messaging.reasons import why_not
from workers.context import Messaging
from workers.job_metrics import count_message
from workers.providers.base import OutgoingMessage

log = logging.getLogger(__name__)

DISPATCH = "dispatch_member"
MAX_ROUNDS = 8  # fallbacks go at once, each in a new round; more channels than this do not exist
# Messages waiting for later that each dispatch checks for a reason gone (`_drop_gone`), the
# soonest first. Any beyond are checked when due, as every message is right before it goes.
WAITING_CHECKED = 10


def dispatch_job_id(member_id: str, at: datetime | None) -> str:
    """A wake-up for later is one job per member and time: the messages deferred to the same
    morning share it. A wake-up for now is always queued: deduplicating it against a job
    already running could lose the message that job has not read."""
    if at is None:
        return f"dispatch:{member_id}:now:{secrets.token_hex(6)}"
    return f"dispatch:{member_id}:{int(at.timestamp() * 1000)}"


async def schedule_dispatch(
    messaging: Messaging, member_id: str, at: datetime | None = None
) -> None:
    await messaging.queue.enqueue(
        DISPATCH, job_id=dispatch_job_id(member_id, at), at=at, member_id=member_id
    )


async def _save(messaging: Messaging, message: Message, previous: Message) -> bool:
    """Record an outcome (compare-and-set on `previous`); counted once it is stored."""
    if not await messaging.messages.save(message, previous):
        return False
    count_message(message, previous)
    return True


async def dispatch_member(messaging: Messaging, *, member_id: str) -> None:
    """Decide and send in the member's dispatch turn. Without it two jobs for one member (a
    welcome and, a moment later, a tier upgrade) would both read the caps before either's
    send was counted, and both send. A job that finds the turn held asks its holder to look
    again, and keeps a wake-up for when the turn would lapse, in case the holder dies."""
    profiles, token = messaging.profiles, secrets.token_hex(8)
    held_until = await profiles.take_dispatch_turn(
        member_id, token, messaging.clock.now(), _turn_end(messaging)
    )
    if held_until is not None:
        await schedule_dispatch(messaging, member_id, held_until)
        return
    try:
        await _rounds(messaging, member_id, token)
        while not await profiles.end_dispatch_turn(member_id, token, _turn_end(messaging)):
            await _rounds(messaging, member_id, token)
    except BaseException:
        await profiles.drop_dispatch_turn(member_id, token)
        raise


def _turn_end(messaging: Messaging) -> datetime:
    return messaging.clock.now() + messaging.send_lease  # a round sends one message at most


async def _rounds(messaging: Messaging, member_id: str, token: str) -> None:
    for round_number in range(MAX_ROUNDS):
        if round_number and not await messaging.profiles.keep_dispatch_turn(
            member_id, token, _turn_end(messaging)
        ):
            return  # the turn lapsed and another dispatch took it: it goes on from here
        if not await _round(messaging, member_id):
            return


async def _round(messaging: Messaging, member_id: str) -> bool:
    """One pass over the member's open messages; True when a fallback is due at once."""
    now = messaging.clock.now()
    open_messages = await messaging.messages.open_for(member_id, now, WAITING_CHECKED)
    if not open_messages:
        return False
    try:
        member = await current(messaging.ports, MemberRef(id=member_id))
    except MemberNotFound:
        for message in open_messages:
            if message.status is MessageStatus.PENDING:
                gone = suppress(message, SuppressReason.REASON_GONE, "member not found", now)
                await _save(messaging, gone, message)
        return False
    again = False
    for message in open_messages:
        if message.status is MessageStatus.SENDING:
            again |= await _resume(messaging, message, member, now)
    due = [x for x in open_messages if x.status is MessageStatus.PENDING and x.not_before <= now]
    await _drop_gone(messaging, [x for x in open_messages if x not in due], member, now)
    if due:
        again |= await _decide_and_send(messaging, due, member, now)
    return again


async def _drop_gone(
    messaging: Messaging, later: list[Message], member: Member, now: datetime
) -> None:
    """Messages waiting for later whose reason is already gone are suppressed now, so staff
    see at once that the reminder of a voucher just used will not go (the soonest
    `WAITING_CHECKED` of them: a member can have dozens of receipts deferred by the caps)."""
    for message in later:
        if message.status is not MessageStatus.PENDING:
            continue
        gone = why_not(message.intent, member, now, messaging.ports.program)
        if gone is not None:
            await _save(
                messaging, suppress(message, SuppressReason.REASON_GONE, gone, now), message
            )


async def _decide_and_send(
    messaging: Messaging, due: list[Message], member: Member, now: datetime
) -> bool:
    record = await messaging.profiles.get(member.id)
    profile = with_addresses(record.profile, member)
    decisions = decide_together(
        member,
        messaging.policy,
        [x.intent for x in due],
        profile,
        record.recent,
        record.engagement,
        now,
        messaging.ports.program,
    )
    by_key = {x.key: x for x in due}
    sends: list[Decision] = []
    for decision in decisions:
        message = by_key[decision.intent.key]
        if decision.outcome is Outcome.SEND:
            sends.append(decision)
        elif decision.outcome is Outcome.SUPPRESS:
            assert isinstance(decision.cause, SuppressReason)
            await _save(messaging, suppress(message, decision.cause, decision.detail, now), message)
        elif decision.outcome is Outcome.DEFER and decision.until is not None:
            cause = decision.cause if isinstance(decision.cause, DeferReason) else None
            changed = decision.until > message.not_before or message.decision != decision.detail
            if changed and cause is not DeferReason.NOT_YET_DUE:
                waiting = defer(
                    message, max(decision.until, message.not_before), now, cause, decision.detail
                )
                await _save(messaging, waiting, message)
            await schedule_dispatch(messaging, member.id, decision.until)
    again = False
    for decision in sends:  # at most one: arbitration lets one message out
        zone = member_zone(profile, messaging.policy)
        sent = await _send(messaging, by_key[decision.intent.key], decision, member, now, zone)
        if sent is None:
            continue
        if sent.status is MessageStatus.SENT:
            await _close_merged(messaging, decision, sent, by_key, now)
        elif sent.status is MessageStatus.PENDING:
            if sent.not_before <= now:
                again = True
            else:
                await schedule_dispatch(messaging, member.id, sent.not_before)
    return again


async def _close_merged(
    messaging: Messaging,
    decision: Decision,
    sent: Message,
    by_key: dict[str, Message],
    now: datetime,
) -> None:
    for intent in decision.merged:
        rider = by_key[intent.key]
        merged = suppress(rider, SuppressReason.MERGED, f"carried by message {sent.id}", now)
        await _save(messaging, merged, rider)


async def _send(
    messaging: Messaging,
    message: Message,
    decision: Decision,
    member: Member,
    now: datetime,
    zone: ZoneInfo,
) -> Message | None:
    assert decision.channel is not None
    channels = channels_left(message, (decision.channel, *decision.fallbacks))
    if not channels:
        failed = give_up(message, now)
        return failed if await _save(messaging, failed, message) else None
    rendering = messaging.renderer.render(member, message.intent, decision.merged, now, zone)
    why = decision.detail if channels[0] is decision.channel else f"{channels[0].value}: fallback"
    sending = start_sending(
        message, channels[0], rendering.rendered, rendering.version, now, channels[1:], why
    )
    if not await messaging.messages.claim_for_sending(sending, message):
        return None  # another worker claimed it first; it sends, we do not
    return await _deliver(messaging, sending, member)


async def _resume(messaging: Messaging, message: Message, member: Member, now: datetime) -> bool:
    """A SENDING message: leave it to its sender while the lease runs, then take it over."""
    if in_flight(message, now, messaging.send_lease):
        started = message.attempts[-1].started_at
        await schedule_dispatch(messaging, member.id, started + messaging.send_lease)
        return False
    assert message.channel is not None and message.rendered is not None
    assert message.rendered_version is not None
    resumed = start_sending(
        message, message.channel, message.rendered, message.rendered_version, now
    )
    if not await messaging.messages.claim_for_sending(resumed, message):
        return False
    log.info("resuming %s on %s after its sender stopped", message.id, message.channel.value)
    done = await _deliver(messaging, resumed, member)
    return done is not None and done.status is MessageStatus.PENDING


async def _deliver(messaging: Messaging, sending: Message, member: Member) -> Message | None:
    """Hand a claimed (SENDING) message to its channel's provider and record the outcome."""
    channel, rendered = sending.channel, sending.rendered
    assert channel is not None and rendered is not None and sending.rendered_version is not None
    to = address_on(member, channel)
    if to is None:
        delivery_ok, permanent, ref, detail = False, True, None, f"no {channel.value} address"
    else:
        outgoing = OutgoingMessage(
            message_id=sending.id,
            channel=channel,
            to=to,
            subject=rendered.subject,
            body=rendered.body,
            member_id=member.id,
            member_version=sending.rendered_version,
        )
        delivery = await messaging.provider.send(outgoing)
        delivery_ok, permanent = delivery.accepted, delivery.permanent
        ref, detail = delivery.provider_ref, delivery.detail
    now = messaging.clock.now()
    if delivery_ok:
        done = mark_sent(sending, ref, now, detail)
        if await _save(messaging, done, sending):
            # Counted for the caps. Engagement is not touched: a send moves no count
            # (`record_outcome(_, None, SENT)` is the engagement as it was); the feedback
            # that follows (delivered, opened, bounced) does.
            await messaging.profiles.record_send(member.id, done.id, channel, now)
            return done
        return None
    done = mark_failed_attempt(sending, permanent, detail, now)
    if not await _save(messaging, done, sending):
        return None
    if permanent:  # an outage is not the member's fault: only bounces close a channel
        await messaging.profiles.record_outcome(member.id, channel, None, DeliveryOutcome.BOUNCED)
    return done
