"""/healthz and /readyz, and the checks behind /readyz: each asked once, together, each
within the timeout; 503 names what failed without the error's text."""

from __future__ import annotations

import asyncio
import time

from app.readiness import run_checks
from tests.conftest import Api


async def test_readyz_is_ready_when_the_database_answers(api: Api) -> None:
    answer = await api.http.get("/readyz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"mongodb": "ok"}}
    assert answer.headers["cache-control"] == "no-store"


async def test_healthz_says_the_process_is_alive(api: Api) -> None:
    answer = await api.http.get("/healthz")

    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


async def test_each_check_is_judged_on_its_own_within_the_timeout() -> None:
    async def answers() -> None:
        pass

    async def refuses() -> None:
        raise ConnectionRefusedError("10.0.0.7:27017 refused")

    async def hangs() -> None:
        await asyncio.sleep(60)

    started = time.monotonic()
    verdicts = await run_checks({"a": answers, "b": refuses, "c": hangs}, timeout=0.2)

    assert time.monotonic() - started < 5  # together, not one after the other
    assert verdicts == {
        "a": "ok",
        "b": "failed: ConnectionRefusedError",  # no host names
        "c": "no answer within 0.2 s",
    }
