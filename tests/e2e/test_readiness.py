"""/readyz with Redis configured: Redis stops and starts again under a running app."""

from __future__ import annotations

import asyncio

import httpx

from domain.clock import SettableClock
from tests.conftest import running_app
from tests.e2e.redis_server import RedisServer


async def test_readyz_follows_redis_down_and_back(redis: RedisServer, clock: SettableClock) -> None:
    async with running_app(clock, redis_url=redis.url, ready_timeout_seconds=2) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            up = await http.get("/readyz")
            redis.stop()
            down = await http.get("/readyz")
            await redis.start()
            async with asyncio.timeout(20):
                while (back := await http.get("/readyz")).status_code != 200:
                    await asyncio.sleep(0.1)

    assert (up.status_code, up.json()["checks"]) == (200, {"mongodb": "ok", "redis": "ok"})
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    assert down.json()["checks"]["mongodb"] == "ok"
    assert down.json()["checks"]["redis"].startswith("failed: ")
    assert back.json() == {"status": "ready", "checks": {"mongodb": "ok", "redis": "ok"}}
