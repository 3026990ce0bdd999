"""Greeting cues: what staff at the till and the store screen greet a member with. Computed
from the member as it stands, the same on every surface: a new member (welcome them), their
birthday week (in their own time zone, as the birthday campaigns read it), a member at risk
of leaving (the win-back journey's own rule: welcome them back) and a tier reached lately
(time to celebrate an upgrade)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.earn_rules.campaigns import in_birthday_week
from domain.member import Member
from domain.time_zones import local_day

NEW_MEMBER_DAYS = 30  # a member is greeted as new for their first month
RECENT_TIER_DAYS = 14  # a tier reached in the last two weeks is still news at the till


@dataclass(frozen=True, slots=True)
class GreetingCues:
    new_member: bool
    birthday_week: bool
    win_back: bool
    # When the member reached the tier they hold, if it changed since they enrolled.
    tier_reached_at: datetime | None
    tier_changed_recently: bool


def greeting_cues(
    member: Member, now: datetime, zone_name: str, at_risk: bool, entry_tier: str
) -> GreetingCues:
    """`zone_name` is the member's zone (the program's when they have none); `at_risk` the
    churn rule's verdict (domain.messaging.churn); `entry_tier` the program's first tier,
    which every member is enrolled in: any other was reached by a change."""
    reached = member.tier.reached_at
    changed = member.tier.code != entry_tier or reached > member.enrolled_at
    birthday, today = member.birthday, local_day(now, zone_name)
    return GreetingCues(
        new_member=now - member.enrolled_at < timedelta(days=NEW_MEMBER_DAYS),
        birthday_week=birthday is not None and in_birthday_week(birthday, today),
        win_back=at_risk,
        tier_reached_at=reached if changed else None,
        tier_changed_recently=changed and now - reached < timedelta(days=RECENT_TIER_DAYS),
    )
