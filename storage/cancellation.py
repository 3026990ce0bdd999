"""Writes that must not be cut short by a cancellation.

A job stopped at shutdown is cancelled wherever it waits, and the driver does not finish a
cancelled call: the write may not be sent, or may land with nobody left to know it. For
most writes either is fine (a claim left SENDING is taken up again after its lease). For a
few, a write that lands unknown holds something for a whole lease: a document lock (every
writer of the document waits, `storage.document_locks`) or a member's dispatch turn (their
messages wait, `storage.profiles`). Those writes, and the writes that put them right, are
run to their end, and then the cancellation goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def to_the_end(write: Coroutine[Any, Any, T]) -> T:
    """The write's result; cancelled on the way, the write is let finish, then the
    cancellation is raised (its own outcome then no longer matters)."""
    running = asyncio.ensure_future(write)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        if not running.cancelled():
            running.exception()  # seen: the cancellation is what goes on
        raise
