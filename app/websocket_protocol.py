"""uvicorn's WebSocket protocol (websockets, sans-I/O), holding less while a socket idles.

Per connection, uvicorn's protocol keeps an `asyncio.Queue` of received messages (four
deques, about 3.3 KiB), an `asyncio.Event` for write back-pressure (one deque, about
850 B) and the handshake's response with its headers (about 1.3 KiB) for as long as the
socket is open. At 10,000 idle subscribers that is about 54 MiB; here the queue and the
flag are `subscriptions.mailbox`'s (a list and a future only while in use) and the response
is dropped once sent. Everything else is uvicorn's, unchanged.
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
            del self.response  # read only until the handshake completes
