"""Redis pub/sub bridge: publish to one channel; one subscription per instance feeds the
instance's in-process fan-out. Reconnects with backoff and then asks listeners to resync.

Each message carries `published_at` (wall-clock seconds) beside the event, for the fan-out
delay metric; an instance that does not know the key ignores it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.events import MemberChanged
from domain.ports import PublisherUnavailable
from storage.documents import event_from_doc, event_to_doc
from subscriptions.bus import InProcessBus, Resync

log = logging.getLogger(__name__)
CHANNEL = "tessera:member-changed"
MAX_BACKOFF_SECONDS = 2.0
POLL_SECONDS = 1.0


class RedisBus:
    def __init__(
        self, url: str, local: InProcessBus, channel: str = CHANNEL, socket_timeout: float = 5
    ) -> None:
        # The health check pings an idle connection, so a dead link is noticed while quiet.
        self._redis: Redis = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=socket_timeout, health_check_interval=15
        )
        self._local = local
        self._channel = channel
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def publish(self, event: MemberChanged) -> None:
        """Raises PublisherUnavailable when Redis is down; the outbox keeps the event and
        retries on its sweep."""
        message = orjson.dumps({**event_to_doc(event), "published_at": time.time()})
        try:
            await self._redis.publish(self._channel, message)
        except (RedisError, OSError) as exc:
            raise PublisherUnavailable(f"redis: {exc}") from exc

    async def ping(self) -> None:
        """PING (readiness); raises when Redis does not answer."""
        await self._redis.ping()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    async def _listen_forever(self) -> None:
        backoff, first = 0.05, True
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel)
                    self.connected.set()
                    if not first:
                        self._local.fan_out(Resync())  # what was published meanwhile is lost
                    first, backoff = False, 0.05
                    while True:
                        # Polled with its own timeout: a blocking listen() would fall back to
                        # socket_timeout and take a quiet channel for a broken one.
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=POLL_SECONDS
                        )
                        if message is not None:
                            doc = orjson.loads(message["data"])
                            at = doc.pop("published_at", None)
                            at = at if isinstance(at, int | float) else None
                            self._local.fan_out(event_from_doc(doc), at)
            except (RedisError, OSError) as exc:
                self.connected.clear()
                log.warning("redis bus disconnected (%s); retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
