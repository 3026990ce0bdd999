"""Partners as pure rules: the program file's `[partners.NAME]` sections, what an activity
gives, what a partner sees, who acts for whom, and link codes."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.access import Principal, Role
from domain.errors import InvalidInput
from domain.partner_earning import RecordPartnerActivity, budget_month, points_for
from domain.partner_earning import validate_partner_activity as validated
from domain.partner_links import link_code_digest, new_link_code, pooled_links
from domain.partner_view import partner_view
from domain.partners import PartnerLink, acts_for, partner_named
from domain.program import ProgramError, load_program
from tests.unit.support import PROGRAM_FILE, Ids, demo_program, enrolled

NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def with_partner(**table: Any) -> dict[str, Any]:
    data = tomllib.loads(PROGRAM_FILE.read_text())
    data["partners"] = {"bank": {"monthly_budget": 1000, **table}}
    return data


def test_the_demo_declares_an_airline_and_a_delivery_app() -> None:
    program = demo_program()

    skyways, dashfood = (partner_named(program, n) for n in ("skyways", "dashfood"))

    assert (skyways.display_name, skyways.earn_rate, skyways.max_points) == (
        "Skyways Airlines",
        Decimal(2),
        5000,
    )
    assert skyways.fields == {"displayName", "tier", "balance"}
    assert (dashfood.earn_rate, dashfood.max_points) == (None, 200)
    assert dashfood.fields == {"tier"}


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({}, "give earn_rate"),
        ({"earn_rate": "0"}, "earn_rate must be positive"),
        ({"max_points": 0}, "max_points must be positive"),
        ({"earn_rate": "1", "monthly_budget": 0}, "monthly_budget must be positive"),
        ({"earn_rate": "1", "fields": ["identifiers"]}, "identifiers cannot be shared"),
        ({"earn_rate": "1", "fields": ["history", "tier"]}, "history cannot be shared"),
        ({"earn_rate": "1", "link_code_minutes": 600}, "link_code_minutes must be 1 to 60"),
        ({"earn_rate": "1", "qualifying": "yes"}, "qualifying must be true or false"),
        ({"earn_rate": "1", "budget": 5}, "unknown setting(s) budget"),
        ({"earn_rate": "x"}, "partner bank"),
    ],
)
def test_a_bad_partner_stops_start_up_with_its_problem_named(
    table: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ProgramError, match="partner bank") as refused:
        load_program(with_partner(**table))

    assert problem in str(refused.value)


def test_a_partner_needs_a_budget() -> None:
    data = with_partner(earn_rate="1")
    del data["partners"]["bank"]["monthly_budget"]

    with pytest.raises(ProgramError, match="partner bank: monthly_budget is missing"):
        load_program(data)


def test_an_amount_earns_at_the_rate_rounded_down_and_points_up_to_the_maximum() -> None:
    program = demo_program()
    skyways = partner_named(program, "skyways")
    cmd = RecordPartnerActivity("skyways", " SKY-1 ", "b-1", amount=Decimal("10.99"))

    checked = validated(cmd, skyways, program)

    assert (checked.external_id, checked.amount) == ("SKY-1", Decimal("10.99"))
    assert points_for(checked, skyways) == 21
    assert points_for(replace(checked, amount=None, points=5000), skyways) == 5000
    with pytest.raises(InvalidInput, match="1 to 5000"):
        validated(replace(cmd, amount=None, points=5001), skyways, program)
    with pytest.raises(InvalidInput, match="at most 2 decimal places"):
        validated(replace(cmd, amount=Decimal("1.001")), skyways, program)


def test_the_budget_month_is_the_programs() -> None:
    # 23:30 UTC on March 31st is already April in Paris.
    assert budget_month(NOW, demo_program()) == "2026-04"


def test_a_partner_sees_only_its_policys_fields() -> None:
    program = demo_program()
    member = enrolled(Ids())
    linked = replace(member, partner_links=(PartnerLink("dashfood", "D-1", NOW),))

    seen = partner_view(linked, partner_named(program, "dashfood"), "D-1")

    assert seen.tier == linked.tier.code
    assert (seen.balance, seen.display_name, seen.member_since) == (None, None, None)


def test_a_partner_token_acts_for_its_partner_and_an_admin_for_any() -> None:
    skyways = Principal(Role.PARTNER, "partner:skyways", partner="skyways")

    assert acts_for(skyways, "skyways")
    assert not acts_for(skyways, "dashfood")
    assert acts_for(Principal(Role.ADMIN, "ops"), "dashfood")
    assert not acts_for(Principal(Role.CALLCENTER, "agent"), "skyways")


def test_link_codes_are_read_back_however_typed_and_stored_as_digests() -> None:
    code = new_link_code()

    typed = f" {code.lower().replace('-', ' ')} "

    assert link_code_digest(typed) == link_code_digest(code)
    assert code.replace("-", "") not in link_code_digest(code)
    assert new_link_code() != code
    with pytest.raises(InvalidInput, match="12 letters or digits"):
        link_code_digest("ABCD-EFGH")
    with pytest.raises(InvalidInput):
        link_code_digest("ABCD-EFGH-JKM0")  # 0 is not in the alphabet


def test_a_merge_keeps_both_members_links_once() -> None:
    ours = (PartnerLink("skyways", "S-1", NOW),)
    theirs = (PartnerLink("skyways", "S-1", NOW), PartnerLink("dashfood", "D-1", NOW))

    assert pooled_links(ours, theirs) == (*ours, theirs[1])
