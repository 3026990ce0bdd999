"""GraphiQL works offline: its page loads nothing from a CDN, and every file it loads is
answered by Tessera itself, byte for byte the file its integrity hash names, at the version
the vendored lockfile pins."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from app.graphiql import ASSETS
from tests.conftest import Api

LOADED = re.compile(r'(?:src|href)="([^"]+)"\s+integrity="sha384-([^"]+)"')


async def test_the_graphiql_page_loads_only_files_tessera_serves(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "unpkg" not in page.text and "https://" not in page.text.split("<body>")[0]
    loaded = LOADED.findall(page.text)
    assert len(loaded) == 7  # React, ReactDOM, js-cookie, GraphiQL and its explorer, CSS
    for path, integrity in loaded:
        assert path.startswith("/graphiql/"), path
        asset = await api.http.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["content-type"].split(";")[0] in {"text/javascript", "text/css"}
        digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
        assert digest == integrity, f"{path} is not the file the page's integrity names"


def test_the_vendored_files_are_the_versions_the_lockfile_pins() -> None:
    locked = json.loads((ASSETS / "package-lock.json").read_text())["packages"]
    pinned = {
        path.removeprefix("node_modules/"): p["version"] for path, p in locked.items() if path
    }
    vendored = [
        d.name if not d.name.startswith("@") else f"{d.name}/{inner.name}"
        for d in ASSETS.iterdir()
        if d.is_dir()
        for inner in (d.iterdir() if d.name.startswith("@") else [d])
    ]
    assert len(vendored) == 5
    for folder in vendored:
        package, version = folder.rsplit("@", 1)
        assert pinned[package] == version, (
            f"{folder} drifted from the lockfile: run scripts/vendor-graphiql"
        )
