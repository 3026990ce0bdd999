"""How many live connections (WebSockets and SSE streams) one principal may hold.

Counted by the verified principal (role and subject), never by the text of a header: the
same token spelled `Bearer`, `bearer` or with extra spaces is one caller. Without Redis the
count is this instance's. With Redis it is every instance's: each connection is a member of
a sorted set per principal, scored by when its lease runs out; instances renew their live
leases, so those of an instance that died lapse on their own. When Redis is down the
instance falls back to its own count rather than refuse every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0
RENEW_SECONDS = 20.0

# Drop lapsed leases, then take one if there is room: atomic on the Redis server.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True, slots=True)
class Lease:
    principal: str
    id: str
    shared: bool  # counted in Redis (else only here)


class ConnectionCaps(Protocol):
    async def admit(self, principal: str) -> Lease | None:
        """A lease for one more connection, or None when the principal holds the most."""
        ...

    async def release(self, lease: Lease) -> None: ...


class LocalConnectionCaps:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()
        self._ids = itertools.count()

    async def admit(self, principal: str) -> Lease | None:
        return self.take(principal)

    def take(self, principal: str) -> Lease | None:
        if self._open[principal] >= self.limit:
            return None
        self._open[principal] += 1
        return Lease(principal, str(next(self._ids)), shared=False)

    async def release(self, lease: Lease) -> None:
        self._open[lease.principal] -= 1
        if self._open[lease.principal] <= 0:
            del self._open[lease.principal]


class RedisConnectionCaps:
    def __init__(self, url: str, limit: int, prefix: str = "tessera:connections:") -> None:
        self._redis: Redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._admit = self._redis.register_script(_ADMIT)
        self._prefix = prefix
        self._limit = limit
        self._local = LocalConnectionCaps(limit)
        self._instance = secrets.token_hex(4)
        self._ids = itertools.count()
        self._live: dict[str, Lease] = {}
        self._renewing: asyncio.Task[None] | None = None

    async def admit(self, principal: str) -> Lease | None:
        lease = Lease(principal, f"{self._instance}:{next(self._ids)}", shared=True)
        now = time.time()
        try:
            taken = await self._admit(
                keys=[self._prefix + principal],
                args=[now, self._limit, now + LEASE_SECONDS, lease.id, int(LEASE_SECONDS) * 2],
            )
        except (RedisError, OSError) as exc:
            log.warning("connection caps: redis unavailable (%s); counting locally", exc)
            return self._local.take(principal)
        if not taken:
            return None
        self._live[lease.id] = lease
        if self._renewing is None:
            self._renewing = asyncio.create_task(self._renew_forever())
        return lease

    async def release(self, lease: Lease) -> None:
        if not lease.shared:
            await self._local.release(lease)
            return
        self._live.pop(lease.id, None)
        with contextlib.suppress(RedisError, OSError):  # else it lapses by itself
            await self._redis.zrem(self._prefix + lease.principal, lease.id)

    async def close(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
        await self._redis.aclose()

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            expires = time.time() + LEASE_SECONDS
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for lease in list(self._live.values()):
                        pipe.zadd(self._prefix + lease.principal, {lease.id: expires}, xx=True)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                log.warning("connection caps: could not renew leases (%s)", exc)
