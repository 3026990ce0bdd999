"""Campaigns: time-boxed earn rules an operator declares in the program file (`[[campaigns]]`):
when they run, what a purchase must be to get them, what they give, how they stack, and
their limits. `domain.earn_rules.campaigns` prices them; this module reads and checks them.

A window is read in the program's time zone (`Program.time_zone`): "Saturday 00:00" is the
program's Saturday, wherever the server or the till is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from domain.channel import Channel


class CampaignError(ValueError):
    """A campaign in the program file is not valid (load_program makes it a ProgramError)."""


class Stacking(Enum):
    ADDITIVE = "additive"  # adds to whatever other campaigns give
    EXCLUSIVE = "exclusive"  # alone: only if no campaign of higher priority gave points,
    # and then no campaign of lower priority gives any


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    """When a campaign runs, in the program's local time: from `start` (included) to `end`
    (excluded), on `days` (0 is Monday), between `from_time` (included) and `to_time`
    (excluded)."""

    start: datetime | None = None  # naive: local to the program's zone
    end: datetime | None = None
    days: frozenset[int] = frozenset(range(7))
    from_time: time = time(0)
    to_time: time | None = None  # None: to midnight

    def open_at(self, local: datetime) -> bool:
        if self.start is not None and local < self.start:
            return False
        if self.end is not None and local >= self.end:
            return False
        if local.weekday() not in self.days:
            return False
        clock = local.time()
        return self.from_time <= clock and (self.to_time is None or clock < self.to_time)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a purchase must be. Line conditions (categories, skus) pick the lines a campaign
    acts on; with none, it acts on every line that earns."""

    tiers: frozenset[str] = frozenset()  # the member's tier before the purchase
    channels: frozenset[Channel] = frozenset()
    stores: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    min_spend: Decimal | None = None  # on the lines it acts on
    first_purchase: bool = False
    birthday_week: bool = False  # the ISO week of the member's birthday, in their zone

    @property
    def on_lines(self) -> bool:
        return bool(self.categories or self.skus)


@dataclass(frozen=True, slots=True)
class Effect:
    """Exactly one of: a multiplier on the lines' points, a bonus for the purchase, a bonus
    for each unit bought."""

    multiplier: Decimal | None = None  # x2 gives the lines' base points once more
    bonus: int | None = None
    bonus_per_unit: int | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    per_member_per_day: int | None = None  # times a member gets it a (program's) day
    per_member: int | None = None  # times a member gets it, in all
    budget: int | None = None  # points it gives in all, across members


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    window: Window
    conditions: Conditions
    effect: Effect
    stacking: Stacking = Stacking.ADDITIVE
    priority: int = 0  # higher first
    qualifying: bool = False  # whether its points count toward the tier
    limits: Limits = Limits()

    @property
    def rule(self) -> str:
        """Its name among the earn rules (a previewPurchase `rules[].rule`)."""
        return f"campaign:{self.id}"

    @property
    def member_limited(self) -> bool:
        return self.limits.per_member_per_day is not None or self.limits.per_member is not None


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_KEYS = {
    "id", "name", "start", "end", "days", "hours", "tiers", "channels", "stores", "categories",
    "skus", "min_spend", "first_purchase", "birthday_week", "multiplier", "bonus",
    "bonus_per_unit", "stacking", "priority", "qualifying", "per_member_per_day", "per_member",
    "budget",
}  # fmt: skip


def load_campaigns(raw: object, tier_codes: tuple[str, ...]) -> tuple[Campaign, ...]:
    """The `[[campaigns]]` of a program file, checked; in priority order (higher first, then
    as the file lists them)."""
    if not isinstance(raw, list):
        raise CampaignError("program file: [[campaigns]] must be an array of tables")
    campaigns = [_campaign(n, item, tier_codes) for n, item in enumerate(raw)]
    ids = [c.id for c in campaigns]
    if len(set(ids)) != len(ids):
        raise CampaignError("program file: campaign ids must be unique")
    return tuple(sorted(campaigns, key=lambda c: -c.priority))


