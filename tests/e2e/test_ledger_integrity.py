"""A value no store can hold is refused at the door, over real HTTP, with nothing changed.

The lone surrogate ("\\ud800" in JSON) used to commit the member update, fail the ledger
insert after it, answer `Unexpected error.`, and let a retry apply the change twice.
"""

from __future__ import annotations

import json
from typing import Any

import bson
import httpx
import pytest
from pymongo.errors import DocumentTooLarge

from tests.conftest import Api
from tests.integration.graphql import ADJUST, ENROLL, PURCHASE, by_id, purchase
from tests.integration.steps import member

SURROGATE = "x\ud800"
FEEDBACK = """mutation($input: RecordMessageFeedbackInput!) { recordMessageFeedback(input: $input) {
  __typename ... on Error { code message } ... on InvalidInput { field } } }"""


async def send(http_api: Api, query: str, variables: dict[str, Any]) -> httpx.Response:
    return await http_api.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}, ensure_ascii=True),
        headers={"authorization": f"Bearer {http_api.admin}", "content-type": "application/json"},
    )


async def history_sum(api: Api, member_id: str) -> int:
    query = """query($id: ID!) { member(ref: {id: $id}) { history(first: 100) {
      edges { node { points } } } } }"""
    edges = (await api.data(query, {"id": member_id}))["member"]["history"]["edges"]
    return sum(e["node"]["points"] for e in edges)


@pytest.mark.parametrize("field", ["idempotencyKey", "storeId", "orderId"])
async def test_a_lone_surrogate_in_a_purchase_changes_nothing(http_api: Api, field: str) -> None:
    before = await member(http_api, "mbr_demo_ben")
    variables = purchase(by_id("mbr_demo_ben"), "T-1", "7.00", **{field: SURROGATE})

    first = await send(http_api, PURCHASE, variables)
    retry = await send(http_api, PURCHASE, variables)

    for response in (first, retry):
        assert response.status_code == 200
        payload = response.json()["data"]["recordPurchase"]
        assert (payload["code"], payload["field"]) == ("INVALID_INPUT", field)
    after = await member(http_api, "mbr_demo_ben")
    assert (after["version"], after["balance"]) == (before["version"], before["balance"])
    assert await history_sum(http_api, "mbr_demo_ben") == after["balance"]


async def test_a_lone_surrogate_in_a_reason_or_a_name_changes_nothing(http_api: Api) -> None:
    before = await member(http_api, "mbr_demo_ben")
    adjust = {
        "input": {
            "member": by_id("mbr_demo_ben"),
            "points": 7,
            "reason": SURROGATE,
            "idempotencyKey": "case-1",
        }
    }
    enroll = {
        "input": {
            "identifiers": [{"kind": "EMAIL", "value": "new@example.com"}],
            "displayName": SURROGATE,
            "channel": "WEB",
        }
    }

    adjusted = [(await send(http_api, ADJUST, adjust)).json() for _ in range(2)]
    enrolled = (await send(http_api, ENROLL, enroll)).json()

    assert [a["data"]["adjustPoints"]["field"] for a in adjusted] == ["reason", "reason"]
    assert enrolled["data"]["enrollMember"]["field"] == "displayName"
    assert (await member(http_api, "mbr_demo_ben"))["balance"] == before["balance"]
    lookup = {"ref": {"identifier": {"kind": "EMAIL", "value": "new@example.com"}}}
    assert (await http_api.data("query($ref: MemberRef!) { member(ref: $ref) { id } }", lookup))[
        "member"
    ] is None


@pytest.mark.parametrize(
    ("query", "variables", "path"),
    [
        (PURCHASE, purchase(by_id("mbr_demo_ben"), "T-2", "7.00", currency=SURROGATE), "currency"),
        (FEEDBACK, {"input": {"messageId": SURROGATE, "outcome": "OPENED"}}, "messageId"),
    ],
)
async def test_values_that_used_to_give_500_are_invalid_input(
    http_api: Api, query: str, variables: dict[str, Any], path: str
) -> None:
    response = await send(http_api, query, variables)

    assert response.status_code == 200
    (payload,) = response.json()["data"].values()
    assert (payload["code"], payload["field"]) == ("INVALID_INPUT", path)


async def test_an_echoed_surrogate_in_a_graphql_error_is_still_valid_json(http_api: Api) -> None:
    # An unknown enum value is quoted back in the validation error's message.
    variables = purchase(by_id("mbr_demo_ben"), "T-3", "7.00", channel="POS\ud800")

    response = await send(http_api, PURCHASE, variables)

    assert response.status_code == 200
    assert "Unexpected error." not in response.text
    assert response.json()["errors"][0]["message"]


def refused_by_pymongo(document: dict[str, Any]) -> type[Exception]:
    """What pymongo raises for a document before anything is sent to a server."""
    try:
        bson.encode(document)
    except Exception as exc:
        return type(exc)
    raise AssertionError("pymongo encodes it")


async def test_the_embedded_store_refuses_what_mongodb_refuses(api: Api) -> None:
    # Run on both stores: the embedded one must refuse exactly as the real one does.
    members = api.tessera.collections.members
    unencodable = {"$set": {"display_name": "\ud800"}}

    with pytest.raises(refused_by_pymongo(unencodable)):
        await members.update_one({"_id": "mbr_demo_ben"}, unencodable)
    with pytest.raises(DocumentTooLarge):
        await members.insert_one({"_id": "huge", "blob": "x" * (17 * 1024 * 1024)})

    assert (await member(api, "mbr_demo_ben"))["displayName"] == "Ben Okafor"
    assert await members.find_one({"_id": "huge"}) is None
