"""Apollo Client's persisted-query link against a live server, in Node: APQ (a miss, then
the text registers the hash, then the hash alone runs), and trusted documents pushed with
`tessera documents push` and run by a partner's client sending ids only."""

from __future__ import annotations

import json
import secrets

from fastapi import FastAPI

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, running_app
from tests.e2e.conftest import serving
from tests.e2e.test_client_examples import node_script, start, stop
from tests.e2e.test_persisted_operations import SKYWAYS, push


async def test_apollos_apq_link_misses_once_then_runs_by_hash(app: FastAPI, live: str) -> None:
    token = issue_token(SECRET, Role.POS, None, "store-001", now=app.state.tessera.clock.now())
    example = await start(await node_script("apq.mjs"), live, token)
    try:
        lines = [await example.line() for _ in range(5)]
        exit_code = await example.exit_code()
    finally:
        await stop(example)

    assert lines[:2] == [
        "GET hash -> 200 PERSISTED_QUERY_NOT_FOUND",
        "POST hash+query -> 200 data",
    ], lines
    assert lines[2].startswith("program ") and lines[2].endswith(" EUR"), lines
    assert lines[3:] == ["GET hash -> 200 data", lines[2]], lines
    assert exit_code == 0


async def test_a_partner_client_sends_only_ids_from_the_pushed_manifest(
    clock: SettableClock, mongodb_url: str
) -> None:
    database = f"tessera_test_{secrets.token_hex(4)}"
    env = {"TESSERA_MONGODB_URL": mongodb_url, "TESSERA_MONGODB_DATABASE": database}
    status, said = await push(str(SKYWAYS), "--partner", "skyways", env=env)
    assert status == 0, said
    token = issue_token(SECRET, Role.PARTNER, partner="skyways", now=clock.now())
    async with (
        running_app(clock, mongodb_url=mongodb_url, mongodb_database=database) as app,
        serving(app) as live,
    ):
        example = await start(await node_script("persisted-documents.mjs"), live, token)
        try:
            lines = [await example.line() for _ in range(2)]
            exit_code = await example.exit_code()
        finally:
            await stop(example)
    name = json.loads(SKYWAYS.read_text())["operations"][0]["name"]
    assert name == "PartnerProgram"
    assert lines[0].startswith("program ") and lines[1] == "sent ids only", lines
    assert exit_code == 0
