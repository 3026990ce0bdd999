"""Whether MongoDB can be reached: what a failed call means, a ping for readiness, and the
outage state that lets requests be refused at once while it cannot.

The rest of the code never sees pymongo's errors by name: `app/` hands `Outage` to the
schema, which answers such a failure as SERVICE_UNAVAILABLE, and `is_unavailable` to the
workers, which run such a job again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.errors import ConnectionFailure

log = logging.getLogger(__name__)
PING_EVERY_SECONDS = 0.5


def is_unavailable(error: BaseException | None) -> bool:
    """The call failed because no database answered (stopped, restarting, no primary yet, a
    reply that never came), not because of anything it asked: the same call may succeed
    later. ConnectionFailure covers ServerSelectionTimeoutError, AutoReconnect (and so
    NotPrimaryError), NetworkTimeout and WaitQueueTimeoutError."""
    return isinstance(error, ConnectionFailure)


def describe(error: BaseException) -> str:
    """One short line: pymongo's messages carry the whole topology description."""
    return f"{type(error).__name__}: {str(error).split(', Timeout:')[0][:300]}"


def log_failure(logger: logging.Logger, error: BaseException, message: str, *args: object) -> None:
    """Log a background task's failure: with its traceback, or as one line when it only met
    an unreachable database (an outage is not a bug, and would log one trace per tick)."""
    if is_unavailable(error):
        logger.warning(message + " (%s)", *args, describe(error))
    else:
        logger.error(message, *args, exc_info=error)


class DatabasePing:
    """MongoDB's `ping` command: answered by a server that can take calls now."""

    def __init__(self, client: Any, database: str) -> None:
        self._db = client[database]

    async def __call__(self) -> None:
        await self._db.command("ping")


class Outage:
    """Whether the database is known to be down, from the first call that could not reach it
    until a ping gets through again.

    Meanwhile requests are refused at once rather than each waiting out the server selection
    timeout on one of motor's threads (five per core): 30 requests at once on 2 cores took
    3.5 times the timeout to be answered, and a busier instance falls further behind. One
    ping at a time is tried, every `every` seconds, so the end of an outage is seen within
    about that (pymongo reconnects by itself; this only stops refusing).
    """

    def __init__(self, ping: Callable[[], Awaitable[object]], every: float = PING_EVERY_SECONDS):
        self._ping = ping
        self._every = every
        self._watch: asyncio.Task[None] | None = None

    @property
    def ongoing(self) -> bool:
        return self._watch is not None and not self._watch.done()

    def is_unavailable(self, error: BaseException) -> bool:
        return is_unavailable(error)

    def report(self, error: BaseException) -> None:
        """A call failed with `error`; if no database answered it, an outage begins."""
        if not is_unavailable(error) or self.ongoing:
            return
        log.warning(
            "database outage: %s; requests are refused until a ping gets through", describe(error)
        )
        self._watch = asyncio.get_running_loop().create_task(self._until_it_answers())

    async def check(self) -> None:
        """Ping now (/readyz); raises if no database answers. Its answer counts as the
        watch's would, so that /readyz and the refusals never disagree for long."""
        try:
            await self._ping()
        except Exception as exc:
            self.report(exc)
            raise
        if self.ongoing:
            assert self._watch is not None
            self._watch.cancel()
            self._over()

    async def _until_it_answers(self) -> None:
        while True:
            try:
                await self._ping()
            except Exception as exc:
                if is_unavailable(exc):
                    await asyncio.sleep(self._every)
                    continue
                # It answered, if with an error: refusing requests would not help them.
            self._over()
            return

    def _over(self) -> None:
        self._watch = None
        log.warning("database outage over: a ping got through")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
