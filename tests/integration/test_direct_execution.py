"""The direct path (`app.execution.direct`) and the lean resolvers
(`app.execution.lean_resolvers`) answer exactly as Strawberry's `execute` and resolver
wrappers do: the same operations over HTTP, once through each, give the same response
bytes (data, errors, their formats and key order) and the same access line (operation,
role, status, error codes), for the schema's queries and for mutations, errors and
refusals included."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.routing import Route
from strawberry.extensions import SchemaExtension

from app.auth import issue_token
from app.demo import DEMO_MEMBER_IDS
from app.execution.assembly import TesseraSchema, build_schema
from app.tracing import tracing
from bench.queries import MEMBER_VIEW, MEMBER_VIEW_BY_EMAIL, RECORD_PURCHASE
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, running_app
from tests.integration.graphql import HISTORY, MEMBER
from tests.integration.messaging_documents import MESSAGES

ADA, BEN = DEMO_MEMBER_IDS[0], DEMO_MEMBER_IDS[1]
TWO_OPERATIONS = """query Ada { member(ref: {id: "mbr_demo_ada"}) { id balance } }
query Program { program { name currency } }"""
PARKED = "query($first: Int!) { parkedOutboxItems(first: $first) { memberId cause } }"
ME = "{ me { id displayName balance tier { code } } }"
PROGRAM = """{ program { name currency earnRate pointValue tiers { code threshold }
  rewards { id name cost available } activities { times per qualifying } } }"""
SETTINGS = """query($ref: MemberRef!) { member(ref: $ref) {
  messaging { consents { channel consent } timeZone preferredChannels reachableChannels }
  engagement { onboarding { complete steps { step done } } weMissYou
    churnRisk { score recency atRisk ordersCounted spendCounted } } } }"""
PURCHASE_INPUT = {
    "member": {"id": "mbr_nobody"},
    "orderId": "o-direct-1",
    "amount": "10.00",
    "currency": "EUR",
    "channel": "POS",
    "storeId": "store-001",
    "idempotencyKey": "direct-1",
}

PREVIEW = """query($input: PreviewPurchaseInput!) { previewPurchase(input: $input) { __typename
  ... on PurchasePreview { points lines { sku points } }
  ... on Error { code message } } }"""
CART = [
    {"sku": "COF-250", "category": "COFFEE", "quantity": 2, "unitPrice": "6.40"},
    {"sku": "GIFT-50", "category": "GIFT_CARD", "quantity": 1, "unitPrice": "50", "earns": False},
]


def preview(lines: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A cart to price for Ada (a list of input objects: `lines`)."""
    cart = {key: PURCHASE_INPUT[key] for key in ("currency", "channel", "storeId")}
    return {"input": {**cart, "member": {"id": ADA}, "lines": lines}}


