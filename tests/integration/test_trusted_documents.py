"""Trusted documents: manifests pushed per partner or app, validated against the schema,
versioned; clients run them by id (`extensions.persistedQuery.sha256Hash` or `documentId`);
partner tokens run only their own, and with TESSERA_TRUSTED_DOCUMENTS_ONLY so does every
caller but an admin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from app.persisted_operations import InvalidManifest, PersistedEdge
from domain.clock import SettableClock
from domain.manifests import TrustedOperation, read_manifest
from domain.persisted_documents import Owner, OwnerKind, sha256_hex
from tests.conftest import Api, backends, running_app

EXAMPLES = Path(__file__).parents[2] / "clients" / "examples" / "persisted"
SKYWAYS = Owner(OwnerKind.PARTNER, "skyways")
HOTELS = Owner(OwnerKind.PARTNER, "hotels")
APP = Owner(OwnerKind.APP, "member-app")
PROGRAM = "query PartnerProgram { program { name } }"
CURRENCY = "query Currency { program { currency } }"
TIERS = "query Tiers { program { tiers { name } } }"


def op(body: str) -> TrustedOperation:
    return TrustedOperation(sha256_hex(body), body)


def by_id(document_id: str, *, document_field: bool = False) -> dict[str, Any]:
    if document_field:
        return {"documentId": document_id}
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id}}}


def partner(api: Api, name: str) -> str:
    return api.token("partner", partner=name)


async def ask(api: Api, body: dict[str, Any], token: str | None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await api.http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def code(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    found: str = result["errors"][0]["extensions"]["code"]
    return found


def edge_of(api: Api, app: FastAPI) -> PersistedEdge:
    edge: PersistedEdge = app.state.persisted
    return edge


async def test_a_partner_runs_its_own_documents_by_id_and_nothing_else(
    api: Api, app: FastAPI
) -> None:
    edge = edge_of(api, app)
    now = api.tessera.clock.now()
    manifest = read_manifest(json.loads((EXAMPLES / "skyways.json").read_text()))
    await edge.push(SKYWAYS, manifest, now)
    await edge.push(HOTELS, [op(CURRENCY)], now)
    skyways, hotels = partner(api, "skyways"), partner(api, "hotels")
    own = manifest[0].id

    ran = await ask(api, by_id(own), skyways)
    assert ran == {
        "data": {"program": {"name": ran["data"]["program"]["name"], "__typename": "Program"}}
    }
    assert await ask(api, by_id(own, document_field=True), skyways) == ran
    got = await api.http.get(
        "/graphql", params={"documentId": own}, headers={"authorization": f"Bearer {skyways}"}
    )
    assert got.json() == ran

    refused = [
        await ask(api, {"query": PROGRAM}, skyways),  # full text
        await ask(api, by_id(sha256_hex(CURRENCY)), skyways),  # another partner's id
        await ask(api, {"query": PROGRAM, **by_id(sha256_hex(PROGRAM))}, skyways),  # APQ
        await ask(api, by_id(own), hotels),
    ]
    assert [code(r) for r in refused] == ["PERSISTED_QUERY_REQUIRED"] * 4
    assert "of partner skyways" in refused[0]["errors"][0]["message"]
    assert (await ask(api, by_id(sha256_hex(CURRENCY)), hotels))["data"]["program"]["currency"]


async def test_an_invalid_operation_is_refused_by_name_and_nothing_is_stored(
    api: Api, app: FastAPI
) -> None:
    edge = edge_of(api, app)
    bad = TrustedOperation("bad-1", "query Balance { program { balance } }", "Balance")
    broken = TrustedOperation("bad-2", "query Broken { program {", "Broken")
    with pytest.raises(InvalidManifest) as refused:
        await edge.push(SKYWAYS, [op(PROGRAM), bad, broken], api.tessera.clock.now())
    message = str(refused.value)
    assert "operation Balance (bad-1)" in message and "balance" in message
    assert "operation Broken (bad-2)" in message
    assert await edge.trusted.store.version(SKYWAYS) is None
    skyways = partner(api, "skyways")
    assert code(await ask(api, by_id(sha256_hex(PROGRAM)), skyways)) == "PERSISTED_QUERY_REQUIRED"


async def test_each_push_is_a_version_and_the_one_before_stays_runnable(
    api: Api, app: FastAPI
) -> None:
    edge = edge_of(api, app)
    now = api.tessera.clock.now()
    skyways = partner(api, "skyways")
    first = await edge.push(SKYWAYS, [op(PROGRAM)], now)
    again = await edge.push(SKYWAYS, [op(PROGRAM)], now)
    assert (first.version, first.new, again.version, again.new) == (1, True, 1, False)
    await edge.push(SKYWAYS, [op(CURRENCY)], now)
    # Version 2 is live, version 1 still runs: clients of the last deploy keep working.
    for body in (PROGRAM, CURRENCY):
        assert "data" in await ask(api, by_id(sha256_hex(body)), skyways)
    third = await edge.push(SKYWAYS, [op(TIERS)], now)
    assert third.version == 3
    assert code(await ask(api, by_id(sha256_hex(PROGRAM)), skyways)) == "PERSISTED_QUERY_REQUIRED"
    for body in (CURRENCY, TIERS):
        assert "data" in await ask(api, by_id(sha256_hex(body)), skyways)


async def test_code_generators_persisted_documents_are_read_too(api: Api, app: FastAPI) -> None:
    codegen = {"a1b2c3": "query Currency { program { currency } }"}
    await edge_of(api, app).push(APP, read_manifest(codegen), api.tessera.clock.now())
    result = await ask(api, by_id("a1b2c3", document_field=True), api.pos)
    assert result["data"]["program"]["currency"]
    # Any caller free to send text may run the apps' documents by id; an unknown id is
    # NOT_FOUND, so Apollo's link sends the text.
    unknown = await ask(api, by_id(sha256_hex(TIERS)), api.pos)
    assert code(unknown) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("backend", backends())
async def test_safelisting_runs_every_caller_but_an_admin_on_the_apps_documents(
    backend: str, clock: SettableClock, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("mongodb_url") if backend == "mongodb" else None
    manifest = tmp_path / "member-app.json"
    manifest.write_text(json.dumps({sha256_hex(PROGRAM): PROGRAM}))
    async with running_app(
        clock,
        mongodb_url=url,
        trusted_documents_only=True,
        trusted_documents={"app:member-app": str(manifest), "partner:skyways": str(manifest)},
    ) as app:
        import httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http, app.state.tessera)
            assert code(await ask(api, {"query": PROGRAM}, api.pos)) == "PERSISTED_QUERY_REQUIRED"
            assert code(await ask(api, {"query": PROGRAM}, None)) == "PERSISTED_QUERY_REQUIRED"
            assert "data" in await ask(api, by_id(sha256_hex(PROGRAM)), api.pos)
            assert "data" in await ask(api, {"query": CURRENCY}, api.admin)
            apq = {"query": CURRENCY, **by_id(sha256_hex(CURRENCY))}
            assert code(await ask(api, apq, api.callcenter)) == "PERSISTED_QUERY_REQUIRED"
            # The partner's manifest loaded at start too, and it is the partner's only.
            assert "data" in await ask(api, by_id(sha256_hex(PROGRAM)), partner(api, "skyways"))


async def test_a_bad_manifest_in_the_settings_stops_the_start(
    clock: SettableClock, tmp_path: Path
) -> None:
    manifest = tmp_path / "bad.json"
    manifest.write_text(json.dumps({"x1": "query Nope { nope }"}))
    with pytest.raises(InvalidManifest, match="x1"):
        async with running_app(clock, trusted_documents={"partner:skyways": str(manifest)}):
            pass


def test_the_example_manifests_are_valid_against_the_schema() -> None:
    from app.execution.assembly import build_schema
    from app.persisted_operations import invalid_operations

    schema = build_schema()
    assert schema.documents is not None
    manifests = sorted(EXAMPLES.glob("*.json"))
    assert manifests
    for path in manifests:
        operations = read_manifest(json.loads(path.read_text()))
        assert invalid_operations(schema._schema, schema.documents, operations) == [], path
        assert all(o.id == sha256_hex(o.body) for o in operations), path
