"""A collection whose calls of one kind are held on the way, to stop their writer there."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest


class HeldReplies:
    """A collection with one kind of call held on the way: before it is sent
    (`landed=False`), or after the server made it with its reply still to come
    (`landed=True`). A writer cancelled there is a job stopped at shutdown in the middle of
    a write, which the driver does not finish."""

    def __init__(self, collection: Any, call: str, landed: bool) -> None:
        self._collection, self._call, self._landed = collection, call, landed
        self.reached, self.gate = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        made = getattr(self._collection, name)
        if name != self._call:
            return made

        async def held(*args: Any, **kwargs: Any) -> Any:
            result = await made(*args, **kwargs) if self._landed else None
            self.reached.set()
            await self.gate.wait()
            return result if self._landed else await made(*args, **kwargs)

        return held

    async def stop_there(self, writer: Coroutine[Any, Any, Any]) -> None:
        """Run `writer` until its held call, cancel it there (a shutdown), let the call go
        on, and see the cancellation come out of it."""
        running = asyncio.create_task(writer)
        async with asyncio.timeout(5):
            await self.reached.wait()
        running.cancel()
        self.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await running
