"""Request bodies are bounded in size and in time, before anything reads them: a 10 MB
string is refused with 413, and a body that trickles in (or never comes) with 408, instead
of holding a task and its memory for as long as the client likes. Applied by `app.edge`."""

from __future__ import annotations

import asyncio

import orjson
from starlette.types import Message, Receive, Send


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class BodyLimits:
    def __init__(self, max_bytes: int, read_timeout: float = 10.0) -> None:
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout

    def too_large(self) -> BodyRefused:
        return BodyRefused(
            413, "PAYLOAD_TOO_LARGE", f"the request body is larger than {self.max_bytes} bytes"
        )

    def declared_too_large(self, content_length: bytes | None) -> bool:
        """The Content-Length header already says the body is over the limit."""
        return (
            content_length is not None
            and content_length.isdigit()
            and int(content_length) > self.max_bytes
        )

    def bounded(self, receive: Receive) -> Receive:
        """`receive`, raising BodyRefused once the body passes the limit or stalls."""
        seen = 0
        body_done = False

        async def bounded_receive() -> Message:
            nonlocal seen, body_done
            if body_done:  # waiting for a disconnect (a stream's end) is not a body read
                return await receive()
            try:
                # asyncio.timeout, not wait_for: no task of its own for each read
                async with asyncio.timeout(self.read_timeout):
                    message = await receive()
            except TimeoutError:
                raise BodyRefused(
                    408,
                    "REQUEST_TIMEOUT",
                    f"the request body did not arrive within {self.read_timeout:g} s",
                ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if seen > self.max_bytes:
                    raise self.too_large()
            return message

        return bounded_receive


async def refuse_body(send: Send, refused: BodyRefused) -> None:
    payload = orjson.dumps(
        {"errors": [{"message": refused.message, "extensions": {"code": refused.code}}]}
    )
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
