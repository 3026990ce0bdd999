"""TESSERA_PRODUCTION=true keeps no development default: the start is refused on each one,
naming the setting; once started, the schema is for admins only and errors give no hints."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth import issue_token
from app.factory import create_app
from app.settings import Settings
from domain.access import Role
from tests.conftest import SECRET
from tests.e2e.conftest import serving
from tests.e2e.net import free_port

TESSERA = Path(sys.executable).with_name("tessera")
STRONG = "production-secret-that-is-long-enough-for-hs256"
HOOKS = "production-webhook-secret-long-enough"
INTROSPECT = "{ __schema { queryType { name } } }"


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    values: dict[str, str | None] = {
        "TESSERA_PRODUCTION": "true",
        "TESSERA_MONGODB_URL": "mongodb://127.0.0.1:9/",  # never reached: refused before
        "TESSERA_DEMO": "false",
        "TESSERA_SECRET": STRONG,
        "TESSERA_WEBHOOK_SECRET": HOOKS,
        **overrides,
    }
    env.update({k: v for k, v in values.items() if v is not None})
    return env


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"TESSERA_MONGODB_URL": None}, "TESSERA_MONGODB_URL"),
        ({"TESSERA_DEMO": "true"}, "TESSERA_DEMO=false"),
        ({"TESSERA_SECRET": None}, "TESSERA_SECRET"),
        ({"TESSERA_SECRET": "short"}, "TESSERA_SECRET at least 32"),
        ({"TESSERA_WEBHOOK_SECRET": None}, "TESSERA_WEBHOOK_SECRET"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_refuses_a_development_default(
    overrides: dict[str, str | None], named: str, command: str
) -> None:
    env = production_env(TESSERA_REDIS_URL="redis://127.0.0.1:9", **overrides)
    arguments = [
        str(TESSERA),
        command,
        *(["--port", str(free_port())] if command == "serve" else []),
    ]

    done = subprocess.run(arguments, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 2, done.stdout + done.stderr
    assert named in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "eyJ" not in done.stdout + done.stderr  # no token printed


async def test_production_prints_no_token_and_says_where_data_lives(mongodb_url: str) -> None:
    port = free_port()
    env = production_env(TESSERA_MONGODB_URL=mongodb_url, TESSERA_MONGODB_DATABASE="prod_banner")
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "serve",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    assert process.stdout is not None
    output = ""
    try:
        async with asyncio.timeout(30), httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
    finally:
        process.terminate()
        output = (await process.stdout.read()).decode()
        await process.wait()

    assert "MongoDB at TESSERA_MONGODB_URL" in output
    assert "eyJ" not in output and "Bearer" not in output


@pytest.fixture
async def production(mongodb_url: str) -> AsyncIterator[str]:
    settings = Settings(
        production=True,
        mongodb_url=mongodb_url,
        mongodb_database="prod_introspection",
        demo=False,
        secret=STRONG,  # type: ignore[arg-type]
        webhook_secret=HOOKS,  # type: ignore[arg-type]
        relay_interval_seconds=3600,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), serving(app) as address:
        yield address
    await app.state.tessera.client.drop_database("prod_introspection")
    app.state.tessera.client.close()


async def ask(address: str, query: str, token: str | None, **variables: object) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    body: dict[str, Any] = response.json()
    return body


async def test_only_admins_introspect_in_production(production: str) -> None:
    member = issue_token(STRONG, Role.MEMBER, "mbr_x")
    pos = issue_token(STRONG, Role.POS, store_id="store-001")
    admin = issue_token(STRONG, Role.ADMIN)

    refused = [await ask(production, INTROSPECT, token) for token in (None, member, pos)]
    allowed = await ask(production, INTROSPECT, admin)

    for body in refused:
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith("introspection is off in production")
    assert allowed == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    # __typename is not introspection: clients send it with every union
    assert await ask(production, "{ __typename }", pos) == {"data": {"__typename": "Query"}}


async def test_production_errors_give_no_suggestions(production: str, live: str) -> None:
    admin = issue_token(STRONG, Role.ADMIN)
    field_typo = "{ program { nme } }"
    enum_typo = (
        'query($k: IdentifierKind!) { member(ref: {identifier: {kind: $k, value: "x"}}) { id } }'
    )

    hidden = [
        await ask(production, field_typo, admin),
        await ask(production, enum_typo, admin, k="EMAL"),
    ]
    development = await ask(live, field_typo, issue_token(SECRET, Role.ADMIN))

    for body in hidden:
        message = body["errors"][0]["message"]
        assert "Did you mean" not in message, message
    assert "Did you mean" in development["errors"][0]["message"]
