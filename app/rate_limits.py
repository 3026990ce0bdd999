"""Rate limits at the door of /graphql, answered with 429 and Retry-After.

- Failed authentications per client address: 300 forged tokens a second from one address
  were each checked and refused. Past the limit, that address's requests are refused
  before any signature is checked, unless they carry a token already verified here.
- Requests per caller (role and subject; the address for requests without a token): a
  rate with a burst, kept as "burst requests per burst/rate seconds".

With Redis the counts live there, so N instances share them; without, in memory. The
`limits` library does the counting, with its sliding window counter: two counters per
caller, the previous window's weighted by how much of it is still inside the window. Its
moving window kept one entry per request and, in memory, sorted out expired ones in a
thread after every request (about 0.1 ms each, a fifth of a member view's whole cost).
When Redis is down the requests go through: a limit that cannot be counted is not a reason
to stop a till. `app.edge` asks `Admission` at the door of /graphql.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.types import Receive, Scope, Send

from app.auth import BadToken, TokenReader
from app.endpoint import request_error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    failed_authentications: str  # e.g. "20/minute", per client address
    requests_per_second: int  # per caller
    burst: int  # requests a caller may send at once


class RateLimits:
    def __init__(self, limits: RateLimitSettings, redis_url: str | None) -> None:
        storage: Storage = (
            RedisStorage(f"async+{redis_url}", implementation="redispy")
            if redis_url
            else MemoryStorage()
        )
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._failed: RateLimitItem = parse(limits.failed_authentications)
        window = max(1, math.ceil(limits.burst / max(1, limits.requests_per_second)))
        self._requests: RateLimitItem = RateLimitItemPerSecond(limits.burst, window)

    async def address_blocked(self, address: str) -> int | None:
        """Seconds to wait, when the address failed to authenticate too often."""
        return await self._wait(self._failed, "auth-failures", address, consume=False)

    async def failed_authentication(self, address: str) -> None:
        await self._wait(self._failed, "auth-failures", address, consume=True)

    async def request(self, caller: str) -> int | None:
        """Seconds to wait, when the caller sent too many requests."""
        return await self._wait(self._requests, "requests", caller, consume=True)

    async def _wait(self, item: RateLimitItem, kind: str, key: str, consume: bool) -> int | None:
        try:
            allowed = await (self._limiter.hit if consume else self._limiter.test)(item, kind, key)
            if allowed:
                return None
            stats = await self._limiter.get_window_stats(item, kind, key)
        except Exception as exc:  # the storage is down: count nothing, refuse nothing
            log.warning("rate limits unavailable (%s); letting the request through", exc)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))


class Admission:
    """Whether a request to /graphql (or a WebSocket handshake) may come in now."""

    def __init__(self, limits: RateLimits, tokens: TokenReader) -> None:
        self.limits = limits
        self.tokens = tokens

    async def wait(self, scope: Scope, authorization: str | None) -> int | None:
        """None: come in; else the seconds to wait."""
        address = (scope.get("client") or ("unknown", 0))[0]
        if not authorization:
            return await self.limits.request(f"address:{address}")
        known = self.tokens.knows(authorization)
        if not known and (wait := await self.limits.address_blocked(address)) is not None:
            return wait
        try:
            principal = self.tokens.read(authorization)
        except BadToken:
            await self.limits.failed_authentication(address)
            return None  # this one is answered UNAUTHENTICATED, as before
        assert principal is not None
        return await self.limits.request(f"{principal.role.value}:{principal.subject}")


async def refuse(scope: Scope, receive: Receive, send: Send, wait: int) -> None:
    """429 with Retry-After (a WebSocket handshake: see `refuse_handshake`)."""
    if scope["type"] == "http":
        response = request_error(
            429, f"too many requests: retry in {wait} s", headers={"retry-after": str(wait)}
        )
        await response(scope, receive, send)
    else:
        await refuse_handshake(scope, send, wait)


async def refuse_handshake(scope: Scope, send: Send, wait: int) -> None:
    """429 before the upgrade where the server lets the app answer a handshake with HTTP;
    else the handshake is closed (the client sees 403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = f'{{"errors":[{{"message":"too many requests: retry in {wait} s"}}]}}'.encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(wait).encode()),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1013})