def _campaign(n: int, item: object, tier_codes: tuple[str, ...]) -> Campaign:
    if not isinstance(item, dict):
        raise CampaignError(f"program file: campaigns[{n}] must be a table")
    label = f"program file: campaign {item.get('id', n)!s}"
    unknown = set(item) - _KEYS
    if unknown:
        raise CampaignError(f"{label}: unknown setting(s) {', '.join(sorted(unknown))}")
    try:
        campaign = Campaign(
            id=_id(item.get("id")),
            name=_text(item.get("name")),
            window=_window(item),
            conditions=_conditions(item, tier_codes),
            effect=_effect(item),
            stacking=Stacking(str(item.get("stacking", "additive"))),
            priority=_int(item.get("priority", 0)),
            qualifying=_bool(item.get("qualifying", False)),
            limits=Limits(
                per_member_per_day=_positive(item.get("per_member_per_day")),
                per_member=_positive(item.get("per_member")),
                budget=_positive(item.get("budget")),
            ),
        )
    except (CampaignError, ValueError, TypeError, InvalidOperation) as exc:
        raise CampaignError(f"{label}: {exc}") from exc
    return campaign


def _id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise CampaignError("id must be letters, digits, '_', '-' or '.', at most 64")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise CampaignError("name must be text of 1 to 100 characters")
    return value.strip()


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise CampaignError(f"{value!r} is not true or false")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CampaignError(f"{value!r} is not a whole number")
    return value


def _positive(value: object) -> int | None:
    if value is None:
        return None
    number = _int(value)
    if number <= 0:
        raise CampaignError("limits and bonuses must be at least 1")
    return number


def _names(item: dict[str, Any], key: str) -> frozenset[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CampaignError(f"{key} must be a list of names")
    return frozenset(value)


def _moment(value: object, key: str) -> datetime | None:
    """A TOML local date-time, or a date (its start; an `end` date includes its day)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise CampaignError(f"{key} is in the program's time zone: give no offset")
        return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if key == "end" else value
        return datetime.combine(day, time(0))
    raise CampaignError(f"{key} must be a local date-time like 2026-12-05T00:00:00, or a date")


def _window(item: dict[str, Any]) -> Window:
    start, end = _moment(item.get("start"), "start"), _moment(item.get("end"), "end")
    if start is not None and end is not None and end <= start:
        raise CampaignError("end must come after start")
    days = _names(item, "days") or frozenset(DAYS)
    if not days <= set(DAYS):
        raise CampaignError(f"days are {', '.join(DAYS)}")
    hours = item.get("hours")
    from_time, to_time = time(0), None
    if hours is not None:
        found = re.fullmatch(r"(\S+)-(\S+)", hours) if isinstance(hours, str) else None
        if found is None:
            raise CampaignError('hours must read like "07:00-11:00"')
        from_time, to_time = _clock(found[1]), _clock(found[2])
        if to_time == time(0):
            to_time = None  # "-00:00" (or "24:00"): to midnight
        elif to_time <= from_time:
            raise CampaignError("hours must end after they start, within a day")
    return Window(start, end, frozenset(DAYS.index(d) for d in days), from_time, to_time)


def _clock(text: str) -> time:
    if text == "24:00":
        return time(0)
    found = _TIME.fullmatch(text)
    if found is None:
        raise CampaignError(f"{text!r} is not a time like 07:30")
    return time(int(found[1]), int(found[2]))


def _conditions(item: dict[str, Any], tier_codes: tuple[str, ...]) -> Conditions:
    tiers = _names(item, "tiers")
    if not tiers <= set(tier_codes):
        raise CampaignError(f"tiers must be among {', '.join(tier_codes)}")
    channels = _names(item, "channels")
    known = {c.value for c in Channel}
    if not channels <= known:
        raise CampaignError(f"channels must be among {', '.join(sorted(known))}")
    min_spend = item.get("min_spend")
    spend = None if min_spend is None else Decimal(str(min_spend))
    if spend is not None and (not spend.is_finite() or spend <= 0):
        raise CampaignError("min_spend must be a positive amount")
    return Conditions(
        tiers=tiers,
        channels=frozenset(Channel(c) for c in channels),
        stores=_names(item, "stores"),
        categories=_names(item, "categories"),
        skus=_names(item, "skus"),
        min_spend=spend,
        first_purchase=_bool(item.get("first_purchase", False)),
        birthday_week=_bool(item.get("birthday_week", False)),
    )


def _effect(item: dict[str, Any]) -> Effect:
    given = [k for k in ("multiplier", "bonus", "bonus_per_unit") if k in item]
    if len(given) != 1:
        raise CampaignError("give exactly one effect: multiplier, bonus or bonus_per_unit")
    if "multiplier" in item:
        multiplier = Decimal(str(item["multiplier"]))
        if not multiplier.is_finite() or not Decimal(1) < multiplier <= Decimal(100):
            raise CampaignError("multiplier must be above 1 and at most 100")
        return Effect(multiplier=multiplier)
    if "bonus" in item:
        return Effect(bonus=_positive(item["bonus"]))
    return Effect(bonus_per_unit=_positive(item["bonus_per_unit"]))
