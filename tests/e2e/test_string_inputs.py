"""Random text in every string field of every mutation, over real HTTP: nothing breaks.

The fields are read from the schema itself, so a new mutation or field is covered (or this
test fails until it has a valid baseline). Each example sends one mutation with one string
replaced by hypothesis' text (lone surrogates, control characters, very long strings,
Unicode digits, right-to-left marks...), as a JSON variable or inlined as a GraphQL literal,
and then checks what a client and an auditor would: no 5xx, no `Unexpected error.`, the
member's version moved only on success, and the balance is the sum of the member's ledger.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.execution.assembly import build_schema
from tests.conftest import Api

MEMBER = "mbr_demo_ben"
TEXT_SCALARS = frozenset({"String", "ID", "Decimal"})
Path = tuple[str, ...]


def baseline(n: int) -> dict[str, dict[str, Any]]:
    """A valid input per mutation, fresh keys and order ids for example `n`."""
    ben = {"id": MEMBER}
    return {
        "enrollMember": {
            "identifiers": [{"kind": "EMAIL", "value": f"new{n}@example.com"}],
            "displayName": "New Member",
            "channel": "WEB",
        },
        "recordPurchase": {
            "member": ben,
            "orderId": f"o-{n}",
            "amount": "7.00",
            "currency": "EUR",
            "channel": "POS",
            "storeId": "store-001",
            "idempotencyKey": f"p-{n}",
        },
        "redeemReward": {
            "member": ben,
            "rewardId": "coffee",
            "channel": "POS",
            "idempotencyKey": f"r-{n}",
        },
        "useReward": {"code": "ABCD-2345", "channel": "POS", "storeId": "store-001"},
        "cancelRedemption": {"code": "ABCD-2345", "idempotencyKey": f"x-{n}"},
        "adjustPoints": {
            "member": ben,
            "points": 7,
            "reason": "goodwill",
            "idempotencyKey": f"a-{n}",
        },
        "recordActivity": {
            "member": ben,
            "kind": "REVIEW",
            "activityId": f"review-{n}",
            "channel": "APP",
        },
        "overrideTier": {
            "member": ben,
            "tierCode": "GOLD",
            "reason": "status match",
            "expiresAt": "2028-01-01T00:00:00Z",
            "idempotencyKey": f"t-{n}",
        },
        "returnPurchase": {"orderId": "o-1", "amount": "1.00", "idempotencyKey": f"ret-{n}"},
        "linkIdentifier": {
            "member": ben,
            "identifier": {"kind": "EXTERNAL", "value": f"ext-{n}"},
        },
        "mergeMembers": {"survivor": ben, "duplicate": {"id": f"mbr_nobody_{n}"}},
        "checkIn": {"member": ben, "storeId": "store-001", "channel": "POS"},
        "setConsent": {"member": ben, "channel": "SMS", "consent": "OPTED_IN"},
        "setPreferences": {"member": ben, "timeZone": "Europe/Paris"},
        "updateMemberProfile": {"member": ben, "timeZone": "Europe/Paris", "displayName": "Ben"},
        "recordMessageFeedback": {"messageId": f"msg_nothing_{n}", "outcome": "OPENED"},
        "subscribeWebhook": {"url": f"https://hooks.example.com/{n}", "events": ["TIER_CHANGED"]},
        "unsubscribeWebhook": {"id": f"whs_nothing_{n}"},
        "replayWebhookDelivery": {"id": f"whd_nothing_{n}"},
        "createPartnerLinkCode": {"member": ben, "partner": "skyways"},
        "linkPartnerMember": {
            "partner": "skyways",
            "linkCode": "ABCD-EFGH-JKMN",
            "externalId": f"sky-{n}",
        },
        "unlinkPartnerMember": {"partner": "skyways", "externalId": f"sky-{n}"},
        "unlinkPartner": {"member": ben, "partner": "dashfood"},
        "recordPartnerActivity": {
            "partner": "skyways",
            "externalId": f"sky-{n}",
            "activityId": f"trip-{n}",
            "amount": "12.50",
            "description": "flight PAR-JFK",
        },
    }


def text_paths(kind: GraphQLInputObjectType, prefix: Path = ()) -> Iterator[Path]:
    """Every string-carrying field under an input type, lists entered at index 0."""
    for name, field in kind.fields.items():
        inner, path = field.type, (*prefix, name)
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            if isinstance(inner, GraphQLList):
                path = (*path, "0")
            inner = inner.of_type
        if isinstance(inner, GraphQLInputObjectType):
            yield from text_paths(inner, path)
        elif isinstance(inner, GraphQLScalarType) and inner.name in TEXT_SCALARS:
            yield path


def every_field(schema: GraphQLSchema) -> list[tuple[str, Path]]:
    assert schema.mutation_type is not None
    found = []
    for mutation, field in schema.mutation_type.fields.items():
        argument = field.args["input"].type
        assert isinstance(argument, GraphQLNonNull)
        assert isinstance(argument.of_type, GraphQLInputObjectType)
        found += [(mutation, path) for path in text_paths(argument.of_type)]
    return found


FIELDS = every_field(build_schema()._schema)
INPUT_TYPES = {
    name: f"{name[0].upper()}{name[1:]}Input" for name in {mutation for mutation, _ in FIELDS}
}


def with_text(variables: dict[str, Any], path: Path, text: str) -> dict[str, Any]:
    changed = copy.deepcopy(variables)
    node: Any = changed
    for step, following in itertools.pairwise(path):
        key: Any = int(step) if step.isdigit() else step
        if isinstance(node, dict) and key not in node:
            node[key] = [{}] if following.isdigit() else {}
        if (
            isinstance(node, dict)
            and {"id", "identifier"} & set(node)
            and step
            in {
                "id",
                "identifier",
            }
        ):
            node.pop("identifier" if step == "id" else "id", None)  # a ref is one or the other
        node = node[key]
    last = path[-1]
    if isinstance(node, dict) and {"id", "identifier"} & set(node) and last == "id":
        node.pop("identifier", None)
    node[int(last) if last.isdigit() else last] = text
    return changed


ENUM_FIELDS = frozenset({"kind", "channel", "consent", "outcome"})


def literal(value: Any, key: str = "") -> str:
    """A GraphQL input literal; JSON string escapes are GraphQL's too."""
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {literal(v, k)}" for k, v in value.items())
        return f"{{{inner}}}"
    if isinstance(value, list):
        return f"[{', '.join(literal(v, key) for v in value)}]"
    if key in ENUM_FIELDS:
        return str(value)
    return json.dumps(value, ensure_ascii=True)


