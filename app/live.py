"""The long-lived connections of /graphql (WebSockets and SSE streams): counted, and ended
when the server drains.

On SIGTERM `tessera serve` stops accepting connections, then calls `drain`: each WebSocket
is closed with 1012 (service restart) and a reason, each SSE stream is finished (a last
comment line, then the end of the body, with no `complete` event, so that graphql-sse
clients reconnect, to another instance). Only then does uvicorn's own shutdown wait for
the plain HTTP requests in flight. Without this, one open stream held the process for as
long as its client stayed (`app.server`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import CONNECTIONS

log = logging.getLogger(__name__)

RESTART = 1012  # WebSocket close code: service restart
REASON = "server restarting: reconnect"
SSE_GOODBYE = b": server restarting: reconnect\n\n"


def long_lived(scope: Scope) -> str | None:
    """The transport of a connection that may stay open (websocket, sse), else None."""
    if scope["type"] == "websocket":
        return "websocket"
    if "text/event-stream" in Headers(scope=scope).get("accept", ""):
        return "sse"
    return None


class LiveConnections:
    def __init__(self) -> None:
        self._draining = asyncio.Event()
        self._open: set[asyncio.Task[None]] = set()

    @property
    def draining(self) -> bool:
        return self._draining.is_set()

    @property
    def count(self) -> int:
        return len(self._open)

    async def drain(self, timeout: float) -> None:
        """End every live connection; return when all are ended, or after `timeout`."""
        self._draining.set()
        if self._open:
            log.info("draining %d live connections", len(self._open))
            await asyncio.wait(set(self._open), timeout=timeout)

    async def hold(
        self, transport: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run `app` for one long-lived connection until it ends, or until the drain."""
        if self.draining:
            await _refuse(transport, send)
            return
        task = asyncio.current_task()
        assert task is not None
        self._open.add(task)
        CONNECTIONS.labels(transport).inc()
        state = _State()

        async def run() -> None:
            await app(scope, receive, state.tracking(send))

        inner = asyncio.create_task(run())
        drained = asyncio.create_task(self._draining.wait())
        try:
            await asyncio.wait({inner, drained}, return_when=asyncio.FIRST_COMPLETED)
            if inner.done():
                inner.result()  # its own end, or its own exception
                return
            inner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await inner
            await state.end(transport, send)
        finally:
            drained.cancel()
            if not inner.done():  # this task itself was cancelled (a forced shutdown)
                inner.cancel()
            CONNECTIONS.labels(transport).dec()
            self._open.discard(task)


class _State:
    """What the app has sent so far, so that the drain ends the connection properly."""

    def __init__(self) -> None:
        self.started = False  # response started (HTTP) or accepted (WebSocket)
        self.ended = False  # response body complete, or socket closed

    def tracking(self, send: Send) -> Send:
        async def tracked(message: Message) -> None:
            if self.ended:
                return
            kind = message["type"]
            if kind in {"http.response.start", "websocket.accept"}:
                self.started = True
            elif kind == "websocket.close" or (
                kind == "http.response.body" and not message.get("more_body", False)
            ):
                self.ended = True
            await send(message)

        return tracked

    async def end(self, transport: str, send: Send) -> None:
        if self.ended:
            return
        self.ended = True
        if transport == "websocket":
            await send({"type": "websocket.close", "code": RESTART, "reason": REASON})
        elif self.started:
            await send({"type": "http.response.body", "body": SSE_GOODBYE, "more_body": False})
        else:
            await _refuse(transport, send)


async def _refuse(transport: str, send: Send) -> None:
    if transport == "websocket":
        await send({"type": "websocket.close", "code": RESTART, "reason": REASON})
        return
    body = b'{"errors":[{"message":"server restarting: reconnect"}]}'
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1")],
        }
    )
    await send({"type": "http.response.body", "body": body})
