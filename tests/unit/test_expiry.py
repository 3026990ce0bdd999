"""Expiry policies (issue 12, §7): rolling, calendar and inactivity deadlines, each the end of
a day in the program's time zone, and batches still one per expiry day."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase, RedeemReward
from domain.countdowns import CountdownKind, countdowns_for
from domain.earning import record_purchase, validate_purchase
from domain.expiry import (
    CalendarPeriod,
    ExpiryKind,
    ExpiryPolicy,
    end_of_day,
    kept_alive,
    points_deadline,
)
from domain.housekeeping import settle
from domain.ledger import EntryKind, PointBatch
from domain.member import Member
from domain.messaging.decide import Outcome, SuppressReason
from domain.messaging.journeys import PointsExpiring
from domain.messaging.journeys.kind import EXPIRING_SOON
from domain.messaging.triggers import intents_on_sweep
from domain.program import Program, ProgramError, load_program
from domain.redemption import redeem_reward
from domain.time_zones import local_day, zone
from tests.unit.messaging_support import EMAIL, decide_now, demo_policy, profile
from tests.unit.support import PROGRAM_FILE, Ids, demo_program, enrolled

PARIS = "Europe/Paris"
ROLLING = ExpiryPolicy(ExpiryKind.ROLLING, 12)
INACTIVITY = ExpiryPolicy(ExpiryKind.INACTIVITY, 6)
DAY = timedelta(days=1)


def calendar(period: CalendarPeriod, months: int = 12) -> ExpiryPolicy:
    return ExpiryPolicy(ExpiryKind.CALENDAR, months, period)


def under(policy: ExpiryPolicy, zone: str = PARIS) -> Program:
    return replace(demo_program(), expiry=policy, time_zone=zone)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time, in UTC as the member document keeps it."""
    return datetime(year, month, day, hour, minute, tzinfo=zone(PARIS)).astimezone(UTC)


def buy(member: Member, program: Program, amount: str, now: datetime, ids: Ids) -> Member:
    order = ids("order")
    ref = MemberRef(id=member.id)
    cmd = RecordPurchase(ref, order, Decimal(amount), "EUR", Channel.POS, None, order)
    cmd = validate_purchase(cmd, program)
    settled = settle(member, program, now, ids).member
    return record_purchase(settled, cmd, program, now, ids).member


def redeem(member: Member, program: Program, now: datetime, ids: Ids) -> Member:
    cmd = RedeemReward(MemberRef(id=member.id), "coffee", Channel.APP, ids("key"))
    settled = settle(member, program, now, ids).member
    return redeem_reward(settled, cmd, program, now, ids, (ids("rwd"), "ABCD-2345")).member


def deadlines(member: Member) -> list[tuple[str, int, datetime | None]]:
    return [(b.id, b.points, b.expires_at) for b in member.batches]


# Deadlines, one policy at a time


def test_rolling_points_are_good_through_the_same_day_a_year_later_in_paris() -> None:
    earned = paris(2026, 2, 10, 9, 30)
    assert points_deadline(ROLLING, earned, PARIS) == paris(2027, 2, 11) - timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("period", "good_through"),
    [
        (CalendarPeriod.YEAR, date(2027, 12, 31)),
        (CalendarPeriod.QUARTER, date(2027, 3, 31)),
        (CalendarPeriod.MONTH, date(2027, 2, 28)),
    ],
)
def test_calendar_points_last_to_the_end_of_the_period_n_months_on(
    period: CalendarPeriod, good_through: date
) -> None:
    # the example: earned 2026-02-10, N=12, period=year: 2027-12-31, end of day
    earned = paris(2026, 2, 10, 9, 30)
    assert points_deadline(calendar(period), earned, PARIS) == end_of_day(good_through, PARIS)


def test_calendar_quarters_end_in_march_june_september_december() -> None:
    ends = {
        points_deadline(calendar(CalendarPeriod.QUARTER, 3), paris(2026, month, 1), PARIS)
        for month in range(1, 13)
    }
    assert sorted(local_day(d, PARIS) for d in ends) == [
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
        date(2027, 3, 31),
    ]


def test_inactivity_counts_months_from_the_activity() -> None:
    assert points_deadline(INACTIVITY, paris(2026, 8, 31, 12), PARIS) == end_of_day(
        date(2027, 2, 28), PARIS
    )


# The program's day, not UTC's


