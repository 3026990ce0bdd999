"""The consoles: plain pages served by `tessera serve` at /console/<name> (the POS till, the
store screen, the call center, the member home, the program dashboard), one
`app/console_assets/<name>.html` each, with their scripts, styles and vendored libraries at
/console/assets/. They speak only the public GraphQL API, like any other client, so they need
no build step and nothing here knows what they show. The bearer token travels in the URL's
fragment, which the browser never sends; the pages are served the same to everyone.

Headers: a Content-Security-Policy allowing only this origin (no CDN, no inline script, no
framing), no MIME sniffing, and no Referer leaving the page."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

ASSETS = Path(__file__).with_name("console_assets")
PREFIX = "/console"
NAME = re.compile(r"[a-z][a-z0-9-]*")
HEADERS = {
    # 'self' covers the same origin's ws:// and wss:// (CSP 3), which the subscriptions use.
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def names() -> list[str]:
    """The consoles there are: one for each page in the assets."""
    return sorted(page.stem for page in ASSETS.glob("*.html"))


async def console_page(request: Request) -> Response:
    name = request.path_params["name"]
    page = ASSETS / f"{name}.html"
    if not NAME.fullmatch(name) or not page.is_file():
        return PlainTextResponse(f"no console named {name!r}", 404, headers=HEADERS)
    return FileResponse(page, headers={**HEADERS, "cache-control": "no-cache"})


class _Assets(StaticFiles):
    """Static files with the consoles' headers on every answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, with_headers)  # type: ignore[arg-type]


def console_routes() -> list[BaseRoute]:
    return [
        Mount(f"{PREFIX}/assets", app=_Assets(directory=ASSETS), name="console-assets"),
        Route(f"{PREFIX}/{{name}}", console_page, methods=["GET"], name="console"),
    ]
