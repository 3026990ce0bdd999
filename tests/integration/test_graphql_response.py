"""GraphQL over HTTP's own media type: a client that prefers
`application/graphql-response+json` gets it, with the spec's status codes (a request error
4xx and no `data`, an executed operation 200); every other client gets `application/json`
and 200, as before. Strawberry's path and the direct path for prepared documents answer
alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from app.auth import issue_token
from app.execution.assembly import TesseraSchema
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import Api, running_app

PRODUCTION_SECRET = "a-production-secret-nobody-guesses-4f9c1e7a2b"
PREFERS = "application/graphql-response+json, application/json;q=0.9"
OURS = "application/graphql-response+json; charset=utf-8"
MEMBER = "query Card($ref: MemberRef!) { member(ref: $ref) { id balance } }"
# (query, variables): nothing of each is executed
REQUEST_ERRORS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "a document that does not parse": ("{ member(", None),
    "a document that does not validate": ("{ nope }", None),
    "variables that do not coerce": (MEMBER, {"ref": "mbr_demo_ada"}),
    "a missing variable": (MEMBER, None),
    "two operations and no name": ("query A { __typename } query B { __typename }", None),
}


async def post(
    api: Api, query: str, variables: dict[str, Any] | None, accept: str | None, **extra: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {api.pos}"}
    if accept is not None:
        headers["accept"] = accept
    body = {"query": query, "variables": variables, **extra}
    return await api.http.post("/graphql", json=body, headers=headers)


async def test_an_executed_operation_is_200_in_the_media_type_asked_for(api: Api) -> None:
    ours = await post(api, MEMBER, {"ref": {"id": "mbr_demo_ben"}}, PREFERS)
    legacy = await post(api, MEMBER, {"ref": {"id": "mbr_demo_ben"}}, "application/json")
    anything = await post(api, MEMBER, {"ref": {"id": "mbr_demo_ben"}}, None)

    assert (ours.status_code, ours.headers["content-type"]) == (200, OURS)
    assert ours.json() == {"data": {"member": {"id": "mbr_demo_ben", "balance": 320}}}
    for response in (legacy, anything):
        assert (response.status_code, response.headers["content-type"]) == (
            200,
            "application/json",
        )
        assert response.json() == ours.json()


async def test_an_operation_whose_fields_failed_was_executed_so_is_200(api: Api) -> None:
    unauthenticated = await api.http.post(
        "/graphql",
        json={"query": MEMBER, "variables": {"ref": {"id": "mbr_demo_ben"}}},
        headers={"accept": PREFERS},
    )

    assert unauthenticated.status_code == 200
    body = unauthenticated.json()
    assert body["data"] == {"member": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("case", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
async def test_a_request_error_is_400_without_data_for_clients_that_prefer_it(
    api: Api, case: tuple[str, dict[str, Any] | None]
) -> None:
    query, variables = case
    ours = await post(api, query, variables, PREFERS)
    legacy = await post(api, query, variables, "application/json")

    assert (ours.status_code, ours.headers["content-type"]) == (400, OURS)
    assert "data" not in ours.json()
    assert ours.json()["errors"][0]["message"]
    # application/json: 200, as its clients expect of a GraphQL answer, and `data: null`.
    assert (legacy.status_code, legacy.headers["content-type"]) == (200, "application/json")
    assert legacy.json() == {"data": None, **ours.json()}


async def test_strawberrys_refusals_take_the_status_the_spec_names(api: Api) -> None:
    headers = {"accept": PREFERS, "authorization": f"Bearer {api.pos}"}
    by_get = await api.http.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=headers
    )
    as_text = await api.http.post(
        "/graphql", content=b"{}", headers={**headers, "content-type": "text/plain"}
    )
    not_json = await api.http.post(
        "/graphql", content=b"{oops", headers={**headers, "content-type": "application/json"}
    )
    legacy_text = await api.http.post(
        "/graphql", content=b"{}", headers={"content-type": "text/plain"}
    )

    assert (by_get.status_code, by_get.headers["allow"]) == (405, "POST")
    assert as_text.status_code == 415
    assert not_json.status_code == 400
    for response in (by_get, as_text, not_json):
        assert response.headers["content-type"] == OURS
        assert response.json()["errors"][0]["message"]
    assert (legacy_text.status_code, legacy_text.headers["content-type"]) == (
        400,
        "application/json",
    )


async def test_introspection_refused_in_production_is_403(
    clock: SettableClock, mongodb_url: str
) -> None:
    production: dict[str, Any] = {
        "production": True,
        "mongodb_url": mongodb_url,
        "demo": False,
        "secret": PRODUCTION_SECRET,
        "webhook_secret": PRODUCTION_SECRET,
    }
    async with running_app(clock, **production) as app:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with http:
            pos = issue_token(PRODUCTION_SECRET, Role.POS, store_id="store-001", now=clock.now())
            refused = await http.post(
                "/graphql",
                json={"query": "{ __schema { queryType { name } } }"},
                headers={"accept": PREFERS, "authorization": f"Bearer {pos}"},
            )

    assert (refused.status_code, refused.headers["content-type"]) == (403, OURS)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.fixture
async def served(clock: SettableClock) -> AsyncIterator[tuple[Api, TesseraSchema]]:
    async with running_app(clock) as app:
        [route] = [r for r in app.router.routes if isinstance(r, Route) and r.path == "/graphql"]
        schema = route.endpoint.schema  # type: ignore[attr-defined]
        assert isinstance(schema, TesseraSchema) and schema.direct is not None
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with http:
            yield Api(http, app.state.tessera), schema


@pytest.mark.parametrize(
    "variables",
    [{"ref": {"id": "mbr_demo_ben"}}, {"ref": {"id": "mbr_nobody"}}, {"ref": "not a ref"}],
    ids=["found", "not found", "variables that do not coerce"],
)
async def test_the_direct_path_answers_the_same_status_and_media_type(
    served: tuple[Api, TesseraSchema], variables: dict[str, Any]
) -> None:
    api, schema = served
    direct = schema.direct
    assert direct is not None
    await post(api, MEMBER, variables, PREFERS)  # parsed and validated once: now prepared
    schema.direct = None
    through_strawberry = await post(api, MEMBER, variables, PREFERS)
    schema.direct = direct
    assert direct.operation(MEMBER, None, None) is not None
    directly = await post(api, MEMBER, variables, PREFERS)

    for response in (through_strawberry, directly):
        assert response.headers["content-type"] == OURS
    assert directly.status_code == through_strawberry.status_code
    assert directly.content == through_strawberry.content
