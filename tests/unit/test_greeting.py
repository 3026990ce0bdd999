"""Greeting cues from the member as it stands: new, birthday week in the member's own day,
win-back as the churn rule says, and a tier reached lately."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from domain.channel import Channel
from domain.greeting import greeting_cues
from domain.member import Member, TierStatus

ENROLLED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def member(**changes: object) -> Member:
    base = Member(
        "mbr_g",
        1,
        "Gia",
        (),
        ENROLLED,
        Channel.POS,
        TierStatus("BRONZE", ENROLLED, None),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_member_is_new_for_their_first_thirty_days() -> None:
    fresh = greeting_cues(
        member(), ENROLLED + timedelta(days=29), "UTC", at_risk=False, entry_tier="BRONZE"
    )
    settled = greeting_cues(
        member(), ENROLLED + timedelta(days=30), "UTC", at_risk=False, entry_tier="BRONZE"
    )

    assert (fresh.new_member, settled.new_member) == (True, False)


def test_the_birthday_week_is_read_in_the_members_own_day() -> None:
    # born on a Monday's date in 2026 (19 January): Sunday 18 January 23:30 UTC is still the
    # week before in New York, and already the Monday of the birthday week in Auckland
    born = member(birthday=date(1990, 1, 19))
    sunday_night = datetime(2026, 1, 18, 23, 30, tzinfo=UTC)

    new_york = greeting_cues(
        born, sunday_night, "America/New_York", at_risk=False, entry_tier="BRONZE"
    )
    auckland = greeting_cues(
        born, sunday_night, "Pacific/Auckland", at_risk=False, entry_tier="BRONZE"
    )

    assert (new_york.birthday_week, auckland.birthday_week) == (False, True)
    assert (
        greeting_cues(
            member(), sunday_night, "UTC", at_risk=False, entry_tier="BRONZE"
        ).birthday_week
        is False
    )


def test_win_back_is_the_churn_rules_verdict() -> None:
    assert (
        greeting_cues(member(), ENROLLED, "UTC", at_risk=True, entry_tier="BRONZE").win_back is True
    )
    assert (
        greeting_cues(member(), ENROLLED, "UTC", at_risk=False, entry_tier="BRONZE").win_back
        is False
    )


def test_a_tier_reached_after_enrolling_is_news_for_two_weeks() -> None:
    reached = ENROLLED + timedelta(days=3)
    silver = member(tier=TierStatus("SILVER", reached, reached + timedelta(days=365)))

    lately = greeting_cues(
        silver, reached + timedelta(days=13), "UTC", at_risk=False, entry_tier="BRONZE"
    )
    later = greeting_cues(
        silver, reached + timedelta(days=14), "UTC", at_risk=False, entry_tier="BRONZE"
    )
    entry = greeting_cues(
        member(), ENROLLED + timedelta(days=1), "UTC", at_risk=False, entry_tier="BRONZE"
    )

    assert (lately.tier_changed_recently, lately.tier_reached_at) == (True, reached)
    assert (later.tier_changed_recently, later.tier_reached_at) == (False, reached)
    assert (entry.tier_changed_recently, entry.tier_reached_at) == (False, None)
