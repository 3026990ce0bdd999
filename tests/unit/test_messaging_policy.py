"""The messaging policy is read from the program file's own [decisioning] section."""

from __future__ import annotations

import copy
from datetime import time
from decimal import Decimal
from typing import Any

import pytest

from domain.messaging.journeys import Journey
from domain.messaging.policy import CapLimit, WhenCapped, WhenOutranked
from domain.messaging.policy_file import load_messaging_policy
from domain.program import ProgramError, load_program
from tests.unit.messaging_support import EMAIL, PUSH, SMS, WALLET, demo_policy, program_file


def test_the_demo_file_declares_every_journey_with_the_issues_priorities() -> None:
    policy = demo_policy()
    assert {j.journey for j in policy.journeys} == set(Journey)
    priority = {j.journey: j.priority for j in policy.journeys}
    # tier upgrade over purchase receipt over win-back
    assert priority[Journey.TIER_UPGRADE] > priority[Journey.PURCHASE_RECEIPT]
    assert priority[Journey.PURCHASE_RECEIPT] > priority[Journey.WIN_BACK]


def test_the_demo_file_sets_fallbacks_fates_reminders_caps_quiet_hours_and_churn() -> None:
    policy = demo_policy()
    receipt = policy.journey(Journey.PURCHASE_RECEIPT)
    win_back = policy.journey(Journey.WIN_BACK)
    reminder = policy.journey(Journey.REWARD_EXPIRY_REMINDER)
    assert receipt is not None and win_back is not None and reminder is not None
    assert receipt.channels == (EMAIL, PUSH)
    assert receipt.when_outranked is WhenOutranked.MERGE
    assert (win_back.when_outranked, win_back.when_capped) == (
        WhenOutranked.DROP,
        WhenCapped.SUPPRESS,
    )
    assert win_back.marketing and not receipt.marketing
    assert (reminder.lead_days, receipt.lead_days) == (7, None)
    assert policy.caps.for_channel(SMS) == CapLimit(per_day=1, per_week=2)
    assert policy.caps.across_channels == CapLimit(per_day=2, per_week=6)
    assert (policy.quiet_hours.start, policy.quiet_hours.end) == (time(21), time(8))
    assert policy.prior(EMAIL).mean == pytest.approx(0.3)
    assert policy.prior(WALLET).mean == pytest.approx(0.1)
    assert (policy.churn.threshold, policy.churn.monetary_target) == (0.6, Decimal("300"))


def test_the_program_loader_still_reads_the_file_with_the_new_section() -> None:
    assert load_program(program_file()).name == "Tessera Demo Rewards"


def test_a_program_file_without_the_section_sends_nothing() -> None:
    data = program_file()
    del data["decisioning"]
    policy = load_messaging_policy(data)
    assert policy.journeys == ()
    assert policy.caps.for_channel(EMAIL) == CapLimit()  # no caps set, none applied


def edited(change: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(program_file())
    change(data["decisioning"])
    return data


def set_in(path: tuple[str | int, ...], value: object) -> Any:
    def change(section: Any) -> None:
        for step in path[:-1]:
            section = section[step]
        section[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_in(("journeys", 1, "priority"), 60), "priorities must be unique"),
        (set_in(("journeys", 0, "channels"), ["PUSH", "PUSH"]), "distinct channels"),
        (set_in(("journeys", 0, "channels"), ["FAX"]), "malformed"),
        (set_in(("caps", "SMS"), {"per_day": 3, "per_week": 2}), "per_day exceeds per_week"),
        (set_in(("caps", "EMAIL"), {"per_day": 0}), "at least 1"),
        (set_in(("default_time_zone",), "Europe/Atlantis"), "unknown time zone"),
        (set_in(("journeys", 2, "max_delay_hours"), 6), "shorter than quiet hours"),
        (set_in(("churn", "weights", "recency"), 0.6), "sum to 1"),
        (set_in(("engagement_prior", "SMS"), {"alpha": 0, "beta": 1}), "must be > 0"),
        (set_in(("journeys", 0, "lead_days"), 3), "malformed"),  # tier upgrade is no reminder
        (set_in(("journeys", 5, "when_outrank"), "MERGE"), "unknown settings"),
        (set_in(("journeys", 5, "marketing"), "false"), "true or false"),
    ],
)
def test_a_bad_policy_stops_start_up_with_a_message(change: Any, message: str) -> None:
    with pytest.raises(ProgramError, match=message):
        load_messaging_policy(edited(change))


def test_a_reminder_needs_its_lead_days() -> None:
    def drop_lead(section: Any) -> None:
        del section["journeys"][3]["lead_days"]

    with pytest.raises(ProgramError, match="lead_days"):
        load_messaging_policy(edited(drop_lead))
