"""adjustPoints: call-center goodwill and corrections, always with a reason."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.graphql import ADJUST, by_id
from tests.integration.steps import bought, enrolled, member


def adjustment(member_id: str, points: int, reason: str, key: str) -> dict[str, object]:
    return {
        "input": {
            "member": by_id(member_id),
            "points": points,
            "reason": reason,
            "idempotencyKey": key,
        }
    }


async def test_credit_and_debit_with_a_reason(api: Api) -> None:
    given = await enrolled(api, "goodwill@example.com")
    await bought(api, given["id"], "o-1", "100.00")

    credit = (
        await api.data(ADJUST, adjustment(given["id"], 50, "late delivery", "a-1"), api.callcenter)
    )["adjustPoints"]
    debit = (
        await api.data(
            ADJUST, adjustment(given["id"], -30, "duplicate credit", "a-2"), api.callcenter
        )
    )["adjustPoints"]

    assert credit["entry"] == {
        "id": credit["entry"]["id"],
        "kind": "ADJUSTED",
        "points": 50,
        "reason": "late delivery",
    }
    assert debit["member"]["balance"] == 120
    # Goodwill does not count towards the tier.
    assert debit["member"]["tierProgress"]["qualifyingPoints"] == 100


async def test_a_debit_never_overdraws(api: Api) -> None:
    given = await enrolled(api, "overdraw@example.com")
    await bought(api, given["id"], "o-1", "10.00")

    payload = (await api.data(ADJUST, adjustment(given["id"], -11, "typo", "a-1"), api.callcenter))[
        "adjustPoints"
    ]

    assert payload["__typename"] == "InsufficientPoints"
    assert (await member(api, given["id"]))["balance"] == 10


async def test_reason_and_points_are_required(api: Api) -> None:
    no_reason = (
        await api.data(ADJUST, adjustment("mbr_demo_ben", 5, "  ", "a-1"), api.callcenter)
    )["adjustPoints"]
    zero = (
        await api.data(ADJUST, adjustment("mbr_demo_ben", 0, "nothing", "a-2"), api.callcenter)
    )["adjustPoints"]
    huge = await api.raw(
        ADJUST, adjustment("mbr_demo_ben", 2**40, "overflow", "a-3"), api.callcenter
    )

    assert (no_reason["code"], zero["code"]) == ("INVALID_INPUT", "INVALID_INPUT")
    assert huge["data"] is None and "Int" in huge["errors"][0]["message"]
    assert (await member(api, "mbr_demo_ben"))["balance"] == 320


async def test_pos_and_members_cannot_adjust(api: Api) -> None:
    variables = adjustment("mbr_demo_ben", 5, "why not", "a-1")

    assert await api.error_code(ADJUST, variables, api.pos) == "FORBIDDEN"
    assert (
        await api.error_code(ADJUST, variables, api.token("member", member="mbr_demo_ben"))
        == "FORBIDDEN"
    )