def test_a_deadline_is_the_end_of_the_program_local_day_not_the_utc_day() -> None:
    # 00:30 in Paris on the 10th is still the 9th in UTC: the Paris day counts
    earned = datetime(2026, 2, 9, 23, 30, tzinfo=UTC)
    deadline = points_deadline(ROLLING, earned, PARIS)
    assert deadline == datetime(2027, 2, 10, 22, 59, 59, 999_000, tzinfo=UTC)
    # the same moment, for a program in New York (still the 9th there, 18:30)
    assert points_deadline(ROLLING, earned, "America/New_York") == datetime(
        2027, 2, 10, 4, 59, 59, 999_000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("day", "zone", "last_millisecond"),
    [
        # Paris: the 25-hour day clocks go back, and the 23-hour day they go forward
        (date(2026, 10, 25), PARIS, datetime(2026, 10, 25, 22, 59, 59, 999_000, tzinfo=UTC)),
        (date(2026, 3, 29), PARIS, datetime(2026, 3, 29, 21, 59, 59, 999_000, tzinfo=UTC)),
        # Santiago skips midnight: 6 September 2026 starts at 01:00 (-03)
        (
            date(2026, 9, 5),
            "America/Santiago",
            datetime(2026, 9, 6, 3, 59, 59, 999_000, tzinfo=UTC),
        ),
        (
            date(2026, 9, 6),
            "America/Santiago",
            datetime(2026, 9, 7, 2, 59, 59, 999_000, tzinfo=UTC),
        ),
    ],
)
def test_the_end_of_a_day_across_daylight_saving_changes(
    day: date, zone: str, last_millisecond: datetime
) -> None:
    assert end_of_day(day, zone) == last_millisecond


def test_points_earned_the_same_paris_day_share_a_batch_and_the_next_day_does_not() -> None:
    ids, program = Ids(), under(ROLLING)
    member = enrolled(ids, now=paris(2026, 2, 9, 8))
    member = buy(member, program, "10", datetime(2026, 2, 9, 23, 10, tzinfo=UTC), ids)  # 10th
    member = buy(member, program, "20", paris(2026, 2, 10, 21), ids)  # the 10th too
    member = buy(member, program, "40", paris(2026, 2, 9, 23, 50), ids)  # the 9th
    assert sorted(deadlines(member)) == [
        ("bat-20270209", 40, end_of_day(date(2027, 2, 9), PARIS)),
        ("bat-20270210", 30, end_of_day(date(2027, 2, 10), PARIS)),
    ]


def test_points_are_spendable_through_their_last_day_and_gone_a_millisecond_later() -> None:
    ids, program = Ids(), under(ROLLING)
    member = buy(enrolled(ids, now=paris(2026, 2, 10)), program, "200", paris(2026, 2, 10), ids)
    last = end_of_day(date(2027, 2, 10), PARIS)
    assert settle(member, program, last - timedelta(milliseconds=1), ids).member.balance == 200
    change = settle(member, program, last, ids)
    assert change.member.balance == 0
    assert [(e.kind, e.points) for e in change.entries] == [(EntryKind.EXPIRED, -200)]


# Calendar: a whole period expires together


def test_a_year_of_calendar_points_is_one_batch() -> None:
    ids, program = Ids(), under(calendar(CalendarPeriod.YEAR))
    member = enrolled(ids, now=paris(2026, 1, 1))
    for month in range(1, 13):
        member = buy(member, program, "10", paris(2026, month, 15, 12), ids)
    assert deadlines(member) == [("bat-20271231", 120, end_of_day(date(2027, 12, 31), PARIS))]
    assert settle(member, program, end_of_day(date(2027, 12, 31), PARIS), ids).member.balance == 0


# Inactivity: every activity pushes every batch


def test_under_inactivity_a_purchase_pushes_the_deadline_of_every_point() -> None:
    ids, program = Ids(), under(INACTIVITY)
    member = buy(enrolled(ids, now=paris(2026, 1, 5)), program, "100", paris(2026, 1, 5), ids)
    assert deadlines(member) == [("bat-20260705", 100, end_of_day(date(2026, 7, 5), PARIS))]
    member = buy(member, program, "50", paris(2026, 5, 20), ids)
    assert deadlines(member) == [("bat-20261120", 150, end_of_day(date(2026, 11, 20), PARIS))]
    # nothing for six months: all of it expires at the end of 20 November, and only then
    assert settle(member, program, end_of_day(date(2026, 11, 20), PARIS), ids).member.batches == ()


def test_under_inactivity_a_redemption_is_activity() -> None:
    ids, program = Ids(), under(INACTIVITY)
    member = buy(enrolled(ids, now=paris(2026, 1, 5)), program, "400", paris(2026, 1, 5), ids)
    member = redeem(member, program, paris(2026, 6, 1), ids)
    assert deadlines(member) == [("bat-20261201", 250, end_of_day(date(2026, 12, 1), PARIS))]


def test_other_policies_leave_deadlines_where_they_are_on_activity() -> None:
    ids, program = Ids(), under(ROLLING)
    member = buy(enrolled(ids, now=paris(2026, 1, 5)), program, "100", paris(2026, 1, 5), ids)
    member = buy(member, program, "50", paris(2026, 5, 20), ids)
    assert [b.points for b in member.batches] == [100, 50]


