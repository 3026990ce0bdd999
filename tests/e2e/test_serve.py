"""`tessera serve` as a user runs it: a real process, a real port, the tokens it prints."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from tests.e2e.served import SECRET, TESSERA, tessera_serve


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, dict[str, str]]]:
    async with tessera_serve() as process:
        yield process.url, process.tokens


async def test_serve_prints_working_tokens_for_each_surface(
    served: tuple[str, dict[str, str]],
) -> None:
    url, tokens = served
    async with httpx.AsyncClient(base_url=url) as client:
        me = await client.post(
            "/graphql",
            json={"query": "{ me { displayName tier { code } } }"},
            headers={"authorization": f"Bearer {tokens['member']}"},
        )
        lookup = await client.post(
            "/graphql",
            json={
                "query": '{ member(ref: {identifier: {kind: EMAIL, value: "ben@example.com"}})'
                " { displayName balance } }"
            },
            headers={"authorization": f"Bearer {tokens['pos']}"},
        )
        partner = await client.post(
            "/graphql",
            json={
                "query": '{ partnerMember(partner: "skyways", externalId: "SKY-0") {'
                " ... on Error { code } } }"
            },
            headers={"authorization": f"Bearer {tokens['partner']}"},
        )
        graphiql = await client.get("/graphql", headers={"accept": "text/html"})

    assert set(tokens) == {"member", "pos", "callcenter", "admin", "partner"}
    # The partner token is skyways's: it runs skyways's trusted documents only, by id.
    refused = partner.json()["errors"][0]
    assert refused["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    assert "trusted documents of partner skyways" in refused["message"]
    assert me.json() == {
        "data": {"me": {"displayName": "Ada Lovelace", "tier": {"code": "SILVER"}}}
    }
    assert lookup.json() == {"data": {"member": {"displayName": "Ben Okafor", "balance": 320}}}
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()


async def test_token_command_signs_with_the_configured_secret() -> None:
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "token",
        "--role",
        "pos",
        "--store",
        "store-042",
        "--ttl",
        "60",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "TESSERA_SECRET": SECRET},
    )
    out, _ = await process.communicate()

    claims = jwt.decode(out.decode().strip(), SECRET, algorithms=["HS256"], issuer="tessera")
    assert (claims["role"], claims["store_id"]) == ("pos", "store-042")
    assert claims["exp"] - claims["iat"] == 60


async def test_token_command_refuses_a_member_token_without_a_member() -> None:
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "token",
        "--role",
        "member",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()

    assert process.returncode == 2
    assert b"needs --member" in err
