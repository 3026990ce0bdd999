"""Reading the messaging policy from the program file, with errors an operator can act on.

It reads its own `[decisioning]` section of the same parsed TOML that `load_program` reads,
so the program loader and older program files are untouched: a file without the section
loads a policy with no journeys (nothing is sent until an operator declares journeys).
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.messaging.journeys import Journey, MessageChannel
from domain.messaging.policy import (
    MAX_CAP,
    BetaPrior,
    CapLimit,
    ChurnSettings,
    FrequencyCaps,
    JourneyPolicy,
    MessagingPolicy,
    QuietHours,
    WhenCapped,
    WhenOutranked,
)
from domain.program import ProgramError


def load_messaging_policy(data: dict[str, Any]) -> MessagingPolicy:
    """Build the policy from the parsed program file (the dict `tomllib.load` returns)."""
    section = data.get("decisioning", {})
    try:
        policy = MessagingPolicy(
            journeys=tuple(_journey(j) for j in section.get("journeys", [])),
            caps=_caps(section.get("caps", {})),
            quiet_hours=_quiet_hours(section.get("quiet_hours", {})),
            default_time_zone=str(section.get("default_time_zone", "UTC")),
            arbitration_window_minutes=int(section.get("arbitration_window_minutes", 10)),
            unreachable_after_failures=int(section.get("unreachable_after_failures", 3)),
            priors=tuple(
                (MessageChannel(name), BetaPrior(float(p["alpha"]), float(p["beta"])))
                for name, p in section.get("engagement_prior", {}).items()
            ),
            churn=_churn(section.get("churn", {})),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise ProgramError(f"program file [decisioning]: missing or malformed ({exc!r})") from exc
    _check(policy)
    return policy


_JOURNEY_KEYS = frozenset(
    {"journey", "priority", "channels", "when_outranked", "when_capped", "marketing"}
    | {"lead_days", "max_delay_hours"}
)


def _journey(raw: dict[str, Any]) -> JourneyPolicy:
    journey = Journey[str(raw["journey"])]
    # A misspelt key would otherwise fall back to its default without a word.
    unknown = set(raw) - _JOURNEY_KEYS
    if unknown:
        raise ValueError(f"journey {journey.name}: unknown settings {sorted(unknown)}")
    if not journey.kind.reminds and "lead_days" in raw:
        raise ValueError(f"lead_days is for reminders, not {journey.name}")
    if not isinstance(raw.get("marketing", False), bool):
        raise ValueError(f"journey {journey.name}: marketing is true or false")
    return JourneyPolicy(
        journey=journey,
        priority=int(raw["priority"]),
        channels=tuple(MessageChannel(c) for c in raw["channels"]),
        when_outranked=WhenOutranked(raw.get("when_outranked", "DROP")),
        when_capped=WhenCapped(raw.get("when_capped", "DEFER")),
        marketing=raw.get("marketing", False),
        lead_days=int(raw["lead_days"]) if journey.kind.reminds else None,
        max_delay_hours=int(raw["max_delay_hours"]) if "max_delay_hours" in raw else None,
    )


def _limit(raw: dict[str, Any]) -> CapLimit:
    day, week = raw.get("per_day"), raw.get("per_week")
    return CapLimit(
        per_day=int(day) if day is not None else None,
        per_week=int(week) if week is not None else None,
    )


def _caps(raw: dict[str, Any]) -> FrequencyCaps:
    per_channel = tuple(
        (MessageChannel(name), _limit(limit))
        for name, limit in raw.items()
        if name != "all_channels"
    )
    return FrequencyCaps(_limit(raw.get("all_channels", {})), per_channel)


def _clock_time(value: Any) -> time:
    # TOML has local-time literals (21:00:00); "21:00" strings are accepted too.
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _quiet_hours(raw: dict[str, Any]) -> QuietHours:
    return QuietHours(_clock_time(raw.get("start", "21:00")), _clock_time(raw.get("end", "08:00")))


def _churn(raw: dict[str, Any]) -> ChurnSettings:
    weights = raw.get("weights", {})
    return ChurnSettings(
        threshold=float(raw.get("threshold", 0.6)),
        recency_horizon_days=int(raw.get("recency_horizon_days", 90)),
        lookback_days=int(raw.get("lookback_days", 365)),
        frequency_target=int(raw.get("frequency_target", 6)),
        monetary_target=Decimal(str(raw.get("monetary_target", "300"))),
        recency_weight=float(weights.get("recency", 0.5)),
        frequency_weight=float(weights.get("frequency", 0.3)),
        monetary_weight=float(weights.get("monetary", 0.2)),
    )


def quiet_length(quiet: QuietHours) -> timedelta:
    """How long the night lasts on an ordinary day (a DST night is an hour shorter or longer)."""
    day = datetime(2000, 1, 1)
    start, end = datetime.combine(day, quiet.start), datetime.combine(day, quiet.end)
    return (end - start) % timedelta(days=1)


def _check(policy: MessagingPolicy) -> None:
    _check_journeys(policy)
    limits = [policy.caps.across_channels, *(limit for _, limit in policy.caps.per_channel)]
    for limit in limits:
        counts = [n for n in (limit.per_day, limit.per_week) if n is not None]
        if any(n < 1 for n in counts):
            # To keep a journey off a channel, leave the channel out of its list instead.
            raise ProgramError("program file [decisioning.caps]: a cap must be at least 1")
        if any(n > MAX_CAP for n in counts):
            # Each member keeps only their last MAX_CAP sends; a larger cap could not be counted.
            raise ProgramError(f"program file [decisioning.caps]: a cap is at most {MAX_CAP}")
        day, week = limit.per_day, limit.per_week
        if day is not None and week is not None and day > week:
            raise ProgramError("program file [decisioning.caps]: per_day exceeds per_week")
    try:
        ZoneInfo(policy.default_time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ProgramError(
            f"program file [decisioning]: unknown time zone {policy.default_time_zone!r}"
        ) from exc
    if policy.arbitration_window_minutes < 0 or policy.unreachable_after_failures < 1:
        raise ProgramError(
            "program file [decisioning]: arbitration_window_minutes must be >= 0 and "
            "unreachable_after_failures >= 1"
        )
    for channel, prior in policy.priors:
        if not (prior.alpha > 0 and prior.beta > 0):
            raise ProgramError(f"program file: engagement prior of {channel.value} must be > 0")
    _check_churn(policy.churn)


def _check_journeys(policy: MessagingPolicy) -> None:
    seen = [j.journey for j in policy.journeys]
    if len(set(seen)) != len(seen):
        raise ProgramError("program file [decisioning]: a journey is declared twice")
    priorities = [j.priority for j in policy.journeys]
    if len(set(priorities)) != len(priorities):
        # Unique, so arbitration never has to guess between two journeys.
        raise ProgramError("program file [decisioning]: journey priorities must be unique")
    night = quiet_length(policy.quiet_hours) + timedelta(hours=1)  # +1h: a DST night
    for j in policy.journeys:
        name = j.journey.name
        if not j.channels or len(set(j.channels)) != len(j.channels):
            raise ProgramError(f"program file: journey {name} needs distinct channels")
        if j.lead_days is not None and j.lead_days < 1:
            raise ProgramError(f"program file: journey {name} needs lead_days >= 1")
        # Quiet hours defer a message, never drop it: the delay a journey tolerates must
        # outlast the night.
        if j.max_delay_hours is not None and timedelta(hours=j.max_delay_hours) < night:
            raise ProgramError(
                f"program file: journey {name} max_delay_hours is shorter than quiet hours"
            )


def _check_churn(churn: ChurnSettings) -> None:
    weights = (churn.recency_weight, churn.frequency_weight, churn.monetary_weight)
    if any(w < 0 for w in weights) or not math.isclose(sum(weights), 1.0):
        raise ProgramError("program file [decisioning.churn]: weights must be >= 0, sum to 1")
    if not 0 <= churn.threshold <= 1:
        raise ProgramError("program file [decisioning.churn]: threshold must be in 0..1")
    positive = (churn.recency_horizon_days, churn.lookback_days, churn.frequency_target)
    if min(positive) < 1 or churn.monetary_target <= 0:
        raise ProgramError("program file [decisioning.churn]: horizons and targets must be > 0")