def test_an_activity_never_pulls_a_deadline_back() -> None:
    # points given 24 months by an earlier program file keep them under inactivity's 6
    later = end_of_day(date(2028, 1, 1), PARIS)
    batches = (PointBatch("bat-20280101", 70, paris(2026, 1, 1), later),)
    assert kept_alive(batches, under(INACTIVITY), paris(2026, 2, 1)) == batches


def test_a_debt_never_expires_and_no_activity_gives_it_a_deadline() -> None:
    debt = (PointBatch("debt-1", -30, paris(2026, 1, 1), None),)
    assert kept_alive(debt, under(INACTIVITY), paris(2026, 2, 1)) == debt


# What the member sees


def test_the_countdown_names_the_program_local_day() -> None:
    ids, program = Ids(), under(ROLLING, "America/New_York")
    earned = datetime(2026, 2, 10, 3, tzinfo=UTC)  # the 9th in New York, at 22:00
    member = buy(enrolled(ids, now=earned), program, "80", earned, ids)
    expiry = {c.kind: c for c in countdowns_for(member, program, earned)}[
        CountdownKind.POINTS_EXPIRY
    ]
    assert expiry.deadline == datetime(2027, 2, 10, 4, 59, 59, 999_000, tzinfo=UTC)
    assert expiry.label == "80 points expire on 2027-02-09"


# The program file


def program_file(**expiry: object) -> dict[str, object]:
    """The demo file with an `[expiry]` section; its months replace `points_validity_months`
    unless the section says `keep_validity`."""
    with PROGRAM_FILE.open("rb") as file:
        data = tomllib.load(file)
    if "months" in expiry and not expiry.pop("keep_validity", False):
        data["program"].pop("points_validity_months")
    return {**data, "expiry": expiry} if expiry else data


def test_a_file_without_an_expiry_section_keeps_the_rolling_validity() -> None:
    data = program_file()
    del data["expiry"]  # the demo's says rolling, as having none does
    program = load_program(data)
    assert program.expiry == ExpiryPolicy(ExpiryKind.ROLLING, 12)
    assert program.points_validity_months == 12


def test_the_expiry_section_names_the_policy_and_its_months() -> None:
    program = load_program(program_file(policy="calendar", months=6, period="quarter"))
    assert program.expiry == ExpiryPolicy(ExpiryKind.CALENDAR, 6, CalendarPeriod.QUARTER)
    assert program.points_validity_months == 6


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ({"policy": "forever"}, "forever"),
        ({"policy": "inactivity", "period": "year"}, "calendar policy only"),
        ({"policy": "calendar", "period": "week"}, "week"),
        ({"months": 0}, "between 1 and 120"),
        ({"months": 24, "keep_validity": True}, "differ"),  # the demo's [program] says 12
        ({"policy": "rolling", "month": 6}, "unknown settings"),
    ],
)
def test_a_bad_expiry_section_is_refused_at_start_up(section: dict[str, object], says: str) -> None:
    with pytest.raises(ProgramError, match=says):
        load_program(program_file(**section))


# The points-expiry reminder, when the deadline moves


def test_a_reminder_for_a_deadline_an_activity_moved_is_not_sent() -> None:
    ids, program = Ids(), under(INACTIVITY)
    member = buy(enrolled(ids, now=paris(2026, 1, 5)), program, "100", paris(2026, 1, 5), ids)
    # the sweep finds the 100 points expiring on 5 July, lead days before
    old_deadline = end_of_day(date(2026, 7, 5), PARIS)
    (reminder,) = intents_on_sweep(
        EXPIRING_SOON, member, demo_policy(), old_deadline - DAY, program
    )
    assert reminder.reason == PointsExpiring("bat-20260705")
    # when the member buys before it is sent, every point now lasts to 1 December
    member = buy(member, program, "10", paris(2026, 6, 1), ids)
    # then, re-checked at send time, the reminder is dropped, and staff see why
    decision = decide_now(member, reminder, profile(member, EMAIL), old_deadline - DAY)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.REASON_GONE)
    assert decision.detail == (
        "points of batch bat-20260705 now expire later, at 2026-12-01T22:59:59.999000+00:00"
    )
    # and the sweep finds nothing more until the new deadline comes near, for the new batch
    assert intents_on_sweep(EXPIRING_SOON, member, demo_policy(), old_deadline - DAY, program) == ()
    new_deadline = end_of_day(date(2026, 12, 1), PARIS)
    (later,) = intents_on_sweep(EXPIRING_SOON, member, demo_policy(), new_deadline - DAY, program)
    assert later.reason == PointsExpiring("bat-20261201") and later.key != reminder.key
