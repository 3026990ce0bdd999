"""Apollo Client in Node against a live server: a watched query kept current by a
subscription, over a WebSocket (graphql-ws) and over Apollo's multipart HTTP protocol."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Api
from tests.e2e.test_client_examples import node_script, start, stop

# mbr_demo_ben v2 balance 320 BRONZE coffee-trio 0/3
CARD = re.compile(
    r"(?P<id>\w+) v(?P<version>\d+) balance (?P<balance>\d+) (?P<tier>[A-Z]+)"
    r" coffee-trio (?P<progress>\d+)/3"
)


@pytest.mark.parametrize("transport", [[], ["--multipart"]], ids=["websocket", "multipart"])
async def test_a_subscription_update_lands_in_apollo_clients_cache(
    http_api: Api, live: str, transport: list[str]
) -> None:
    """Ben's card and Ada's are watched; Ben buys a coffee through Apollo's own mutation,
    which selects no member: his watched card changes through the subscription alone, and
    Ada's challenge progress stays hers (`MemberChallenge` is not normalised by its id)."""
    run = await node_script("apollo-live.mjs")
    args = [*transport, "mbr_demo_ben", "mbr_demo_ada"]
    example = await start(run, live, http_api.pos, *args)
    try:
        lines = [await example.line() for _ in range(7)]
        exit_code = await example.exit_code()
    finally:
        await stop(example)

    watching_ben, watching_ada, following, bought, update, watched_ben, watched_ada = lines
    before, after = CARD.fullmatch(watching_ben.removeprefix("watching ")), None
    assert before is not None, lines
    assert (before["balance"], before["tier"], before["progress"]) == ("320", "BRONZE", "0")
    assert CARD.fullmatch(watching_ada.removeprefix("watching ")), lines
    over = "multipart HTTP" if transport else "a WebSocket"
    assert following == f"following mbr_demo_ben over {over}"
    assert bought == "purchase PointsEarned +10"
    version = int(before["version"]) + 1
    assert update == f"update v{version} EARNED"
    after = CARD.fullmatch(watched_ben.removeprefix("watched "))
    assert after is not None, lines
    assert (int(after["version"]), after["balance"], after["progress"]) == (version, "330", "1")
    assert watched_ada == watching_ada.replace("watching", "watched")
    assert exit_code == 0, await example.stderr()
