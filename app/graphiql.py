"""GraphiQL offline: Strawberry's page loads React and GraphiQL from a CDN, so without the
internet it stays on "Loading...". Tessera answers those files itself, vendored from npm at
the versions app/graphiql_assets/package-lock.json pins (`scripts/vendor-graphiql`), at the
same paths under /graphiql/, so the page's integrity hashes still hold."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("graphiql_assets")
CDN = "https://unpkg.com/"
PREFIX = "/graphiql/"


def offline(page: str) -> str:
    """The IDE page with its CDN files answered by this server."""
    return page.replace(CDN, PREFIX)


def assets_route() -> Mount:
    return Mount(PREFIX.rstrip("/"), app=StaticFiles(directory=ASSETS), name="graphiql")
