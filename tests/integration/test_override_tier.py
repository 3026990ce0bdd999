"""overrideTier through GraphQL on both stores: the call center sets a tier by hand until an
expiry, with a reason; history shows it; then the program's requalification rule applies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import START, Api
from tests.integration.graphql import ERROR, MEMBER_FIELDS, by_id, countdown
from tests.integration.steps import bought, enrolled, member

OVERRIDE = f"""mutation($input: OverrideTierInput!) {{ overrideTier(input: $input) {{
  __typename
  ... on TierOverridden {{ member {{ {MEMBER_FIELDS} }} entry {{ kind points reason }} }}
  {ERROR} }} }}"""

HISTORY = """query($ref: MemberRef!) { member(ref: $ref) { tier { code }
  history(first: 5) { edges { node { kind reason } } } } }"""

UNTIL = START + timedelta(days=90)


def overriding(member_id: str, tier: str, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "tierCode": tier,
            "reason": "status match with another airline",
            "expiresAt": UNTIL.isoformat(),
            "idempotencyKey": key,
            **extra,
        }
    }


async def test_the_call_center_sets_a_tier_until_a_date_and_history_says_why(api: Api) -> None:
    given = await enrolled(api, "vip@example.com")

    done = await api.data(OVERRIDE, overriding(given["id"], "gold", "t-1"), api.callcenter)
    again = await api.data(OVERRIDE, overriding(given["id"], "gold", "t-1"), api.callcenter)
    seen = (await api.data(HISTORY, {"ref": by_id(given["id"])}))["member"]

    payload = done["overrideTier"]
    assert payload["__typename"] == "TierOverridden", payload
    assert payload["member"]["tier"]["code"] == "GOLD"
    assert payload["member"]["tierProgress"]["requalifyBy"].startswith(UNTIL.date().isoformat())
    assert payload["entry"] == {
        "kind": "TIER_CHANGED",
        "points": 0,
        "reason": "BRONZE -> GOLD: set by hand until 2026-04-15 10:00 UTC: "
        "status match with another airline",
    }
    assert countdown(payload["member"], "TIER_REQUALIFICATION") is not None
    assert again == done
    assert seen["history"]["edges"][0]["node"] == {
        "kind": "TIER_CHANGED",
        "reason": payload["entry"]["reason"],
    }


async def test_when_the_override_ends_the_programs_rule_applies(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "ends@example.com")
    await api.data(OVERRIDE, overriding(given["id"], "GOLD", "t-1"), api.callcenter)
    await bought(api, given["id"], "o-1", "10.00")  # far from keeping GOLD

    clock.advance(timedelta(days=91))

    after = await member(api, given["id"])
    assert after["tier"]["code"] == "SILVER"  # one tier down at the date, as for any tier


async def test_an_override_that_makes_no_sense_is_refused_and_changes_nothing(api: Api) -> None:
    given = await enrolled(api, "nonsense@example.com")
    past = (START - timedelta(days=1)).isoformat()
    naive = UNTIL.replace(tzinfo=None).isoformat()

    answers = [
        await api.data(OVERRIDE, overriding(given["id"], "DIAMOND", "t-1"), api.callcenter),
        await api.data(OVERRIDE, overriding(given["id"], "BRONZE", "t-2"), api.callcenter),
        await api.data(OVERRIDE, overriding(given["id"], "GOLD", "t-3", expiresAt=past), api.admin),
        await api.data(
            OVERRIDE, overriding(given["id"], "GOLD", "t-4", expiresAt=naive), api.admin
        ),
        await api.data(OVERRIDE, overriding(given["id"], "GOLD", "t-5", reason=" "), api.admin),
    ]
    pos = await api.raw(OVERRIDE, overriding(given["id"], "GOLD", "t-6"), api.pos)

    assert [(a["overrideTier"]["code"], a["overrideTier"]["field"]) for a in answers] == [
        ("INVALID_INPUT", "tierCode"),
        ("INVALID_INPUT", "tierCode"),
        ("INVALID_INPUT", "expiresAt"),
        ("INVALID_INPUT", "expiresAt"),
        ("INVALID_INPUT", "reason"),
    ]
    assert pos["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await member(api, given["id"]))["tier"]["code"] == "BRONZE"
