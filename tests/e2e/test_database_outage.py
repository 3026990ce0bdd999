"""MongoDB stops under a running app (a FerretDB of the test's own, killed, then started
again on the same files): requests fail fast with SERVICE_UNAVAILABLE, never a 500, a hang
or a traceback; /readyz answers 503; everything recovers on its own when the server is back.

test_topology.py does the same to a whole topology of processes; this test looks closely at
the answers, in one process, over real HTTP and WebSockets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from gql.transport.exceptions import TransportQueryError

from domain.clock import SettableClock
from schema.errors import ServiceUnavailable
from tests.conftest import Api, running_app
from tests.e2e.conftest import serving, subscriber
from tests.e2e.test_member_updated import follow, next_of
from tests.ferretdb import FerretDB
from tests.integration.graphql import MEMBER, PURCHASE, by_id, purchase
from tests.integration.test_feedback_webhook import post, report

SELECTION = 1.0  # seconds: the app's server selection timeout here
READY = 2.0  # and its readiness timeout
MARGIN = 3.0  # for a slow, shared machine
T = TypeVar("T")


@pytest.fixture
async def ferretdb(tmp_path: Path) -> AsyncIterator[FerretDB]:
    server = FerretDB(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def stack(ferretdb: FerretDB, clock: SettableClock) -> AsyncIterator[tuple[Api, str]]:
    async with (
        running_app(
            clock,
            mongodb_url=ferretdb.url,
            mongodb_server_selection_timeout_seconds=SELECTION,
            ready_timeout_seconds=READY,
        ) as app,
        serving(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}") as http,
    ):
        yield Api(http, app.state.tessera), address


async def timed(call: Awaitable[T]) -> tuple[T, float]:
    started = time.monotonic()
    result = await call
    return result, time.monotonic() - started


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)


def unavailable(body: dict[str, Any]) -> bool:
    """The one error is the database's, and says only that (no driver text, no trace)."""
    [error] = body["errors"]
    return (error["message"], error["extensions"]) == (
        ServiceUnavailable.MESSAGE,
        {"code": "SERVICE_UNAVAILABLE"},
    )


async def ready(api: Api) -> bool:
    return (await api.http.get("/readyz")).status_code == 200


async def test_requests_fail_fast_while_the_database_is_down_then_recover(
    stack: tuple[Api, str], ferretdb: FerretDB, caplog: pytest.LogCaptureFixture
) -> None:
    api, address = stack
    answer = await api.http.get("/readyz")
    assert (answer.status_code, answer.json()) == (
        200,
        {"status": "ready", "checks": {"mongodb": "ok"}},
    )
    before = (await api.data(MEMBER, {"ref": by_id("mbr_demo_ben")}))["member"]

    # when the database stops
    ferretdb.kill()
    caplog.clear()

    # then the first request waits for it no longer than the server selection timeout
    query, took = await timed(api.raw(MEMBER, {"ref": by_id("mbr_demo_ben")}, api.admin))
    assert took < SELECTION + MARGIN
    assert query["data"] == {"member": None} and unavailable(query), query
    assert query["errors"][0]["path"] == ["member"]
    # and from then on requests are refused at once, a burst of them included
    bought, took = await timed(
        api.raw(PURCHASE, purchase(by_id("mbr_demo_ben"), "down-1", "10"), api.admin)
    )
    assert took < MARGIN
    assert bought["data"] is None and unavailable(bought), bought
    burst, took = await timed(
        asyncio.gather(
            *(api.raw(MEMBER, {"ref": by_id("mbr_demo_ben")}, api.admin) for _ in range(30))
        )
    )
    assert took < MARGIN
    assert all(unavailable(body) for body in burst)
    # and a subscription is refused the same way
    with pytest.raises(TransportQueryError) as refused:
        async with subscriber(address, api.pos) as session:
            await next_of(follow(session, "mbr_demo_ben"))
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
    # and a provider's feedback gets a 503 to retry
    feedback = await post(api, report("msg_unknown", "OPENED"))
    assert feedback.status_code == 503 and feedback.headers["retry-after"] == "1"
    assert feedback.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    # and readiness says so, within its timeout, while liveness stays cheap
    down, took = await timed(api.http.get("/readyz"))
    assert took < READY + MARGIN
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["mongodb"] != "ok"
    alive, took = await timed(api.http.get("/healthz"))
    assert alive.status_code == 200 and took < MARGIN
    # and nothing was logged as a crash: no traceback, one line for the outage
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert caplog.text.count("database outage: ") == 1

    # when the database is back (the same files), with nothing restarted here
    ferretdb.start()

    # then readiness, queries and purchases recover on their own, and nothing was written
    await until(lambda: ready(api))
    await until(lambda: _answers(api))
    after = (await api.data(MEMBER, {"ref": by_id("mbr_demo_ben")}))["member"]
    assert after == before
    earned = await api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "down-1", "10"))
    assert earned["recordPurchase"]["member"]["balance"] == before["balance"] + 10
    assert earned["recordPurchase"]["member"]["version"] == before["version"] + 1


async def _answers(api: Api) -> bool:
    body = await api.raw(MEMBER, {"ref": by_id("mbr_demo_ben")}, api.admin)
    return "errors" not in body
