"""The wheel as an operator installs it: built from the repository, installed into a new
virtualenv outside it, and run from an empty directory, where nothing of the repository can
be found. A data file the code reads but the wheel leaves out fails here, not in production.

Dependencies come from PyPI through pip's cache (a cold cache downloads them once); the new
virtualenv has no pip of its own (the test's pip installs into it) and nothing is compiled
ahead, which keeps the whole module at about half a minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.net import free_port
from tests.e2e.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "app",
    "domain",
    "storage",
    "schema",
    "resolvers",
    "subscriptions",
    "workers",
    "programs",
)
SECRET = "wheel-secret-that-is-long-enough-for-hs256-keys"
INSTALL_TIMEOUT = 600  # seconds: a cold pip cache downloads every dependency
START_UP = 60.0  # seconds for `tessera serve` to answer /healthz (first imports compile)
# setuptools writes build/ and *.egg-info beside the sources, and a stale build/ can put
# files in the wheel that the repository no longer has: the wheel is built from a copy.
_NEVER_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "node_modules",
)


def not_sources(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: setuptools' build/ and dist/ at the root only (vendored
    files of the packages may sit in folders named dist)."""
    ignored = set(_NEVER_SOURCES(folder, names))
    if Path(folder).resolve() == ROOT:
        ignored |= {"build", "dist"} & set(names)
    return ignored


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    home: Path  # an empty directory, the working directory of every command

    @property
    def site_packages(self) -> Path:
        (found,) = self.venv.glob("lib/python3.*/site-packages")
        return found

    def env(self, **extra: str) -> dict[str, str]:
        """This machine's environment without Tessera's settings or a path to the sources."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TESSERA_") and key not in {"PYTHONPATH", "VIRTUAL_ENV"}
        }
        return {**env, "TESSERA_SECRET": SECRET, **extra}

    def run(
        self, program: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / program), *args],
            cwd=self.home,
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _check(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel").resolve()
    assert not base.is_relative_to(ROOT), "the virtualenv must live outside the repository"
    source, dist, venv, home = (base / name for name in ("source", "dist", "venv", "home"))
    shutil.copytree(ROOT, source, ignore=not_sources)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    _check([*pip, "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)], base)
    (wheel,) = dist.glob("tessera-*.whl")
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)], base)
    python = str(venv / "bin" / "python")
    _check([*pip, "--python", python, "install", "--no-compile", str(wheel)], base)
    home.mkdir()
    return Installed(wheel, venv, home)


def test_the_wheel_carries_every_data_file_of_the_packages(installed: Installed) -> None:
    # given every file in the packages' folders that is not Python source
    data = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    # when the wheel is listed
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())

    # then each is in it, the ones the code reads at run time among them
    assert data <= names, f"left out of the wheel: {sorted(data - names)}"
    assert {
        "programs/demo.toml",
        "schema/schema.graphql",
        "workers/templates/welcome.txt.j2",
    } <= data
    # and the tests and benchmarks stay out
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_tessera_is_imported_from_the_virtualenv_not_the_repository(
    installed: Installed,
) -> None:
    # when the virtualenv's Python imports each package from an unrelated directory
    script = (
        "import importlib, importlib.metadata, json, sys\n"
        f"names = {PACKAGES!r}\n"
        "files = {n: importlib.import_module(n).__file__ for n in names}\n"
        "origin = importlib.metadata.distribution('tessera').read_text('direct_url.json')\n"
        "print(json.dumps({'files': files, 'origin': json.loads(origin), 'path': sys.path}))\n"
    )
    done = installed.run("python", "-c", script)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)

    # then every package is the installed copy
    for name, file in found["files"].items():
        assert Path(file).is_relative_to(installed.site_packages), (name, file)
        assert not Path(file).resolve().is_relative_to(ROOT), (name, file)
    # and it was installed from the wheel file, not as an editable link to the sources
    assert found["origin"]["url"] == installed.wheel.as_uri()
    assert "archive_info" in found["origin"]
    # and nothing on its path leads back to the sources ("" is the working directory)
    path = [(installed.home / entry).resolve() for entry in found["path"]]
    assert not [entry for entry in path if entry.is_relative_to(ROOT)]


@asynccontextmanager
async def serving(installed: Installed, *args: str) -> AsyncIterator[httpx.AsyncClient]:
    """`<venv>/bin/tessera serve` on a free port; a client for it, once /healthz answers."""
    port = free_port()
    log = installed.home / f"serve-{port}.log"
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        process = await asyncio.create_subprocess_exec(
            str(installed.venv / "bin" / "tessera"),
            "serve",
            "--port",
            str(port),
            *args,
            cwd=installed.home,
            env=installed.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            await _healthy(client, process, log)
            yield client
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _healthy(
    client: httpx.AsyncClient, process: asyncio.subprocess.Process, log: Path
) -> None:
    async with asyncio.timeout(START_UP):
        while True:
            if process.returncode is not None:
                pytest.fail(f"tessera serve exited ({process.returncode}):\n{log.read_text()}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


def admin_token(installed: Installed) -> str:
    done = installed.run("tessera", "token", "--role", "admin")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def graphql(client: httpx.AsyncClient, token: str, query: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"}
    )
    answer: dict[str, Any] = response.json()
    assert "errors" not in answer, answer
    data: dict[str, Any] = answer["data"]
    return data


async def test_serve_starts_on_the_bundled_demo_program(installed: Installed) -> None:
    # given an admin token from the installed command
    token = admin_token(installed)

    # when `tessera serve` starts with no program named, in a directory of no repository
    async with serving(installed) as client:
        data = await graphql(
            client,
            token,
            '{ program { name } member(ref: {id: "mbr_demo_ada"}) { displayName tier { code } } }',
        )
        consoles = [await client.get(path) for path in CONSOLE_FILES]

    # then it runs the demo program shipped in the wheel, with its members
    assert data == {
        "program": {"name": "Tessera Demo Rewards"},
        "member": {"displayName": "Ada Lovelace", "tier": {"code": "SILVER"}},
    }
    # and the consoles' pages, scripts and vendored libraries, from the wheel's package data
    assert [answer.status_code for answer in consoles] == [200] * len(CONSOLE_FILES)


CONSOLE_FILES = (
    "/console/store",
    "/console/assets/console.js",
    "/console/assets/vendor/graphql-ws@6.4.2/dist/client.js",
)
QUIET_HOURS = re.compile(r"(?m)^(start|end) = \d\d:\d\d:\d\d")
WELCOME_QUERY = (
    '{ program { name } messages(member: {id: "mbr_demo_ada"}, first: 10)'
    " { edges { node { journey status subject } } } }"
)


async def test_serve_runs_an_operators_program_file_and_renders_the_packaged_templates(
    installed: Installed,
) -> None:
    # given an operator's copy of the demo program, renamed and without quiet hours (so the
    # welcome goes at once, whatever the time of day), beside the operator
    demo = (installed.site_packages / "programs" / "demo.toml").read_text()
    text = demo.replace('name = "Tessera Demo Rewards"', 'name = "Corner Shop Rewards"', 1)
    text, quiet = QUIET_HOURS.subn(r"\1 = 00:00:00", text)
    assert quiet == 2 and text.count("Corner Shop Rewards") == 1, "the demo program changed"
    (installed.home / "corner-shop.toml").write_text(text)
    token = admin_token(installed)

    # when `tessera serve --program` names it relative to the working directory
    async with serving(installed, "--program", "corner-shop.toml") as client:
        # then that program is served, and the welcome is rendered from the wheel's templates
        async with asyncio.timeout(20):
            while True:
                data = await graphql(client, token, WELCOME_QUERY)
                sent = [
                    edge["node"]["subject"]
                    for edge in data["messages"]["edges"]
                    if edge["node"]["journey"] == "WELCOME" and edge["node"]["status"] == "SENT"
                ]
                if sent:
                    break
                await asyncio.sleep(0.2)
    assert data["program"] == {"name": "Corner Shop Rewards"}
    assert sent == ["Welcome to Corner Shop Rewards, Ada Lovelace"]


def test_the_packaged_schema_is_the_one_the_code_builds(installed: Installed) -> None:
    done = installed.run("tessera", "sdl")

    assert done.returncode == 0, done.stderr
    packaged = (installed.site_packages / "schema" / "schema.graphql").read_text()
    assert done.stdout == packaged == (ROOT / "schema" / "schema.graphql").read_text()


def test_worker_without_its_services_says_which_one_it_needs(installed: Installed) -> None:
    # when the worker starts with neither Redis nor MongoDB configured, then with Redis only
    bare = installed.run("tessera", "worker")
    redis_only = installed.run(
        "tessera", "worker", env=installed.env(TESSERA_REDIS_URL="redis://127.0.0.1:1/0")
    )

    # then it refuses with a clear message: its module was imported from the wheel
    assert (bare.returncode, bare.stderr) == (
        2,
        "tessera: the worker needs TESSERA_REDIS_URL (its job queue)\n",
    )
    assert (redis_only.returncode, redis_only.stderr) == (
        2,
        "tessera: the worker needs TESSERA_MONGODB_URL (shared with serve)\n",
    )


async def test_worker_starts_from_the_wheel_up_to_the_database(
    installed: Installed, redis: RedisServer
) -> None:
    # given a real Redis and a MongoDB address where nothing listens
    closed = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    env = installed.env(TESSERA_REDIS_URL=redis.url, TESSERA_MONGODB_URL=closed)

    # when the worker starts
    done = installed.run("tessera", "worker", "--burst", env=env)

    # then it got as far as the database: settings, the arq worker, the packaged program and
    # its start-up hook, all from the virtualenv; only the missing MongoDB stopped it
    assert done.stdout == f"Tessera worker: jobs from {redis.url}\n"
    assert done.returncode == 1
    assert "ServerSelectionTimeoutError" in done.stderr
    startup = installed.site_packages / "app" / "worker.py"
    assert f'File "{startup}", line' in done.stderr, done.stderr
    assert "FileNotFoundError" not in done.stderr
