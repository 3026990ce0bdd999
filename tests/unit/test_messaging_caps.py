"""Frequency caps (demo: EMAIL 1/day 4/week, PUSH 2/day 5/week, all channels 2/day 6/week),
over rolling windows, per channel and across channels."""

from __future__ import annotations

from datetime import timedelta

from domain.member import Member
from domain.messaging.caps import SentMessage, check_caps
from domain.messaging.decide import DeferReason, Outcome, SuppressReason
from domain.messaging.journeys import AtRisk, Enrolled, Intent, Purchased
from tests.unit.messaging_support import (
    EMAIL,
    NEW_YORK,
    PUSH,
    decide_now,
    demo_policy,
    local,
    profile,
)
from tests.unit.support import T0, Ids, buy, enrolled

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def shopper() -> Member:
    ids = Ids()
    return buy(enrolled(ids), "o1", "40", T0, ids).member


def test_a_full_channel_is_skipped_for_the_next_one_with_room() -> None:
    member = shopper()
    receipt = Intent(member.id, Purchased("o1"), T0)
    who = profile(member, EMAIL, PUSH)
    # given an email 3 hours ago (EMAIL: 1 per day); email is otherwise this member's best
    assert decide_now(member, receipt, who, T0).channel is EMAIL
    decision = decide_now(member, receipt, who, T0, [SentMessage(EMAIL, T0 - 3 * HOUR)])
    # then the receipt goes by push, with no email fallback that would break the cap
    assert (decision.outcome, decision.channel, decision.fallbacks) == (Outcome.SEND, PUSH, ())


def test_the_cap_across_channels_defers_until_the_oldest_send_leaves_the_day() -> None:
    member = shopper()
    receipt = Intent(member.id, Purchased("o1"), T0)
    # given an email 3 hours ago and a push 2 hours ago: 2 of the 2 a day across channels
    recent = [SentMessage(EMAIL, T0 - 3 * HOUR), SentMessage(PUSH, T0 - 2 * HOUR)]
    decision = decide_now(member, receipt, profile(member, EMAIL, PUSH), T0, recent)
    # then the receipt waits until the email is 24 hours old: 21 hours from now
    assert (decision.outcome, decision.cause) == (Outcome.DEFER, DeferReason.FREQUENCY_CAP)
    assert decision.until == T0 + 21 * HOUR
    assert decision.detail == "cap reached: EMAIL 1 per day, all channels 2 per day"


def test_a_send_exactly_a_day_old_no_longer_counts() -> None:
    member = shopper()
    receipt = Intent(member.id, Purchased("o1"), T0)
    decision = decide_now(
        member, receipt, profile(member, EMAIL), T0, [SentMessage(EMAIL, T0 - DAY)]
    )
    assert (decision.outcome, decision.channel) == (Outcome.SEND, EMAIL)
    one_minute_less = [SentMessage(EMAIL, T0 - DAY + timedelta(minutes=1))]
    assert decide_now(member, receipt, profile(member, EMAIL), T0, one_minute_less).until == (
        T0 + timedelta(minutes=1)
    )


def test_the_weekly_cap_of_one_channel() -> None:
    member = shopper()
    welcome = Intent(member.id, Enrolled(), T0)
    # given one email a day on each of the last 6, 5, 4 and 3 days: EMAIL's 4 per week
    recent = [SentMessage(EMAIL, T0 - n * DAY) for n in (6, 5, 4, 3)]
    # then push is used while it has room
    both = decide_now(member, welcome, profile(member, EMAIL, PUSH), T0, recent)
    assert both.channel is PUSH
    # and an email-only member waits until the 6-day-old email is a week old
    email_only = decide_now(member, welcome, profile(member, EMAIL), T0, recent)
    assert (email_only.outcome, email_only.until) == (Outcome.DEFER, T0 + DAY)
    assert email_only.detail == "cap reached: EMAIL 4 per week"


def test_the_weekly_cap_across_channels() -> None:
    member = shopper()
    welcome = Intent(member.id, Enrolled(), T0)
    # given one message a day for the last 6 days, alternating: 6 of the 6 a week
    recent = [SentMessage(EMAIL if n % 2 else PUSH, T0 - n * DAY) for n in range(1, 7)]
    decision = decide_now(member, welcome, profile(member, EMAIL, PUSH), T0, recent)
    assert (decision.outcome, decision.until) == (Outcome.DEFER, T0 + DAY)
    assert decision.detail == "cap reached: all channels 6 per week"


def test_a_cap_that_frees_at_night_waits_for_the_morning() -> None:
    member = shopper()
    # given a member who received an email and a push at 07:30 and 07:40 UTC in Paris,
    # then flew to New York, where those times are 02:30 and 02:40
    recent = [
        SentMessage(EMAIL, local(NEW_YORK, 2025, 1, 15, 2, 30)),
        SentMessage(PUSH, local(NEW_YORK, 2025, 1, 15, 2, 40)),
    ]
    now = local(NEW_YORK, 2025, 1, 15, 13)
    receipt = Intent(member.id, Purchased("o1"), now)
    who = profile(member, EMAIL, PUSH, time_zone=NEW_YORK)
    decision = decide_now(member, receipt, who, now, recent)
    # then the cap frees at 02:30 New York time, and the receipt waits for 08:00 there
    assert decision.until == local(NEW_YORK, 2025, 1, 16, 8)
    assert decision.cause is DeferReason.FREQUENCY_CAP


def test_a_journey_that_suppresses_when_capped_is_not_deferred() -> None:
    member = shopper()
    win_back = Intent(member.id, AtRisk(T0), T0)
    recent = [SentMessage(EMAIL, T0 - 3 * HOUR), SentMessage(PUSH, T0 - 2 * HOUR)]
    who = profile(member, EMAIL, PUSH, opted_in=(EMAIL, PUSH))
    decision = decide_now(member, win_back, who, T0, recent)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.CAPPED)


def test_a_deferral_past_the_journeys_max_delay_is_too_late() -> None:
    member = shopper()
    receipt = Intent(member.id, Purchased("o1"), T0)  # worth sending for 24 hours
    # given 6 messages this week, the oldest 5 days ago: room again in 2 days
    recent = [SentMessage(EMAIL if n % 2 else PUSH, T0 - n * DAY) for n in (5, 4, 3, 2, 1)]
    recent.append(SentMessage(PUSH, T0 - 4 * HOUR))
    decision = decide_now(member, receipt, profile(member, EMAIL, PUSH), T0, recent)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.TOO_LATE)


def test_check_caps_names_the_binding_cap() -> None:
    caps = demo_policy().caps
    room = check_caps(caps, PUSH, [SentMessage(PUSH, T0 - HOUR)], T0)
    assert (room.free_at, room.binding) == (T0, None)
    full = check_caps(caps, PUSH, [SentMessage(PUSH, T0 - 5 * HOUR), SentMessage(PUSH, T0)], T0)
    assert (full.free_at, full.binding) == (
        T0 + 19 * HOUR,
        "PUSH 2 per day, all channels 2 per day",
    )
