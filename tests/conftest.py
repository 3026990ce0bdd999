"""Shared fixtures: a real app on the embedded store and on a real MongoDB server (FerretDB,
started once per session, or the one TESSERA_TEST_MONGODB_URL names), a movable clock, and a
GraphQL client over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.auth import issue_token
from app.factory import create_app
from app.persisted_operations import PersistedEdge
from app.settings import Settings
from app.wiring import Tessera
from domain.access import Role
from domain.clock import SettableClock
from domain.manifests import TrustedOperation
from domain.persisted_documents import Owner, OwnerKind, sha256_hex
from tests.demo_programs import NO_HOLD
from tests.ferretdb import FerretDB

SECRET = "test-secret-that-is-long-enough-for-hs256-keys"
START = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def backends() -> list[Any]:
    return [pytest.param("mongomock", id="mongomock"), pytest.param("mongodb", id="mongodb")]


@pytest.fixture(scope="session")
def mongodb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MongoDB server's URL: the user's own (TESSERA_TEST_MONGODB_URL), else a FerretDB
    started for this session. Only tests that ask for it start it (`pytest tests/unit` never
    does); each such test uses a database of its own and drops it."""
    own = os.environ.get("TESSERA_TEST_MONGODB_URL")
    if own:
        yield own
        return
    server = FerretDB(tmp_path_factory.mktemp("ferretdb"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture(params=backends())
async def app(request: pytest.FixtureRequest, clock: SettableClock) -> AsyncIterator[FastAPI]:
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with running_app(clock, mongodb_url=url) as application:
        yield application


@asynccontextmanager
async def running_app(
    clock: SettableClock, mongodb_url: str | None = None, **settings: Any
) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running, on a fresh database (the embedded store unless a
    MongoDB URL is given); `settings` override the test defaults (a program file, say)."""
    database = f"tessera_test_{secrets.token_hex(4)}"
    values: dict[str, Any] = {
        "mongodb_url": mongodb_url,
        "mongodb_database": database,
        "secret": SECRET,
        "demo": True,
        "relay_interval_seconds": 3600,
        "program": NO_HOLD,
        **settings,
    }
    application = create_app(Settings(**values), clock=clock)
    async with application.router.lifespan_context(application):
        yield application
    if mongodb_url:
        await application.state.tessera.client.drop_database(database)
        application.state.tessera.client.close()  # else its sockets stay open all session


def partner_of(token: str | None) -> str | None:
    """The partner a token names (read, not verified: the server verifies it)."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    partner = claims.get("partner")
    return partner if claims.get("role") == "partner" and isinstance(partner, str) else None


@dataclass
class Api:
    """A GraphQL client over HTTP, with a token for each surface."""

    http: httpx.AsyncClient
    tessera: Tessera
    # The app's persisted operations: a partner's requests go by id, as a partner's must
    # (`partner_request`), after the test's documents are pushed to its manifest.
    persisted: PersistedEdge | None = None
    _manifests: dict[str, dict[str, TrustedOperation]] = field(default_factory=dict)
    _pushing: asyncio.Lock = field(default_factory=asyncio.Lock)

    def token(
        self,
        role: str,
        member: str | None = None,
        store: str | None = None,
        partner: str | None = None,
    ) -> str:
        """Issued on the app's clock, so a test that moves time keeps a valid token."""
        now = self.tessera.clock.now()
        return issue_token(SECRET, Role(role), member, store, now=now, partner=partner)

    @property
    def admin(self) -> str:
        return self.token("admin")

    @property
    def pos(self) -> str:
        return self.token("pos", store="store-001")

    @property
    def callcenter(self) -> str:
        return self.token("callcenter")

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # ensure_ascii: strings holding lone surrogates go out as JSON escapes (\ud800), as
        # a hostile client would send them, instead of failing to encode here.
        request: dict[str, Any] = {"query": query, "variables": variables or {}}
        partner = partner_of(token)
        if partner is not None and self.persisted is not None:
            request = await self._by_id(partner, query, request)
        payload = json.dumps(request, ensure_ascii=True)
        response = await self.http.post("/graphql", content=payload, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def _by_id(self, partner: str, query: str, request: dict[str, Any]) -> dict[str, Any]:
        """The request as a partner sends it: the id of `query`, pushed to the partner's
        manifest first (with every document this test sent before, so none is dropped)."""
        assert self.persisted is not None
        document = TrustedOperation(sha256_hex(query), query)
        async with self._pushing:  # concurrent requests: each sent once its push is done
            manifest = self._manifests.setdefault(partner, {})
            if document.id not in manifest:
                owner = Owner(OwnerKind.PARTNER, partner)
                pushed = [*manifest.values(), document]
                await self.persisted.push(owner, pushed, self.tessera.clock.now())
                manifest[document.id] = document
        del request["query"]
        sent = {"persistedQuery": {"version": 1, "sha256Hash": document.id}}
        return {**request, "extensions": sent}

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a response that must have no top-level errors."""
        body = await self.raw(query, variables, token if token is not None else self.admin)
        assert "errors" not in body, body["errors"]
        result: dict[str, Any] = body["data"]
        return result

    async def error_code(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> str:
        body = await self.raw(query, variables, token)
        assert body.get("errors"), body
        code: str = body["errors"][0]["extensions"]["code"]
        return code


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
        yield Api(http, app.state.tessera, app.state.persisted)
