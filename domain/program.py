"""The program an operator configures: currency, earn rate, tiers and the reward catalog."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from domain.campaigns import Campaign, CampaignError, load_campaigns
from domain.challenge_rules import Challenge, with_challenges
from domain.expiry import ROLLING_YEAR, ExpiryPolicy, expiry_policy
from domain.partners import Partner, with_partners
from domain.referrals import Referrals, load_referrals
from domain.time_zones import iana_zones


class ProgramError(ValueError):
    """The program file is not valid; raised at start-up, never during a request."""


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    name: str
    threshold: int
    earn_multiplier: Decimal
    benefits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reward:
    id: str
    name: str
    cost: int
    min_tier: str
    stock: int | None  # None: unlimited
    voucher_validity_days: int


class ActivityPeriod(Enum):
    EVER = "ever"
    DAY = "day"  # a UTC day
    MONTH = "month"  # a UTC calendar month
    YEAR = "year"  # a UTC calendar year


@dataclass(frozen=True, slots=True)
class Activity:
    """Something a member does that is not a purchase (a review, a survey, a login), the
    points it gives, how many times a period it counts, and whether towards the tier."""

    kind: str
    points: int
    times: int
    per: ActivityPeriod
    qualifying: bool


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    currency: str
    currency_decimals: int
    earn_rate: Decimal
    point_value: Decimal
    default_phone_region: str
    points_validity_months: int
    qualifying_window_months: int
    tier_validity_months: int
    return_window_days: int
    idempotency_retention_hours: int
    tiers: tuple[Tier, ...]  # ordered by threshold, lowest first
    rewards: tuple[Reward, ...]
    # False: a till takes back only its own store's orders, so one leaked POS token cannot
    # claw back points chain-wide; call center and head office may return any order.
    returns_any_store: bool = False
    # Days a member short of their tier's points keeps it past `requalifyBy`, with a
    # countdown to the end of grace (0: none, the tier steps down at the date).
    tier_grace_days: int = 0
    activities: tuple[Activity, ...] = ()
    # The zone the program's days are read in: campaign windows, calendar expiry, rounded
    # deadlines (IANA name; members may have their own for birthdays and messages).
    time_zone: str = "UTC"
    campaigns: tuple[Campaign, ...] = ()  # in priority order (`domain.campaigns`)
    challenges: tuple[Challenge, ...] = ()  # `domain.challenge_rules`
    # When points expire (rolling, calendar or inactivity); its months are
    # `points_validity_months`.
    expiry: ExpiryPolicy = ROLLING_YEAR
    # Days a purchase's points stay PENDING (held, not spendable) before they are released
    # (0: spendable at once). A return inside the hold takes them back first.
    pending_days: int = 0
    referrals: Referrals | None = None  # the `[referrals]` section; None: no referral rewards
    partners: tuple[Partner, ...] = ()  # the `[partners.NAME]` sections (`domain.partners`)

    def tier(self, code: str) -> Tier:
        for tier in self.tiers:
            if tier.code == code:
                return tier
        raise KeyError(code)

    def tier_rank(self, code: str) -> int:
        return [t.code for t in self.tiers].index(code)

    def next_tier(self, code: str) -> Tier | None:
        rank = self.tier_rank(code)
        return self.tiers[rank + 1] if rank + 1 < len(self.tiers) else None

    def is_upgrade(self, previous: str, current: str) -> bool:
        """Whether moving from `previous` to `current` goes up; a tier since removed from
        the program file is no upgrade (nothing is celebrated on a guess)."""
        codes = [t.code for t in self.tiers]
        if previous not in codes or current not in codes:
            return False
        return codes.index(current) > codes.index(previous)

    def tier_for_points(self, qualifying_points: int) -> Tier:
        reached = [t for t in self.tiers if t.threshold <= qualifying_points]
        return reached[-1] if reached else self.tiers[0]

    def reward(self, reward_id: str) -> Reward | None:
        return next((r for r in self.rewards if r.id == reward_id), None)

    def activity(self, kind: str) -> Activity | None:
        return next((a for a in self.activities if a.kind == kind), None)


def load_program(data: dict[str, Any]) -> Program:
    """Build a Program from the parsed program file, with errors an operator can act on."""
    try:
        head = data["program"]
        tiers = tuple(
            sorted(
                (
                    Tier(
                        code=str(t["code"]),
                        name=str(t["name"]),
                        threshold=int(t["threshold"]),
                        earn_multiplier=Decimal(str(t["earn_multiplier"])),
                        benefits=tuple(str(b) for b in t.get("benefits", [])),
                    )
                    for t in data["tiers"]
                ),
                key=lambda t: t.threshold,
            )
        )
        voucher_days = int(head.get("voucher_validity_days", 30))
        rewards = tuple(
            Reward(
                id=str(r["id"]),
                name=str(r["name"]),
                cost=int(r["cost"]),
                min_tier=str(r.get("min_tier", tiers[0].code)),
                stock=int(r["stock"]) if "stock" in r else None,
                voucher_validity_days=int(r.get("voucher_validity_days", voucher_days)),
            )
            for r in data.get("rewards", [])
        )
        expiry = expiry_policy(data)
        program = Program(
            name=str(head["name"]),
            currency=str(head["currency"]).upper(),
            currency_decimals=int(head.get("currency_decimals", 2)),
            earn_rate=Decimal(str(head["earn_rate"])),
            point_value=Decimal(str(head["point_value"])),
            default_phone_region=str(head.get("default_phone_region", "US")),
            points_validity_months=expiry.months,
            qualifying_window_months=int(head.get("qualifying_window_months", 12)),
            tier_validity_months=int(head.get("tier_validity_months", 12)),
            return_window_days=int(head.get("return_window_days", 365)),
            idempotency_retention_hours=int(head.get("idempotency_retention_hours", 48)),
            tiers=tiers,
            rewards=rewards,
            returns_any_store=_flag(data.get("returns", {}), "any_store"),
            tier_grace_days=int(head.get("tier_grace_days", 0)),
            time_zone=str(head.get("time_zone", "UTC")),
            pending_days=int(head.get("pending_days", 0)),
            referrals=load_referrals(data),
            activities=tuple(
                Activity(
                    kind=str(a["kind"]).upper(),
                    points=int(a["points"]),
                    times=int(a.get("times", 1)),
                    per=ActivityPeriod(str(a.get("per", "ever"))),
                    qualifying=bool(a.get("qualifying", False)),
                )
                for a in data.get("activities", [])
            ),
            campaigns=load_campaigns(data.get("campaigns", []), tuple(t.code for t in tiers)),
            expiry=expiry,
        )
    except CampaignError as exc:
        raise ProgramError(str(exc)) from exc
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ProgramError(f"program file: missing or malformed setting ({exc!r})") from exc
    _check(program)
    program = with_challenges(program, data)
    program = with_partners(program, data)
    return program


def _flag(section: object, name: str) -> bool:
    if not isinstance(section, dict):
        raise ProgramError(f"program file: the section holding {name} must be a table")
    value = section.get(name, False)
    if not isinstance(value, bool):
        raise ProgramError(f"program file: {name} must be true or false")
    return value


def _check(program: Program) -> None:
    if not program.tiers or program.tiers[0].threshold != 0:
        raise ProgramError("program file: the lowest tier must have threshold 0")
    if len({t.code for t in program.tiers}) != len(program.tiers):
        raise ProgramError("program file: tier codes must be unique")
    if len({r.id for r in program.rewards}) != len(program.rewards):
        raise ProgramError("program file: reward ids must be unique")
    if program.earn_rate <= 0 or program.point_value <= 0:
        raise ProgramError("program file: earn_rate and point_value must be positive")
    if not 0 <= program.tier_grace_days <= 366:
        raise ProgramError("program file: tier_grace_days must be between 0 and 366")
    if not 0 <= program.pending_days <= 366:
        raise ProgramError("program file: pending_days must be between 0 and 366")
    if program.time_zone not in iana_zones():
        raise ProgramError(f"program file: time_zone {program.time_zone!r} is not an IANA zone")
    if program.idempotency_retention_hours < 24:
        raise ProgramError("program file: idempotency keys must be kept at least 24 hours")
    if len({a.kind for a in program.activities}) != len(program.activities):
        raise ProgramError("program file: activity kinds must be unique")
    for activity in program.activities:
        if activity.points <= 0 or activity.times <= 0:
            raise ProgramError(f"program file: activity {activity.kind} needs points and times")
    for reward in program.rewards:
        if reward.cost <= 0:
            raise ProgramError(f"program file: reward {reward.id} must cost at least 1 point")
        if reward.min_tier not in {t.code for t in program.tiers}:
            raise ProgramError(f"program file: reward {reward.id} names unknown tier")
