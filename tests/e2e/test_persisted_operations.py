"""Persisted operations across processes and transports: APQ entries in a real Redis shared
by two instances, `tessera documents push` into a real MongoDB server (FerretDB) read by a
running instance, and a partner's WebSocket held to its trusted documents."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx
import websockets
from fastapi import FastAPI

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from domain.persisted_documents import sha256_hex
from tests.conftest import SECRET, running_app
from tests.e2e.redis_server import RedisServer

QUERY = "query ProgramName { program { name } }"
SKYWAYS = Path(__file__).parents[2] / "clients" / "examples" / "persisted" / "skyways.json"
TESSERA = str(Path(sys.executable).with_name("tessera"))


def apq(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def post(app: FastAPI, body: dict[str, Any], token: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post(
            "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
        )
    result: dict[str, Any] = response.json()
    return result


async def test_a_hash_registered_on_one_instance_runs_on_another(
    clock: SettableClock, redis: RedisServer
) -> None:
    token = issue_token(SECRET, Role.ADMIN, now=clock.now())
    sha = sha256_hex(QUERY)
    async with (
        running_app(clock, redis_url=redis.url) as first,
        running_app(clock, redis_url=redis.url) as second,
    ):
        missed = await post(second, {"extensions": apq(sha)}, token)
        assert missed["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        registered = await post(first, {"query": QUERY, "extensions": apq(sha)}, token)
        assert registered["data"]["program"]["name"]
        assert await post(second, {"extensions": apq(sha)}, token) == registered


async def push(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        TESSERA,
        "documents",
        "push",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_cli_pushes_a_manifest_a_running_instance_serves(
    clock: SettableClock, mongodb_url: str, tmp_path: Path
) -> None:
    database = f"tessera_test_{secrets.token_hex(4)}"
    env = {"TESSERA_MONGODB_URL": mongodb_url, "TESSERA_MONGODB_DATABASE": database}
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"n1": "query Points { program { points } }"}))
    manifest = json.loads(SKYWAYS.read_text())
    document_id = manifest["operations"][0]["id"]

    async with running_app(clock, mongodb_url=mongodb_url, mongodb_database=database) as app:
        token = issue_token(SECRET, Role.PARTNER, partner="skyways", now=clock.now())
        status, said = await push(str(invalid), "--partner", "skyways", env=env)
        assert status == 1 and "n1" in said and "points" in said, said
        status, said = await push(str(SKYWAYS), "--partner", "skyways", env=env)
        assert status == 0, said
        assert "partner:skyways: version 1, 2 operation(s)" in said
        status, said = await push(str(SKYWAYS), "--partner", "skyways", env=env)
        assert "version 1" in said and "unchanged" in said

        body = {"extensions": apq(document_id)}
        result = await post(app, body, token)
        for _ in range(50):  # read again within seconds (at once here: an unknown id)
            if "data" in result:
                break
            await asyncio.sleep(0.2)
            result = await post(app, body, token)
        assert result["data"]["program"]["__typename"] == "Program", result


async def test_a_partner_subscribes_only_by_id(app: FastAPI, live: str) -> None:
    clock = app.state.tessera.clock
    token = issue_token(SECRET, Role.PARTNER, partner="skyways", now=clock.now())
    async with websockets.connect(
        f"ws://{live}/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as socket:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        text = 'subscription { memberUpdated(memberId: "m") { version } }'
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": text}}))
        answer = json.loads(await socket.recv())
    assert answer["type"] == "error" and answer["id"] == "1"
    assert answer["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
