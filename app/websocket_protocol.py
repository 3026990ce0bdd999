"""uvicorn's WebSocket protocol (websockets, sans-I/O), holding less while a socket idles.

Per connection, uvicorn's protocol keeps an `asyncio.Queue` of received messages (four
deques, about 3.3 KiB), an `asyncio.Event` for write back-pressure (one deque, about
850 B), and the handshake's request and response with their headers (about 4 KiB; the
ASGI scope has its own copy of the request's headers) for as long as the socket is open.
At 10,000 idle subscribers that is about 80 MiB; here the queue and the flag are
`subscriptions.mailbox`'s (a list and a future only while in use), and the request and the
response are dropped once the handshake is sent. Everything else is uvicorn's, unchanged.
"""

from __future__ import annotations

from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from subscriptions.mailbox import Flag, Mailbox


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    # uvicorn sets 37 attributes on each connection. CPython 3.11 shares one table of keys
    # among instances of a class for up to 29 attributes (about 300 B of dict each); past
    # that, each instance has a dict of its own (1.6 KiB). These live in slots instead:
    # those set once per server, and the three the handshake adds.
    __slots__ = (
        "app",
        "app_state",
        "asgi_version",
        "close_timeout",
        "config",
        "connections",
        "default_headers",
        "logger",
        "loop",
        "ping_interval",
        "ping_timeout",
        "request",
        "response",
        "root_path",
        "scope",
        "tasks",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Mailbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            # Read only until the handshake completes (the scope keeps the headers).
            del self.response
            request = getattr(self, "request", None)
            if request is not None:
                del self.request
                # websockets' parser keeps the request too, as a local of its suspended
                # generator for the life of the socket: emptied, it holds next to nothing.
                request.headers.clear()
