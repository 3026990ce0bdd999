"""The TIER_WILL_DOWNGRADE journey (issue 12, §6 Warning): `lead_days` before the date a
member short of their tier's points steps down, a warning saying how many qualifying points
are still needed; re-checked at send time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.housekeeping import settle
from domain.member import Member
from domain.messaging.decide import Outcome, SuppressReason
from domain.messaging.journeys import Intent, Journey, TierAtRisk
from domain.messaging.journeys.kind import EVERY_MEMBER
from domain.messaging.policy_file import load_messaging_policy
from domain.messaging.reasons import why_not
from domain.messaging.triggers import intents_on_sweep, longest_lead
from domain.program import Program
from tests.unit.messaging_support import EMAIL, decide_now, demo_policy, profile, program_file
from tests.unit.support import T0, Ids, buy, demo_program, enrolled, settled

DAY = timedelta(days=1)
WARNING = Journey.TIER_WILL_DOWNGRADE


def silver(ids: Ids) -> tuple[Member, datetime]:
    """SILVER from T0 (1000 points), to requalify a year on: those points reached the tier
    and do not count again to keep it."""
    member = buy(enrolled(ids), "o-1", "1000", T0, ids).member
    assert member.tier.code == "SILVER" and member.tier.requalify_by is not None
    return member, member.tier.requalify_by


def warnings(member: Member, now: datetime, program: Program | None = None) -> list[Intent]:
    found = intents_on_sweep(EVERY_MEMBER, member, demo_policy(), now, program or demo_program())
    return [i for i in found if i.journey is WARNING]


def needed(intent: Intent, member: Member) -> int:
    values = WARNING.kind.values(intent.reason, member, demo_program())
    return int(values["needed"])


def test_a_member_short_of_their_tier_is_warned_lead_days_before_the_date() -> None:
    ids = Ids()
    member, by = silver(ids)
    lead = timedelta(days=30)  # the demo's lead_days
    assert warnings(member, by - lead - timedelta(seconds=1)) == []
    (warning,) = warnings(member, by - lead)
    assert (warning.reason, warning.due_at) == (TierAtRisk("SILVER", by), by - lead)
    assert needed(warning, member) == 1000
    # the daily pass finds the same warning again: the same key, one message
    (again,) = warnings(member, by - lead + DAY)
    assert again.key == warning.key
    assert warnings(member, by) == []  # too late: the date has come


def test_the_warning_says_what_is_still_needed() -> None:
    ids = Ids()
    member, by = silver(ids)
    member = buy(member, "o-2", "320", T0 + 60 * DAY, ids).member  # x1.25: 400 points
    (warning,) = warnings(member, by - 10 * DAY)
    assert needed(warning, member) == 600


def test_a_member_who_has_the_points_is_not_warned() -> None:
    ids = Ids()
    member, by = silver(ids)
    member = buy(member, "o-2", "1000", T0 + 60 * DAY, ids).member
    assert warnings(member, by - 10 * DAY) == []


def test_a_member_who_requalified_since_the_warning_was_raised_gets_nothing() -> None:
    ids = Ids()
    member, by = silver(ids)
    (warning,) = warnings(member, by - 20 * DAY)
    member = buy(member, "o-2", "1000", by - 15 * DAY, ids).member
    decision = decide_now(member, warning, profile(member, EMAIL), by - 14 * DAY)
    assert (decision.outcome, decision.cause) == (Outcome.SUPPRESS, SuppressReason.REASON_GONE)
    assert decision.detail == "member has the points to keep SILVER"


def test_a_tier_that_moved_on_cancels_the_warning() -> None:
    ids = Ids()
    member, by = silver(ids)
    (warning,) = warnings(member, by - 20 * DAY)
    gold = buy(member, "o-2", "5000", by - 15 * DAY, ids).member
    assert why_not(warning, gold, by - 14 * DAY, demo_program()) == "tier is now GOLD"
    dropped = settled(member, by, ids)
    assert why_not(warning, dropped, by, demo_program()) == "tier is now BRONZE"


def test_the_entry_tier_has_nothing_to_lose() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o-1", "100", T0, ids).member
    assert member.tier.requalify_by is None
    assert warnings(member, T0 + 360 * DAY) == []


def test_with_grace_the_warning_comes_before_grace_ends() -> None:
    ids = Ids()
    grace = replace(demo_program(), tier_grace_days=45)
    member, by = silver(ids)
    assert warnings(member, by - 10 * DAY, grace) == []  # short at the date: grace, not a loss
    in_grace = settle_under(grace, member, by + DAY, ids)
    end = by + 45 * DAY
    assert in_grace.tier.in_grace and in_grace.tier.requalify_by == end
    (warning,) = warnings(in_grace, end - 30 * DAY, grace)
    assert warning.reason == TierAtRisk("SILVER", end)


def settle_under(program: Program, member: Member, now: datetime, ids: Ids) -> Member:
    return settle(member, program, now, ids).member


def test_the_warnings_lead_does_not_widen_the_expiry_reminder_sweep() -> None:
    data = program_file()
    for journey in data["decisioning"]["journeys"]:  # type: ignore[index]
        if journey["journey"] == "TIER_WILL_DOWNGRADE":
            journey["lead_days"] = 90
    policy = load_messaging_policy(data)
    assert policy.journey(WARNING) is not None
    assert longest_lead(policy) == longest_lead(demo_policy()) == timedelta(days=30)
