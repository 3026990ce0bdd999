"""Malformed input gets a clear error and changes nothing; no input gives a 500."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.integration.graphql import MEMBER, PURCHASE, REDEEM, by_id, purchase
from tests.integration.steps import member


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "-5.00",
        "NaN",
        "Infinity",
        "10.001",
        "2000000",
        "abc",
        "",
        "1_000",  # Python's Decimal() reads 1000
        "\u0669\u0669\u0669\u0669",  # Arabic-Indic 9999
        "\uff11\uff10",  # fullwidth 10
        "1e3",
        " 5",
        "+5",
        "5.",
        ".5",
        "1.2.3",
        "5\u200f",  # a right-to-left mark
    ],
)
async def test_only_ascii_decimal_amounts_are_booked(api: Api, amount: str) -> None:
    before = await member(api, "mbr_demo_ben")

    body = await api.raw(PURCHASE, purchase(by_id("mbr_demo_ben"), "bad-1", amount), api.admin)

    assert body["data"]["recordPurchase"]["code"] == "INVALID_INPUT"
    assert body["data"]["recordPurchase"]["field"] == "amount"
    assert (await member(api, "mbr_demo_ben"))["version"] == before["version"]


async def test_a_ref_needs_exactly_one_of_id_and_identifier(api: Api) -> None:
    both = {"id": "mbr_demo_ben", "identifier": {"kind": "EMAIL", "value": "ben@example.com"}}

    assert await api.error_code(MEMBER, {"ref": both}, api.admin) == "BAD_USER_INPUT"
    assert await api.error_code(MEMBER, {"ref": {}}, api.admin) == "BAD_USER_INPUT"
    payload = await api.data(PURCHASE, purchase({}, "bad-2", "10.00"))
    assert payload["recordPurchase"]["code"] == "INVALID_INPUT"


async def test_oversized_strings_are_refused_by_field_and_by_body(api: Api) -> None:
    long_order = purchase(by_id("mbr_demo_ben"), "x" * 5000, "10.00")
    huge = purchase(by_id("mbr_demo_ben"), "x" * (10 * 1024 * 1024), "10.00")

    field = await api.data(PURCHASE, long_order)
    response = await api.http.post(
        "/graphql",
        json={"query": PURCHASE, "variables": huge},
        headers={"authorization": f"Bearer {api.admin}"},
    )

    assert field["recordPurchase"]["code"] == "INVALID_INPUT"
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert (await member(api, "mbr_demo_ben"))["balance"] == 320


async def test_unknown_enum_values_and_broken_requests_are_client_errors(api: Api) -> None:
    redeem = {
        "input": {
            "member": by_id("mbr_demo_ben"),
            "rewardId": "coffee",
            "channel": "TELEPATHY",
            "idempotencyKey": "k",
        }
    }
    body = await api.raw(REDEEM, redeem, api.admin)
    broken = await api.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    syntax = await api.raw("{ member(ref: ", {}, api.admin)
    deep = await api.raw("{ program { " + "tiers { " * 20 + "}" * 21, {}, api.admin)

    assert "TELEPATHY" in body["errors"][0]["message"]
    assert broken.status_code == 400
    assert "Syntax Error" in syntax["errors"][0]["message"]
    assert deep["errors"]


async def test_an_unknown_reward_is_typed(api: Api) -> None:
    variables = {
        "input": {
            "member": by_id("mbr_demo_ada"),
            "rewardId": "x" * 100,
            "channel": "POS",
            "idempotencyKey": "k",
        }
    }

    payload = (await api.data(REDEEM, variables))["redeemReward"]

    assert payload["code"] in {"REWARD_NOT_FOUND", "INVALID_INPUT"}