SELECTION = "{ __typename ... on Error { code message } }"

hostile = st.one_of(
    st.text(),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Nd", "Co"]), max_size=20),
    st.sampled_from(["\u200f", "\u202e", "x\ud800y", "\x00", " ", "\u0669\u0669", "\uff11"]),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "\u00e9", "\ud83d"]), st.integers(200, 70000)
    ),
)


@pytest.fixture
async def raw_http(live: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{live}", timeout=30) as http:
        yield http


def test_every_mutation_has_a_valid_baseline() -> None:
    # A mutation added to the schema without one here would go untested.
    assert set(INPUT_TYPES) == set(baseline(0))
    for mutation, path in FIELDS:
        with_text(baseline(0)[mutation], path, "x")


async def ledger_sum(api: Api, http: httpx.AsyncClient) -> tuple[int, int, int]:
    """(balance, version, sum of every ledger entry) of the member, read as an admin."""
    query = """query($id: ID!, $after: String) { member(ref: {id: $id}) { balance version
      history(first: 100, after: $after) { edges { node { points } }
      pageInfo { hasNextPage endCursor } } } }"""
    total, after = 0, None
    while True:
        variables = {"id": MEMBER, "after": after}
        body = await post(http, api.admin, {"query": query, "variables": variables})
        member = body["data"]["member"]
        total += sum(e["node"]["points"] for e in member["history"]["edges"])
        if not member["history"]["pageInfo"]["hasNextPage"]:
            return member["balance"], member["version"], total
        after = member["history"]["pageInfo"]["endCursor"]


async def post(http: httpx.AsyncClient, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        content=json.dumps(payload, ensure_ascii=True),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json() if response.status_code != 413 else {}
    for error in body.get("errors") or ():
        assert error["message"] != "Unexpected error.", body
    return body


counter = itertools.count(1)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), text=hostile, inline=st.booleans())
async def test_random_text_never_breaks_the_ledger(
    api: Api, raw_http: httpx.AsyncClient, field: tuple[str, Path], text: str, inline: bool
) -> None:
    mutation, path = field
    n = next(counter)
    variables = with_text(baseline(n)[mutation], path, text)
    balance, version, ledger = await ledger_sum(api, raw_http)
    assert balance == ledger

    payload: dict[str, Any]
    if inline:
        payload = {"query": f"mutation {{ {mutation}(input: {literal(variables)}) {SELECTION} }}"}
    else:
        kind = INPUT_TYPES[mutation]
        document = f"mutation($input: {kind}!) {{ {mutation}(input: $input) {SELECTION} }}"
        payload = {"query": document, "variables": {"input": variables}}
    body = await post(raw_http, api.admin, payload)

    result = (body.get("data") or {}).get(mutation)
    succeeded = result is not None and "code" not in result
    balance_after, version_after, ledger_after = await ledger_sum(api, raw_http)
    assert balance_after == ledger_after, (mutation, path, text[:40], result)
    if not succeeded:
        assert version_after == version, (mutation, path, result, body.get("errors"))
