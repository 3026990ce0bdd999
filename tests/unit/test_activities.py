"""record_activity, pure: each kind counts at most its times a period, its count starts over
with the period, and the member keeps one count a kind, whatever the history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.activities import record_activity, validate_activity
from domain.channel import Channel
from domain.commands import MemberRef, RecordActivity
from domain.errors import ActivityLimitReached, InvalidInput
from domain.member import Member
from domain.merging import absorb
from tests.unit.support import T0, Ids, demo_program, enrolled


def doing(member: Member, kind: str, activity_id: str, days: int, ids: Ids) -> Member:
    cmd = RecordActivity(MemberRef(id=member.id), kind, activity_id, Channel.APP)
    cmd = validate_activity(cmd, demo_program())
    at = T0 + timedelta(days=days)
    return record_activity(member, cmd, demo_program(), at, ids).member


def test_a_monthly_kind_counts_its_times_then_starts_over_next_month() -> None:
    ids = Ids()
    member = enrolled(ids)
    for n in range(3):
        member = doing(member, "REVIEW", f"r-{n}", 0, ids)

    with pytest.raises(ActivityLimitReached):
        doing(member, "REVIEW", "r-3", 1, ids)
    next_month = doing(member, "REVIEW", "r-3", 31, ids)

    assert next_month.balance == 4 * 50
    assert [(c.kind, c.count) for c in next_month.activity_counts] == [("REVIEW", 1)]


def test_the_member_keeps_one_count_a_kind_over_a_year_of_daily_logins() -> None:
    ids = Ids()
    member = enrolled(ids)
    for day in range(365):
        member = doing(member, "APP_LOGIN", f"login-{day}", day, ids)

    assert member.balance == 365 * 5
    assert len(member.activity_counts) == 1


def test_once_ever_means_once() -> None:
    ids = Ids()
    member = doing(enrolled(ids), "PROFILE_COMPLETED", "p-1", 0, ids)

    with pytest.raises(ActivityLimitReached):
        doing(member, "PROFILE_COMPLETED", "p-2", 400, ids)


def test_a_kind_the_program_does_not_declare_is_refused() -> None:
    cmd = RecordActivity(MemberRef(id="m"), "DANCE", "d-1", Channel.APP)
    with pytest.raises(InvalidInput) as refused:
        validate_activity(cmd, demo_program())
    assert refused.value.field == "kind"


def test_merged_members_pool_their_counts_against_the_survivors_limits() -> None:
    ids = Ids()
    survivor = doing(enrolled(ids, "a@example.com"), "REVIEW", "r-1", 0, ids)
    duplicate = doing(enrolled(ids, "b@example.com"), "REVIEW", "r-2", 0, ids)
    duplicate = doing(duplicate, "REVIEW", "r-3", 0, ids)
    duplicate = doing(duplicate, "SURVEY", "s-1", 0, ids)

    change = absorb(survivor, duplicate, demo_program(), T0, ids, Channel.CALL_CENTER)
    assert change is not None
    merged = change.member

    assert sorted((c.kind, c.count) for c in merged.activity_counts) == [
        ("REVIEW", 3),
        ("SURVEY", 1),
    ]
    with pytest.raises(ActivityLimitReached):  # three reviews this month between them
        doing(merged, "REVIEW", "r-4", 1, ids)
