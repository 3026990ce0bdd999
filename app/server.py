"""How `tessera serve` runs uvicorn: the transport-level limits an ASGI app cannot set.

uvicorn has no timeout for request headers: 400 sockets that sent half a request line were
all still open 21 s later, each holding a file descriptor and a slot. A connection that has
not finished its headers within `header_timeout_seconds` of opening (or of starting its
next request on a kept-alive connection) is closed here. Body read timeouts and sizes are
checked in the app (`app.limits`), WebSocket message sizes both here and in the app.
uvicorn's access log is off: `app.access` writes one line per request.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.settings import Settings


def timed_http_protocol(header_timeout: float) -> type[HttpToolsProtocol]:
    class TimedHttpProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:  # between requests only
                self.transport.close()

    return TimedHttpProtocol


def serve(app: FastAPI, settings: Settings, **options: Any) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        http=timed_http_protocol(settings.header_timeout_seconds),
        # Pings reap half-open sockets (a phone that left the network never says goodbye).
        ws_ping_interval=settings.ws_ping_seconds,
        ws_ping_timeout=settings.ws_ping_seconds,
        # Deflate holds ~40 KiB per socket for updates of under 1 KiB (bench.realtime:
        # 50 -> 92 KiB per idle subscriber, no latency gain); browsers accept either.
        ws_per_message_deflate=False,
        # The protocol refuses larger frames (1009) before the app sees them; the app
        # checks again for servers run another way.
        ws_max_size=settings.max_ws_message_bytes,
        log_config=None,  # the process's logging (app.logs) as it is
        access_log=False,
        **options,
    )
