"""How `tessera serve` runs uvicorn: the transport-level limits an ASGI app cannot set.

uvicorn has no timeout for request headers: 400 sockets that sent half a request line were
all still open 21 s later, each holding a file descriptor and a slot. A connection that has
not finished its headers within `header_timeout_seconds` of opening (or of starting its
next request on a kept-alive connection) is closed here. Body read timeouts and sizes are
checked in the app (`app.limits`), WebSocket message sizes both here and in the app.

On SIGTERM (or Ctrl-C) the server stops accepting connections, ends the live ones (each
WebSocket closed 1012, each SSE stream finished: `app.live`), lets the plain requests in
flight finish within what is left of `shutdown_grace_seconds`, runs the app's shutdown and
exits 0. uvicorn's access log is off: `app.access` writes one line per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.live import LiveConnections
from app.settings import Settings
from app.websocket_protocol import LeanWebSocketProtocol


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


class DrainingServer(uvicorn.Server):
    """uvicorn, ending the long-lived connections before its own graceful shutdown."""

    def __init__(self, config: uvicorn.Config, live: LiveConnections, grace: float) -> None:
        super().__init__(config)
        self._live = live
        self._grace = grace

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        started = time.monotonic()
        for server in self.servers:  # stop accepting first; uvicorn closes them again
            server.close()
        await self._live.drain(timeout=self._grace)
        # uvicorn waits this long for the requests still in flight, then cancels them.
        left = self._grace - (time.monotonic() - started)
        # (typed int, handed to asyncio.timeout, which takes a float)
        self.config.timeout_graceful_shutdown = max(0.1, left)  # type: ignore[assignment]
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                # uvicorn raises SIGTERM again once shut down, so that the process dies of
                # it (status 143); a drained server has done what SIGTERM asks: exit 0.
                captured: list[int] = getattr(self, "_captured_signals", [])
                captured[:] = [s for s in captured if s != signal.SIGTERM]


def websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's WebSocket options for `tessera serve` (and the realtime benchmark)."""
    return {
        "ws": LeanWebSocketProtocol,
        # Pings reap half-open sockets (a phone that left the network never says goodbye).
        "ws_ping_interval": settings.ws_ping_seconds,
        "ws_ping_timeout": settings.ws_ping_seconds,
        # Deflate holds ~40 KiB per socket for updates of under 1 KiB (bench.realtime:
        # 66 -> 108 KiB per idle subscriber, no latency gain); browsers accept either.
        "ws_per_message_deflate": False,
        # The protocol refuses larger frames (1009) before the app sees them; the app
        # checks again for servers run another way.
        "ws_max_size": settings.max_ws_message_bytes,
    }


def serve(app: FastAPI, settings: Settings, **options: Any) -> None:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=timed_http_protocol(settings.header_timeout_seconds),
        **websocket_options(settings),
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]
        log_config=None,  # the process's logging (app.logs) as it is
        access_log=False,
        **options,
    )
    live = app.state.observability.live
    server = DrainingServer(config, live, settings.shutdown_grace_seconds)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise SystemExit(3)  # as uvicorn.run: the server could not start
