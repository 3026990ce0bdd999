"""Challenges the program file declares (`[[challenges]]`), such as "3 purchases in the
coffee category within 30 days" or "visit 2 different stores", and a member's progress in
one. What progress does on a purchase is `domain.challenges`; this module is only what a
challenge is, so that `domain.program` and `domain.member` can hold them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any

from domain.channel import Channel
from domain.time_zones import zone

if TYPE_CHECKING:
    from domain.program import Program

MAX_WINDOW_DAYS = 3660


class ChallengeKind(Enum):
    PURCHASES = "purchases"  # purchases that match the conditions
    STORES = "stores"  # different stores among them
    SPEND = "spend"  # what they spent on what matches, in whole currency units


@dataclass(frozen=True, slots=True)
class Challenge:
    id: str
    name: str
    kind: ChallengeKind
    target: int
    # The reward, given once a round is completed: points, or a voucher from the catalog.
    reward_points: int
    reward_id: str | None
    # The window: a round ends `within_days` local days after its first step (rolling), and
    # steps count only from `starts_at` to `ends_at` (exclusive), when set.
    within_days: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # Conditions on a purchase (empty: any); category and sku match its lines.
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    channels: frozenset[Channel] = frozenset()
    min_spend: Decimal | None = None  # what the matching lines come to, at least
    repeat: bool = False  # False: completed once, for ever; True: a new round may start

    def is_open(self, at: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )


@dataclass(frozen=True, slots=True)
class ChallengeProgress:
    """A member's current round of one challenge: bounded (the distinct stores are kept up
    to the target only), and replaced when a new round starts."""

    challenge_id: str
    started_at: datetime
    deadline: datetime | None  # None: no time limit
    count: int = 0  # purchases that matched
    spent: Decimal = Decimal(0)  # what they spent on what matched
    stores: tuple[str, ...] = ()  # different stores among them, at most the target
    completed_at: datetime | None = None
    completions: int = 0  # rounds completed, this one included
    voucher_due: bool = False  # completed; its voucher is still to be issued

    def progress(self, challenge: Challenge) -> int:
        if challenge.kind is ChallengeKind.STORES:
            found = len(self.stores)
        elif challenge.kind is ChallengeKind.SPEND:
            found = int(self.spent)
        else:
            found = self.count
        return min(found, challenge.target)


_KEYS = frozenset(
    {
        "id",
        "name",
        "kind",
        "target",
        "reward_points",
        "reward",
        "within_days",
        "starts",
        "ends",
        "category",
        "sku",
        "store",
        "channel",
        "min_spend",
        "repeat",
    }
)


def with_challenges(program: Program, data: dict[str, Any]) -> Program:
    """The program with the challenges its file declares, each checked against the catalog
    and read in the program's time zone."""
    from domain.program import ProgramError

    raw = data.get("challenges", [])
    if not isinstance(raw, list):
        raise ProgramError("program file: challenges must be an array of tables")
    found: list[Challenge] = []
    for n, table in enumerate(raw):
        if not isinstance(table, dict):
            raise ProgramError(f"program file: challenges[{n}] must be a table")
        try:
            found.append(_challenge(table, program))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            name = table.get("id", n)
            raise ProgramError(f"program file: challenge {name}: {_problem(exc)}") from exc
    if len({c.id for c in found}) != len(found):
        raise ProgramError("program file: challenge ids must be unique")
    return replace(program, challenges=tuple(found))


def _problem(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"{exc.args[0]} is missing"
    return str(exc) or type(exc).__name__


def _challenge(table: dict[str, Any], program: Program) -> Challenge:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
    kinds = ", ".join(k.value for k in ChallengeKind)
    kind_name = _text(table, "kind")
    if kind_name not in {k.value for k in ChallengeKind}:
        raise ValueError(f"kind must be one of {kinds}; got {kind_name!r}")
    challenge = Challenge(
        id=_text(table, "id"),
        name=_text(table, "name"),
        kind=ChallengeKind(kind_name),
        target=_whole(table, "target"),
        reward_points=_whole(table, "reward_points") if "reward_points" in table else 0,
        reward_id=_text(table, "reward") if "reward" in table else None,
        within_days=_whole(table, "within_days") if "within_days" in table else None,
        starts_at=_local_midnight(table, "starts", program.time_zone, 0),
        ends_at=_local_midnight(table, "ends", program.time_zone, 1),  # the whole last day
        categories=_texts(table, "category"),
        skus=_texts(table, "sku"),
        stores=_texts(table, "store"),
        channels=frozenset(_channel(c) for c in _texts(table, "channel")),
        min_spend=_amount(table, "min_spend"),
        repeat=_flag(table, "repeat"),
    )
    _check(challenge, program)
    return challenge


def _check(challenge: Challenge, program: Program) -> None:
    if (challenge.reward_points > 0) == (challenge.reward_id is not None):
        raise ValueError("give either reward_points (at least 1) or reward (a catalog reward id)")
    if challenge.reward_id is not None and program.reward(challenge.reward_id) is None:
        raise ValueError(f"reward {challenge.reward_id!r} is not in the catalog")
    if challenge.within_days is not None and not 1 <= challenge.within_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"within_days must be between 1 and {MAX_WINDOW_DAYS}")
    if challenge.starts_at and challenge.ends_at and challenge.ends_at <= challenge.starts_at:
        raise ValueError("ends must not be before starts")
    if challenge.kind is ChallengeKind.STORES and 0 < len(challenge.stores) < challenge.target:
        raise ValueError(
            f"{challenge.target} stores to visit, but only {len(challenge.stores)} count"
        )


def _text(table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value.strip()


def _texts(table: dict[str, Any], key: str) -> frozenset[str]:
    value = table.get(key, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{key} must be a string or an array of strings")
    return frozenset(values)


def _whole(table: dict[str, Any], key: str) -> int:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{key} must be a whole number, at least 1")
    return value


def _flag(table: dict[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _amount(table: dict[str, Any], key: str) -> Decimal | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or Decimal(value) <= 0:
        raise ValueError(f'{key} must be a positive amount in a string, like "5.00"')
    return Decimal(value)


def _channel(name: str) -> Channel:
    try:
        return Channel(name.upper())
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise ValueError(f"channel {name!r} is not one of {known}") from None


def _local_midnight(table: dict[str, Any], key: str, zone_name: str, days: int) -> datetime | None:
    """The start of the day `days` after the file's date, in the program's zone."""
    if key not in table:
        return None
    day = table[key]
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValueError(f"{key} must be a date, like 2026-12-01 (no quotes)")
    return datetime.combine(day + timedelta(days=days), time(), zone(zone_name)).astimezone(UTC)


def round_deadline(challenge: Challenge, started_at: datetime, zone_name: str) -> datetime | None:
    """When a round that started at `started_at` ends: the local midnight `within_days`
    days after its first day (a step on the last day counts all day), and never after the
    challenge's own end."""
    rolling = None
    if challenge.within_days is not None:
        first_day = started_at.astimezone(zone(zone_name)).date()
        last = first_day + timedelta(days=challenge.within_days)
        rolling = datetime.combine(last, time(), zone(zone_name)).astimezone(UTC)
    ends = [d for d in (rolling, challenge.ends_at) if d is not None]
    return min(ends) if ends else None
