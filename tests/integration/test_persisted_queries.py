"""Automatic persisted queries in Apollo's protocol, over POST and GET: a hash alone runs a
kept text or gets PERSISTED_QUERY_NOT_FOUND (what Apollo's link retries on), a text with
its hash runs and is kept, a hash that is not its text's is refused."""

from __future__ import annotations

import json
from typing import Any

import httpx

from domain.persisted_documents import sha256_hex
from tests.conftest import Api

QUERY = "query ProgramName { program { name } }"


def apq(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def post(api: Api, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token or api.admin}"}
    return await api.http.post("/graphql", json=body, headers=headers)


async def test_an_unknown_hash_is_not_found_then_the_text_registers_it(api: Api) -> None:
    sha = sha256_hex(QUERY)

    first = await post(api, {"extensions": apq(sha)})
    assert first.status_code == 200
    assert first.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }

    registered = await post(api, {"query": QUERY, "extensions": apq(sha)})
    assert registered.status_code == 200
    assert registered.json()["data"]["program"]["name"]

    by_hash = await post(api, {"extensions": apq(sha), "operationName": "ProgramName"})
    assert by_hash.json() == registered.json()
    by_get = await api.http.get(
        "/graphql",
        params={"extensions": json.dumps(apq(sha))},
        headers={"authorization": f"Bearer {api.pos}"},
    )
    assert by_get.status_code == 200, by_get.text
    assert by_get.json() == registered.json()


async def test_a_hash_that_is_not_the_texts_is_refused_and_nothing_kept(api: Api) -> None:
    wrong = sha256_hex("{ __typename }")

    refused = await post(api, {"query": QUERY, "extensions": apq(wrong)})
    assert refused.status_code == 400
    assert refused.json() == {
        "errors": [
            {
                "message": "provided sha does not match query",
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    after = await post(api, {"extensions": apq(wrong)})
    assert after.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_malformed_persisted_query_is_a_clear_400(api: Api) -> None:
    for extensions, says in [
        ({"persistedQuery": {"version": 2, "sha256Hash": sha256_hex(QUERY)}}, "version"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 7}}, "sha256Hash"),
        ({"persistedQuery": "yes"}, "persistedQuery"),
    ]:
        response = await post(api, {"extensions": extensions})
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST" and says in error["message"]


async def test_a_request_with_neither_text_nor_hash_is_still_a_json_400(api: Api) -> None:
    response = await post(api, {"variables": {}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
