"""Quiet hours run on the member's own clock (21:00-08:00 in the demo), across midnight and
DST; a message due at night is deferred to the morning, not dropped."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from domain.messaging.decide import DeferReason, Outcome, SuppressReason
from domain.messaging.journeys import Intent, Purchased, VoucherExpiring
from domain.messaging.policy import QuietHours
from domain.messaging.quiet_hours import quiet_until
from tests.unit.messaging_support import (
    EMAIL,
    NEW_YORK,
    PARIS,
    decide_now,
    local,
    profile,
)
from tests.unit.support import T0, Ids, adjust, buy, enrolled, redeem

NIGHT = QuietHours(time(21), time(8))


def test_half_past_ten_in_paris_waits_for_the_paris_morning_while_new_york_gets_it() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    receipt = Intent(member.id, Purchased("o1"), local(PARIS, 2025, 1, 15, 22, 30))
    in_paris = profile(member, EMAIL, time_zone=PARIS)
    in_new_york = profile(member, EMAIL, time_zone=NEW_YORK)
    # when the receipt is decided at 22:30 in Paris (16:30 in New York)
    now = local(PARIS, 2025, 1, 15, 22, 30)
    paris, new_york = (
        decide_now(member, receipt, in_paris, now),
        decide_now(member, receipt, in_new_york, now),
    )
    # then the Paris member's waits until 08:00 Paris, the New Yorker's goes now
    assert (paris.outcome, paris.cause) == (Outcome.DEFER, DeferReason.QUIET_HOURS)
    assert paris.until == local(PARIS, 2025, 1, 16, 8)
    assert (new_york.outcome, new_york.channel) == (Outcome.SEND, EMAIL)


def test_half_past_ten_in_new_york_waits_for_the_new_york_morning() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "40", T0, ids).member
    # at 22:30 in New York it is 04:30 in Paris: both are asleep, each until their own 08:00
    now = local(NEW_YORK, 2025, 1, 15, 22, 30)
    receipt = Intent(member.id, Purchased("o1"), now)
    new_york = decide_now(member, receipt, profile(member, EMAIL, time_zone=NEW_YORK), now)
    paris = decide_now(member, receipt, profile(member, EMAIL, time_zone=PARIS), now)
    assert new_york.until == local(NEW_YORK, 2025, 1, 16, 8)
    assert paris.until == local(PARIS, 2025, 1, 16, 8)
    assert new_york.until - paris.until == timedelta(hours=6)


def test_a_night_crossing_midnight_ends_on_the_right_morning() -> None:
    paris = ZoneInfo(PARIS)
    # before midnight: tomorrow morning
    assert quiet_until(NIGHT, paris, local(PARIS, 2025, 1, 15, 23, 59)) == local(
        PARIS, 2025, 1, 16, 8
    )
    # after midnight: this morning
    assert quiet_until(NIGHT, paris, local(PARIS, 2025, 1, 16, 0, 30)) == local(
        PARIS, 2025, 1, 16, 8
    )
    # the edges: 21:00 is night, 08:00 and 20:59 are day
    assert quiet_until(NIGHT, paris, local(PARIS, 2025, 1, 16, 21)) is not None
    assert quiet_until(NIGHT, paris, local(PARIS, 2025, 1, 16, 8)) is None
    assert quiet_until(NIGHT, paris, local(PARIS, 2025, 1, 16, 20, 59)) is None


def test_the_spring_forward_night_is_an_hour_shorter() -> None:
    paris = ZoneInfo(PARIS)
    # given 22:00 in Paris on 29 March 2025 (21:00 UTC); clocks go 02:00 -> 03:00 that night
    now = local(PARIS, 2025, 3, 29, 22)
    assert now.hour == 21
    # then the night ends at 08:00 summer time, 06:00 UTC: nine hours later, not ten
    end = quiet_until(NIGHT, paris, now)
    assert end is not None
    assert (end.hour, end - now) == (6, timedelta(hours=9))


def test_the_fall_back_night_is_an_hour_longer() -> None:
    new_york = ZoneInfo(NEW_YORK)
    # given 21:30 in New York on 1 November 2025; clocks go 02:00 -> 01:00 that night
    now = local(NEW_YORK, 2025, 11, 1, 21, 30)
    end = quiet_until(NIGHT, new_york, now)
    # then the night ends at 08:00 standard time (13:00 UTC), 11.5 hours later
    assert end == local(NEW_YORK, 2025, 11, 2, 8)
    assert end is not None and (end.hour, end - now) == (13, timedelta(hours=11, minutes=30))


def test_a_night_ending_inside_the_spring_gap_is_read_one_way_by_every_check() -> None:
    paris = ZoneInfo(PARIS)
    # given quiet hours until 02:30, a wall time that does not exist on 30 March 2025
    short = QuietHours(time(21), time(2, 30))
    # then the end reads with winter time (01:30 UTC = 03:30 summer time), both before it ...
    ends = quiet_until(short, paris, local(PARIS, 2025, 3, 30, 1, 50))
    assert ends is not None and (ends.hour, ends.minute) == (1, 30)
    # ... and after the jump (03:10 summer time, 01:10 UTC), which is still before that end
    later = quiet_until(short, paris, local(PARIS, 2025, 3, 30, 3, 10))
    assert later == ends


def test_a_daytime_window_and_no_window() -> None:
    paris = ZoneInfo(PARIS)
    lunch = QuietHours(time(12), time(14))
    assert quiet_until(lunch, paris, local(PARIS, 2025, 1, 15, 13)) == local(PARIS, 2025, 1, 15, 14)
    assert quiet_until(lunch, paris, local(PARIS, 2025, 1, 15, 23)) is None
    never = QuietHours(time(8), time(8))
    assert quiet_until(never, paris, local(PARIS, 2025, 1, 15, 3)) is None


def test_a_reminder_whose_voucher_expires_before_morning_is_suppressed_not_sent_late() -> None:
    ids = Ids()
    member = redeem(adjust(enrolled(ids), 300, T0, ids).member, "coffee", T0, ids).member
    (voucher,) = member.rewards  # expires 14 Feb 2025 12:00 UTC: 23:00 in Sydney
    reminder = Intent(member.id, VoucherExpiring(voucher.id), voucher.expires_at - timedelta(7))
    sydney = profile(member, EMAIL, time_zone="Australia/Sydney")
    # at 20:30 in Sydney it is still day: sent
    evening = local("Australia/Sydney", 2025, 2, 14, 20, 30)
    assert decide_now(member, reminder, sydney, evening).outcome is Outcome.SEND
    # at 21:30 it would wait for 08:00, after the voucher has expired: suppressed as too late
    night = local("Australia/Sydney", 2025, 2, 14, 21, 30)
    decision = decide_now(member, reminder, sydney, night)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.TOO_LATE)
