"""Pages on other origins, against a live server: CORS for fetch (preflight, credentials, the
allowlist) and the same allowlist for the WebSocket, which a browser opens from any page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, running_app
from tests.e2e.conftest import serving

APP_ORIGIN = "https://app.example.com"
ADMIN = issue_token(SECRET, Role.ADMIN)


@pytest.fixture
async def address(clock: SettableClock) -> AsyncIterator[str]:
    async with running_app(clock, cors_origins=[APP_ORIGIN]) as app, serving(app) as found:
        yield found


async def test_a_listed_origin_may_preflight_and_call_with_its_token(address: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "origin": APP_ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        answer = await http.post(
            "/graphql",
            json={"query": "{ program { name } }"},
            headers={"origin": APP_ORIGIN, "authorization": f"Bearer {ADMIN}"},
        )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert answer.json() == {"data": {"program": {"name": "Tessera Demo Rewards"}}}


async def test_an_origin_not_listed_gets_no_cors_grant(address: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        preflight = await http.options(
            "/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        answer = await http.post(
            "/graphql",
            json={"query": "{ program { name } }"},
            headers={"origin": "https://evil.example"},
        )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    ("origin", "opens"),
    [(APP_ORIGIN, True), (None, True), ("self", True), ("https://evil.example", False)],
)
async def test_the_websocket_checks_its_origin_against_the_same_list(
    address: str, origin: str | None, opens: bool
) -> None:
    sent = f"http://{address}" if origin == "self" else origin
    connecting = websockets.connect(
        f"ws://{address}/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
        origin=None if sent is None else Origin(sent),
    )
    if opens:
        async with connecting as socket:
            assert socket.subprotocol == "graphql-transport-ws"
    else:
        with pytest.raises(InvalidStatus) as refused:
            async with connecting:
                pass
        assert refused.value.response.status_code == 403
