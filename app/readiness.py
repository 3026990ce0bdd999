"""/readyz: whether this instance can serve requests now, for a load balancer or an
orchestrator to take it out of rotation (and back) without restarting it.

`/healthz` says the process is alive and touches nothing. `/readyz` asks each dependency
once, all at the same time, each within `timeout` seconds: MongoDB (`ping`) and, when
configured, Redis (`PING`). 200 with every check "ok"; otherwise 503 naming what failed.
A check is any coroutine function that raises when its dependency does not answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[object]]
OK = "ok"


async def run_checks(checks: Mapping[str, Check], timeout: float) -> dict[str, str]:
    """Each check's verdict: "ok", or why not (without the error's text, which may name
    hosts; that goes to the log)."""

    async def verdict(name: str, check: Check) -> str:
        try:
            async with asyncio.timeout(timeout):
                await check()
        except TimeoutError:
            log.warning("readiness: %s gave no answer within %g s", name, timeout)
            return f"no answer within {timeout:g} s"
        except Exception as exc:
            log.warning("readiness: %s failed: %s", name, exc)
            return f"failed: {type(exc).__name__}"
        return OK

    names = list(checks)
    verdicts = await asyncio.gather(*(verdict(name, checks[name]) for name in names))
    return dict(zip(names, verdicts, strict=True))


def readiness_route(checks: Mapping[str, Check], timeout: float) -> Route:
    async def readyz(_: Request) -> JSONResponse:
        verdicts = await run_checks(checks, timeout)
        ready = all(verdict == OK for verdict in verdicts.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": verdicts},
            200 if ready else 503,
            headers={"cache-control": "no-store"},
        )

    return Route("/readyz", readyz, methods=["GET"])