# (query, variables, operationName, role or None, expected to run directly)
Case = tuple[str, dict[str, Any] | None, str | None, tuple[str, str | None] | None, bool]
CASES: dict[str, Case] = {
    "member view": (MEMBER_VIEW, {"id": ADA}, None, ("admin", None), True),
    "member view, another member": (MEMBER_VIEW, {"id": BEN}, None, ("callcenter", None), True),
    "member view, no such member": (MEMBER_VIEW, {"id": "mbr_nobody"}, None, ("pos", None), True),
    "member view by email": (
        MEMBER_VIEW_BY_EMAIL,
        {"email": "ada@example.com"},
        None,
        ("admin", None),
        True,
    ),
    "member by ref": (MEMBER, {"ref": {"id": ADA}}, None, ("admin", None), True),
    "member by a blank id": (MEMBER, {"ref": {"id": " "}}, None, ("admin", None), True),
    "member, no token": (MEMBER, {"ref": {"id": ADA}}, None, None, True),
    "another member's token": (MEMBER, {"ref": {"id": BEN}}, None, ("member", ADA), True),
    "me": (ME, None, None, ("member", ADA), True),
    "program": (PROGRAM, None, None, ("pos", None), True),
    "a member's settings": (SETTINGS, {"ref": {"id": ADA}}, None, ("callcenter", None), True),
    "by email, its kind an enum": (
        MEMBER,
        {"ref": {"identifier": {"kind": "EMAIL", "value": "ada@example.com"}}},
        None,
        ("admin", None),
        True,
    ),
    "me, for staff": (ME, None, None, ("admin", None), True),
    "history page": (HISTORY, {"ref": {"id": ADA}, "first": 2}, None, ("admin", None), True),
    "history, a bad cursor": (
        HISTORY,
        {"ref": {"id": ADA}, "first": 2, "after": "nonsense"},
        None,
        ("admin", None),
        True,
    ),
    "messages": (MESSAGES, {"member": {"id": ADA}, "first": 3}, None, ("callcenter", None), True),
    "messages, unknown member": (
        MESSAGES,
        {"member": {"id": "mbr_nobody"}, "first": 3},
        None,
        ("callcenter", None),
        True,
    ),
    "messages, forbidden": (MESSAGES, {"member": {"id": ADA}}, None, ("pos", None), True),
    "a page too large": (PARKED, {"first": 1000}, None, ("admin", None), True),
    "a variable of the wrong type": (MEMBER_VIEW, {"id": 7}, None, ("admin", None), True),
    "a missing variable": (MEMBER_VIEW, {}, None, ("admin", None), True),
    "an unknown variable field": (
        MEMBER,
        {"ref": {"id": ADA, "nickname": "x"}},
        None,
        ("admin", None),
        True,
    ),
    "one of two operations": (TWO_OPERATIONS, None, "Program", ("admin", None), True),
    "two operations, none named": (TWO_OPERATIONS, None, None, ("admin", None), False),
    "an operation that is not there": (TWO_OPERATIONS, None, "Nope", ("admin", None), False),
    "a mutation's payload error": (
        RECORD_PURCHASE,
        {"input": PURCHASE_INPUT},
        None,
        ("pos", None),
        True,
    ),
    "a mutation refused": (RECORD_PURCHASE, {"input": PURCHASE_INPUT}, None, None, True),
    "a list of input objects": (PREVIEW, preview(CART), None, ("pos", None), True),
    "a mutation with lines": (
        RECORD_PURCHASE,
        {"input": {**PURCHASE_INPUT, "member": {"id": ADA}, "amount": None, "lines": CART}},
        None,
        ("pos", None),
        True,
    ),
    "a control character in a line": (
        RECORD_PURCHASE,
        {"input": {**PURCHASE_INPUT, "amount": None, "lines": [{**CART[0], "sku": "COF\u0007"}]}},
        None,
        ("pos", None),
        True,
    ),
    "an empty list": (PREVIEW, preview([]), None, ("pos", None), True),
    "a list given as null": (PREVIEW, preview(None), None, ("pos", None), True),
    "a list's item of the wrong type": (
        PREVIEW,
        preview([{**CART[0], "quantity": "two"}]),
        None,
        ("pos", None),
        True,
    ),
    "a validation error": ("{ member { id } }", None, None, ("admin", None), False),
    "introspection": ("{ __schema { queryType { name } } }", None, None, ("admin", None), False),
}


@dataclass
class Server:
    client: httpx.AsyncClient
    schema: TesseraSchema
    clock: SettableClock

    def token(self, role: str, member: str | None = None) -> str:
        store = "store-001" if role == "pos" else None
        return issue_token(SECRET, Role(role), member, store, now=self.clock.now())


@pytest.fixture
async def server(clock: SettableClock) -> AsyncIterator[Server]:
    async with running_app(clock) as app:
        [route] = [r for r in app.router.routes if isinstance(r, Route) and r.path == "/graphql"]
        schema = route.endpoint.schema  # type: ignore[attr-defined]
        assert isinstance(schema, TesseraSchema) and schema.direct is not None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as c:
            yield Server(c, schema, clock)


async def answer(
    server: Server, caplog: pytest.LogCaptureFixture, case: Case
) -> tuple[int, bytes, list[tuple[Any, ...]]]:
    query, variables, name, role, _ = case
    headers = {"content-type": "application/json"}
    if role is not None:
        headers["authorization"] = f"Bearer {server.token(*role)}"
    body: dict[str, Any] = {"query": query, "variables": variables, "operationName": name}
    caplog.clear()
    response = await server.client.post("/graphql", json=body, headers=headers)
    access = [
        tuple(getattr(r, key, None) for key in ("operation", "role", "status", "error_codes"))
        for r in caplog.records
        if r.name == "tessera.access"
    ]
    logged = [(r.name, r.getMessage()) for r in caplog.records if r.name != "tessera.access"]
    return response.status_code, response.content, [*access, *logged]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_the_short_cuts_answer_as_strawberry_does(
    server: Server, caplog: pytest.LogCaptureFixture, case: Case
) -> None:
    schema = server.schema
    caplog.set_level(logging.INFO)
    direct = schema.direct
    assert direct is not None
    await answer(server, caplog, case)  # parsed and validated once

    lean = schema.lean
    assert lean is not None and len(lean) > 0
    schema.direct = None
    lean.use(False)
    expected = await answer(server, caplog, case)
    schema.direct = direct
    lean.use(True)
    answers = [await answer(server, caplog, case) for _ in range(2)]

    query, _, name, _, runs_directly = case
    assert (direct.operation(query, name, None) is not None) == runs_directly
    for got in answers:
        assert got == expected


def test_an_extension_it_cannot_stand_in_for_turns_the_direct_path_off() -> None:
    traced = tracing(None, exporter=InMemorySpanExporter())
    try:
        assert build_schema().direct is not None
        assert build_schema(extensions=traced.extensions).direct is None  # OpenTelemetry
        assert build_schema(extensions=[SchemaExtension]).direct is None
    finally:
        traced.shutdown()
