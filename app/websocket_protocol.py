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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Mailbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and "response" in self.__dict__:
            # Read only until the handshake completes (the scope keeps the headers).
            del self.response
            request = self.__dict__.pop("request", None)
            if request is not None:
                # websockets' parser keeps the request too, as a local of its suspended
                # generator for the life of the socket: emptied, it holds next to nothing.
                request.headers.clear()
