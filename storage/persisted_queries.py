"""Automatic persisted queries (Apollo's APQ): query texts kept by their SHA-256 hash.

In Redis when one is configured, so a hash registered through one instance is found by
all; else in a bounded LRU in this process. Either way an entry is only a cache: a miss
answers PERSISTED_QUERY_NOT_FOUND and the client sends the text again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

KEY_PREFIX = "tessera:apq:"
REDIS_TTL_SECONDS = 24 * 3600  # an unused text leaves Redis after a day
MEMORY_ENTRIES = 1000
MEMORY_CHARS = 16 * 1024 * 1024


class PersistedQueries(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, query: str) -> None: ...

    async def close(self) -> None: ...


class MemoryPersistedQueries:
    """At most `entries` texts and `chars` characters in all, least recently used out."""

    def __init__(self, entries: int = MEMORY_ENTRIES, chars: int = MEMORY_CHARS) -> None:
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._entries = entries
        self._chars = chars
        self._held = 0

    async def get(self, sha256: str) -> str | None:
        text = self._texts.get(sha256)
        if text is not None:
            self._texts.move_to_end(sha256)
        return text

    async def put(self, sha256: str, query: str) -> None:
        if len(query) > self._chars:
            return
        old = self._texts.pop(sha256, None)
        self._held -= len(old) if old is not None else 0
        self._texts[sha256] = query
        self._held += len(query)
        while len(self._texts) > self._entries or self._held > self._chars:
            _, dropped = self._texts.popitem(last=False)
            self._held -= len(dropped)

    async def close(self) -> None:
        self._texts.clear()

    def __len__(self) -> int:
        return len(self._texts)


class RedisPersistedQueries:
    """Shared by every instance. Redis being down is a miss (the client sends the text,
    which runs) and a lost registration, never a failed request."""

    def __init__(self, url: str, ttl_seconds: int = REDIS_TTL_SECONDS) -> None:
        self._redis: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._ttl = ttl_seconds

    async def get(self, sha256: str) -> str | None:
        try:
            value = await self._redis.get(KEY_PREFIX + sha256)
        except (RedisError, OSError):
            return None
        return None if value is None else bytes(value).decode("utf-8")

    async def put(self, sha256: str, query: str) -> None:
        try:
            await self._redis.set(KEY_PREFIX + sha256, query.encode("utf-8"), ex=self._ttl)
        except (RedisError, OSError):
            return

    async def close(self) -> None:
        await self._redis.aclose()
