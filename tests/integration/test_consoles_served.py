"""The consoles are served as they are written, offline: each page at /console/<name> with
headers that allow only this origin, every file a page or script loads answered by Tessera
(nothing from a CDN), and the vendored libraries at the versions the lockfile pins."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from app.consoles import ASSETS, names
from tests.conftest import Api

LOADED = re.compile(r'(?:src|href)="([^"]+)"')
IMPORTED = re.compile(r"""^\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]""", re.M)
VENDOR = ASSETS / "vendor"


async def test_each_console_is_a_page_with_headers_allowing_only_this_origin(api: Api) -> None:
    assert "store" in names()
    for name in names():
        page = await api.http.get(f"/console/{name}")

        assert page.status_code == 200, name
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"


async def test_an_unknown_console_is_a_404(api: Api) -> None:
    for path in ("/console/nope", "/console/..%2Fapp", "/console/POS"):
        answer = await api.http.get(path)
        assert answer.status_code == 404, path


async def test_every_file_the_consoles_load_is_served_by_tessera(api: Api) -> None:
    """Follow each page's scripts and styles, and each module's imports, to the end."""
    to_visit = [f"/console/{name}" for name in names()]
    seen: set[str] = set()
    while to_visit:
        path = to_visit.pop()
        if path in seen:
            continue
        seen.add(path)
        answer = await api.http.get(path)
        assert answer.status_code == 200, path
        if path.endswith(".js"):
            assert answer.headers["content-type"].startswith("text/javascript"), path
            assert answer.headers["content-security-policy"]
        links = IMPORTED if path.endswith(".js") else LOADED
        found = links.findall(answer.text)
        assert not [link for link in found if re.match(r"(\w+:)?//", link)], path  # no CDN
        base = PurePosixPath(path).parent
        to_visit += [link if link.startswith("/") else _resolve(base, link) for link in found]
    assert "/console/assets/console.js" in seen
    assert any(path.startswith("/console/assets/vendor/graphql-ws@") for path in seen)


def _resolve(base: PurePosixPath, link: str) -> str:
    parts: list[str] = list(base.parts)
    for part in PurePosixPath(link).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/" + "/".join(parts[1:])


def test_the_vendored_libraries_are_the_versions_the_lockfile_pins() -> None:
    manifest = json.loads((VENDOR / "package.json").read_text())
    locked = json.loads((VENDOR / "package-lock.json").read_text())["packages"]
    assert locked[""]["dependencies"] == manifest["dependencies"], (
        "package-lock.json is not package.json's: run npm install --package-lock-only"
    )
    wanted = {
        f"{package}@{locked[f'node_modules/{package}']['version']}": patterns
        for package, patterns in manifest["vendor"].items()
    }
    vendored = {
        folder.name if not folder.name.startswith("@") else f"{folder.name}/{inner.name}"
        for folder in VENDOR.iterdir()
        if folder.is_dir()
        for inner in (folder.iterdir() if folder.name.startswith("@") else [folder])
    }
    assert vendored == set(wanted), "the vendored copy drifted: run scripts/vendor-consoles"
    for folder, patterns in wanted.items():
        for pattern in patterns:
            assert list((VENDOR / folder).glob(pattern)), (
                f"{folder} lacks {pattern}: run scripts/vendor-consoles"
            )
