"""Pages on other origins: CORS for HTTP (Starlette's middleware: preflight, credentials,
the allowlist `TESSERA_CORS_ORIGINS`). The same list opens the WebSocket, which browsers
open from any page without asking: Strawberry refuses (403) a handshake whose `Origin` is
neither this server's own nor listed, and lets clients that send none (not browsers) in."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

# What a page's request to /graphql may carry beyond the simple ones: a bearer token, a JSON
# body, the request id and Apollo's client names.
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
)


def with_origins(app: ASGIApp, origins: Sequence[str]) -> ASGIApp:
    """`app` with CORS for the listed origins (the WebSocket's own check is Strawberry's,
    given the same list as `allowed_origins`)."""
    if "*" in origins:
        raise ValueError("TESSERA_CORS_ORIGINS: list each origin (credentials are allowed)")
    if origins:
        app = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=list(ALLOWED_HEADERS),
            allow_credentials=True,
            expose_headers=["x-request-id", "retry-after"],
            max_age=600,
        )
    return app
