"""The long-lived connections of /graphql (WebSockets, SSE streams and multipart
subscriptions): counted, and ended when the server drains.

On SIGTERM `tessera serve` stops accepting connections, then calls `drain`: each WebSocket
is closed with 1012 (service restart) and a reason, each SSE stream is finished (a last
comment line, then the end of the body, with no `complete` event, so that graphql-sse
clients reconnect, to another instance), each multipart subscription is ended with a
transport error, which Apollo Client reports, so that the app subscribes again. Only then
does uvicorn's own shutdown wait for the plain HTTP requests in flight. Without this, one
open stream held the process for as long as its client stayed (`app.server`).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.streaming import MultipartSubscriptionTransport

from app.metrics import CONNECTIONS

log = logging.getLogger(__name__)

RESTART = 1012  # WebSocket close code: service restart
REASON = "server restarting: reconnect"
SSE_GOODBYE = b": server restarting: reconnect\n\n"
# Apollo's multipart subscriptions: a transport error (`payload` null), then the last
# boundary. Strawberry ends each part with the boundary, so this is a part of its own.
MULTIPART_GOODBYE = (
    b"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
    b'{"payload":null,"errors":[{"message":"server restarting: reconnect"}]}'
    b"\r\n--graphql--\r\n"
)
_MULTIPART = MultipartSubscriptionTransport()


def long_lived(scope: Scope) -> str | None:
    """The transport of a connection that may stay open (websocket, sse, multipart), else
    None."""
    if scope["type"] == "websocket":
        return "websocket"
    return streamed(Headers(scope=scope).get("accept", ""))


def streamed(accept: str) -> str | None:
    """The stream an HTTP request's Accept asks for: graphql-sse's (`sse`), Apollo's
    multipart subscriptions (`multipart`), or None for one answer."""
    if "text/event-stream" in accept:
        return "sse"
    if "multipart" in accept and _MULTIPART.accepts(accept):  # as Strawberry tells
        return "multipart"
    return None


class LiveConnections:
    def __init__(self) -> None:
        self._draining = False
        self._open: dict[asyncio.Task[None], _State] = {}

    @property
    def draining(self) -> bool:
        return self._draining

    @property
    def count(self) -> int:
        return len(self._open)

    async def drain(self, timeout: float) -> None:
        """End every live connection; return when all are ended, or after `timeout`."""
        self._draining = True
        if self._open:
            log.info("draining %d live connections", len(self._open))
            for task, state in self._open.items():
                state.drained = True
                task.cancel()  # `hold` catches it, then says goodbye
            await asyncio.wait(set(self._open), timeout=timeout)

    async def hold(
        self, transport: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run `app` for one long-lived connection until it ends, or until the drain.

        In the connection's own task: a task more per connection (and one waiting on the
        drain) cost about 3.5 KiB per idle subscriber (`bench.realtime`)."""
        if self.draining:
            await _refuse(transport, send)
            return
        task = asyncio.current_task()
        assert task is not None
        state = _State()
        self._open[task] = state
        CONNECTIONS.labels(transport).inc()
        try:
            try:
                await app(scope, receive, state.tracking(send))
            except asyncio.CancelledError:
                if not state.drained:  # a forced shutdown: this task is meant to end
                    raise
            if state.drained:
                if task.cancelling():  # the drain's cancel is handled here (or by the app)
                    task.uncancel()
                await state.end(transport, send)
        finally:
            CONNECTIONS.labels(transport).dec()
            self._open.pop(task, None)


class _State:
    """What the app has sent so far, so that the drain ends the connection properly."""

    def __init__(self) -> None:
        self.started = False  # response started (HTTP) or accepted (WebSocket)
        self.ended = False  # response body complete, or socket closed
        self.drained = False  # ended by the drain

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
            goodbye = MULTIPART_GOODBYE if transport == "multipart" else SSE_GOODBYE
            await send({"type": "http.response.body", "body": goodbye, "more_body": False})
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
