"""The per-message state machine: PENDING → SENDING → SENT | FAILED | SUPPRESSED."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.messaging.decide import SuppressReason
from domain.messaging.journeys import Intent, MessageChannel, Purchased, VoucherExpiring
from domain.messaging.message import (
    AttemptOutcome,
    IllegalTransition,
    Message,
    MessageStatus,
    Rendered,
    channels_left,
    defer,
    give_up,
    in_flight,
    mark_failed_attempt,
    mark_sent,
    message_id_for,
    new_message,
    start_sending,
    suppress,
)

EMAIL, SMS, PUSH = MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.PUSH
T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
RECEIPT = Rendered("You earned 40 points", "Balance 140. 60 points to your next reward.")


def receipt(order_id: str = "o1") -> Intent:
    return Intent("m-1", Purchased(order_id), T0)


def planned(*channels: MessageChannel) -> Message:
    return new_message(receipt(), T0, channels[0], channels[1:])


def sending(*channels: MessageChannel) -> Message:
    return start_sending(planned(*channels), channels[0], RECEIPT, 7, T0)


def test_the_id_comes_from_the_intent_key_so_a_rerun_job_finds_the_same_message() -> None:
    # given the same intent raised by a job and by its retry a minute later
    first = new_message(receipt(), T0)
    again = new_message(receipt(), T0 + MINUTE)
    # then both are the same message; another order is another message
    assert first.id == again.id == message_id_for(receipt())
    assert first.id.startswith("msg_") and "m-1" not in first.id
    assert new_message(receipt("o2"), T0).id != first.id
    assert (first.status, first.key, first.not_before) == (
        MessageStatus.PENDING,
        "m-1:PURCHASE_RECEIPT:o1",
        T0,
    )


def test_sending_records_the_channel_the_rendering_and_the_member_version() -> None:
    message = planned(EMAIL, PUSH)
    # when the worker starts sending by email at member version 7
    started = start_sending(message, EMAIL, RECEIPT, 7, T0 + MINUTE)
    # then the message is SENDING with one attempt in flight
    assert started.status is MessageStatus.SENDING
    assert (started.channel, started.fallbacks) == (EMAIL, (PUSH,))
    assert (started.rendered, started.rendered_version) == (RECEIPT, 7)
    assert [(a.channel, a.started_at, a.outcome) for a in started.attempts] == [
        (EMAIL, T0 + MINUTE, None)
    ]


def test_a_sent_message_keeps_the_provider_reference_and_drops_its_fallbacks() -> None:
    sent = mark_sent(sending(EMAIL, PUSH), "smtp-250-abc", T0 + MINUTE)
    assert (sent.status, sent.provider_ref, sent.fallbacks) == (
        MessageStatus.SENT,
        "smtp-250-abc",
        (),
    )
    assert sent.attempts[-1].outcome is AttemptOutcome.SENT
    assert sent.attempts[-1].ended_at == T0 + MINUTE


@pytest.mark.parametrize(
    ("status_of", "move"),
    [
        ("sent", lambda m: start_sending(m, EMAIL, RECEIPT, 8, T0)),
        ("sent", lambda m: mark_sent(m, "again", T0)),
        ("sent", lambda m: suppress(m, SuppressReason.REASON_GONE, "used", T0)),
        ("pending", lambda m: mark_sent(m, "ref", T0)),
        ("pending", lambda m: mark_failed_attempt(m, True, "bounce", T0)),
        ("sending", lambda m: suppress(m, SuppressReason.REASON_GONE, "used", T0)),
        ("sending", lambda m: defer(m, T0 + MINUTE, T0)),
        ("suppressed", lambda m: start_sending(m, EMAIL, RECEIPT, 8, T0)),
        ("suppressed", lambda m: defer(m, T0 + MINUTE, T0)),
    ],
)
def test_illegal_transitions_are_refused(status_of: str, move: object) -> None:
    given = {
        "pending": planned(EMAIL),
        "sending": sending(EMAIL),
        "sent": mark_sent(sending(EMAIL), "ref", T0),
        "suppressed": suppress(planned(EMAIL), SuppressReason.REASON_GONE, "used", T0),
    }[status_of]
    assert callable(move)
    with pytest.raises(IllegalTransition) as refused:
        move(given)
    assert refused.value.status is given.status
    assert given.id in str(refused.value)


def test_a_permanent_failure_moves_to_the_fallbacks_in_order_then_fails() -> None:
    message = sending(EMAIL, PUSH, SMS)
    # when email bounces
    after_email = mark_failed_attempt(message, True, "550 no such user", T0 + MINUTE)
    # then the message waits for push, at once, with SMS still behind it
    assert (after_email.status, after_email.channel, after_email.fallbacks) == (
        MessageStatus.PENDING,
        PUSH,
        (SMS,),
    )
    assert after_email.not_before == T0 + MINUTE
    # when push has no device token, then SMS is next
    on_push = start_sending(after_email, PUSH, RECEIPT, 7, T0 + 2 * MINUTE)
    after_push = mark_failed_attempt(on_push, True, "no device token", T0 + 2 * MINUTE)
    assert (after_push.channel, after_push.fallbacks) == (SMS, ())
    # when SMS fails for good too, then the message has FAILED, with every attempt recorded
    on_sms = start_sending(after_push, SMS, RECEIPT, 7, T0 + 3 * MINUTE)
    failed = mark_failed_attempt(on_sms, True, "invalid number", T0 + 3 * MINUTE)
    assert failed.status is MessageStatus.FAILED
    assert [(a.channel, a.outcome, a.detail) for a in failed.attempts] == [
        (EMAIL, AttemptOutcome.PERMANENT_FAILURE, "550 no such user"),
        (PUSH, AttemptOutcome.PERMANENT_FAILURE, "no device token"),
        (SMS, AttemptOutcome.PERMANENT_FAILURE, "invalid number"),
    ]


def test_a_transient_failure_retries_the_same_channel_once_then_falls_back() -> None:
    # when the email provider times out
    first = mark_failed_attempt(sending(EMAIL, PUSH), False, "timeout", T0)
    # then email is tried again a minute later
    assert (first.status, first.channel, first.fallbacks) == (
        MessageStatus.PENDING,
        EMAIL,
        (PUSH,),
    )
    assert first.not_before == T0 + MINUTE
    # when it times out again, then push is next
    retried = start_sending(first, EMAIL, RECEIPT, 7, T0 + MINUTE)
    second = mark_failed_attempt(retried, False, "timeout", T0 + MINUTE)
    assert (second.status, second.channel, second.fallbacks) == (MessageStatus.PENDING, PUSH, ())


def test_a_transient_failure_with_nothing_left_fails() -> None:
    retried = start_sending(
        mark_failed_attempt(sending(SMS), False, "503", T0), SMS, RECEIPT, 7, T0
    )
    assert mark_failed_attempt(retried, False, "503", T0).status is MessageStatus.FAILED


def test_a_channel_that_failed_for_good_is_not_tried_again() -> None:
    after_bounce = mark_failed_attempt(sending(EMAIL, PUSH), True, "bounce", T0)
    with pytest.raises(IllegalTransition):
        start_sending(after_bounce, EMAIL, RECEIPT, 7, T0)


def test_a_crash_in_sending_is_resumed_with_the_same_id_channel_and_rendering() -> None:
    # given a worker that crashed after start_sending on push, at member version 7
    crashed = sending(PUSH, EMAIL)
    # when the job runs again and the member is now at version 9
    resumed = start_sending(crashed, PUSH, Rendered("other", "other"), 9, T0 + 5 * MINUTE)
    # then it is the same message on the same channel, with what may already have gone out
    assert (resumed.id, resumed.status, resumed.channel) == (
        crashed.id,
        MessageStatus.SENDING,
        PUSH,
    )
    assert (resumed.rendered, resumed.rendered_version) == (RECEIPT, 7)
    assert [(a.channel, a.outcome) for a in resumed.attempts] == [
        (PUSH, AttemptOutcome.INTERRUPTED),
        (PUSH, None),
    ]
    # and it cannot switch channel mid-send, where the first copy may have arrived
    with pytest.raises(IllegalTransition):
        start_sending(crashed, EMAIL, RECEIPT, 9, T0 + 5 * MINUTE)
    # and the interrupted attempt does not use up the channel's retry
    retry = mark_failed_attempt(resumed, False, "timeout", T0 + 6 * MINUTE)
    assert (retry.status, retry.channel) == (MessageStatus.PENDING, PUSH)


def test_a_pending_message_can_be_deferred_then_suppressed() -> None:
    reminder = new_message(Intent("m-1", VoucherExpiring("mr-1"), T0), T0, EMAIL)
    # when quiet hours defer it to 8:00
    deferred = defer(reminder, T0 + timedelta(hours=20), T0)
    assert (deferred.status, deferred.not_before) == (
        MessageStatus.PENDING,
        T0 + timedelta(hours=20),
    )
    # when the voucher is used in store before then
    dropped = suppress(
        deferred, SuppressReason.REASON_GONE, "voucher used", T0 + timedelta(hours=1)
    )
    assert (dropped.status, dropped.suppressed_reason, dropped.suppressed_detail) == (
        MessageStatus.SUPPRESSED,
        SuppressReason.REASON_GONE,
        "voucher used",
    )


def test_a_fresh_decision_may_replace_the_fallback_plan() -> None:
    started = start_sending(planned(EMAIL, PUSH), SMS, RECEIPT, 7, T0, fallbacks=(EMAIL,))
    assert (started.channel, started.fallbacks) == (SMS, (EMAIL,))


def test_a_fresh_decision_skips_channels_this_message_already_exhausted() -> None:
    # given a receipt that bounced on email and timed out twice on push
    bounced = mark_failed_attempt(sending(EMAIL, PUSH, SMS), True, "550", T0)
    once = mark_failed_attempt(start_sending(bounced, PUSH, RECEIPT, 7, T0), False, "503", T0)
    twice = mark_failed_attempt(start_sending(once, PUSH, RECEIPT, 7, T0), False, "503", T0)
    # when a new decision still ranks email, push, sms
    # then only sms is left; with nothing left the message fails, keeping its attempts
    assert channels_left(twice, (EMAIL, PUSH, SMS)) == (SMS,)
    assert channels_left(twice, (EMAIL, PUSH)) == ()
    failed = give_up(defer(twice, T0, T0), T0 + MINUTE)
    assert (failed.status, len(failed.attempts)) == (MessageStatus.FAILED, 3)


def test_a_send_is_in_flight_only_while_its_lease_runs() -> None:
    started = sending(EMAIL)
    lease = timedelta(seconds=60)
    assert in_flight(started, T0 + timedelta(seconds=59), lease)
    assert not in_flight(started, T0 + timedelta(seconds=61), lease)
    assert not in_flight(planned(EMAIL), T0, lease)
