"""The README's examples run as written: each block marked `<!-- run -->` (a shell block, with
the token lines `make run` prints exported) or `<!-- run with $X_TOKEN -->` (a GraphQL block,
each operation posted with that token) runs against a started `tessera serve`, in the
README's order, and must answer without an error. Where the README shows the answer, the
real one has the same shape (the values are from another run)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from app.settings import DEMO_PROGRAM
from tests.e2e.node_install import node_install_lock, node_modules_match_the_lockfile
from tests.e2e.served import Served, tessera_serve

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
SKYWAYS_MANIFEST = json.dumps(
    {"partner:skyways": str(ROOT / "clients" / "examples" / "persisted" / "skyways.json")}
)
README_URL = "http://127.0.0.1:8000"
README_VOUCHER = "C3SF-3KDR"  # the voucher code the README shows: Ada's differs each run
BLOCK = re.compile(
    r"<!-- run(?: with \$(?P<token>\w+))? -->\n```(?P<lang>\w+)\n(?P<code>.*?)```\n"
    r"(?:(?:which print, each:\n)?```(?P<shown_lang>\w*)\n(?P<shown>.*?)```)?",
    re.DOTALL,
)
LINE = re.compile(r"^v\d+ (?P<kind>[A-Z_]+)  balance -?\d+  [A-Z_]+", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    language: str  # sh or graphql
    code: str
    token: str | None  # the environment variable the README names, for GraphQL
    shown: str | None  # the answer the README shows after it, if any
    shown_language: str | None


def examples() -> list[Example]:
    text = README.read_text()
    found = [
        Example(
            m["lang"], m["code"], m["token"], m["shown"], m["shown_lang"] if m["shown"] else None
        )
        for m in BLOCK.finditer(text)
    ]
    # Every marked block is found (a marker this pattern missed would go untested).
    assert len(found) == len(re.findall(r"^<!-- run", text, re.MULTILINE)) >= 8
    return found


def shape(value: Any) -> Any:
    """Keys all the way down; the first item stands for a list, values are left out."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def refusals(value: Any) -> list[Any]:
    """Expected errors in the schema: any payload that came back as an Error type."""
    if isinstance(value, dict):
        if "__typename" in value and "code" in value and "message" in value:
            return [value]
        return [r for item in value.values() for r in refusals(item)]
    if isinstance(value, list):
        return [r for item in value for r in refusals(item)]
    return []


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    # `make run`'s program (the demo, holding points 14 days), with the demo partner's
    # manifest, as the README's partner example starts `make run` with.
    demo = {"TESSERA_PROGRAM": str(DEMO_PROGRAM), "TESSERA_TRUSTED_DOCUMENTS": SKYWAYS_MANIFEST}
    async with tessera_serve(**demo) as served:
        yield served


def token_environment(served: Served) -> dict[str, str]:
    return {f"{role.upper()}_TOKEN": token for role, token in served.tokens.items()}


async def post(served: Served, token: str, query: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{served.url}/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def adas_voucher(served: Served) -> str:
    body = await post(
        served,
        served.tokens["admin"],
        '{ member(ref: { id: "mbr_demo_ada" }) { rewards { code status } } }',
    )
    issued = [r["code"] for r in body["data"]["member"]["rewards"] if r["status"] == "ACTIVE"]
    assert issued, "the demo gives Ada a voucher"
    return str(issued[0])


async def run_graphql(served: Served, example: Example) -> list[dict[str, Any]]:
    assert example.token is not None
    token = token_environment(served)[example.token]
    answers = []
    # A block may hold several operations, run one after the other as a user would.
    for operation in parse(example.code).definitions:
        assert isinstance(operation, OperationDefinitionNode)
        text = print_ast(operation)
        if README_VOUCHER in text:
            text = text.replace(README_VOUCHER, await adas_voucher(served))
        body = await post(served, token, text)
        assert "errors" not in body, f"{text}\n→ {body}"
        assert not refusals(body["data"]), f"{text}\n→ {body}"
        answers.append(body)
    return answers


async def run_shell(served: Served, example: Example) -> str:
    if "node " in example.code and (shutil.which("node") is None or shutil.which("npm") is None):
        pytest.skip("node or npm is not installed: the README's Node example needs Node 20+")
    if "npm ci" not in example.code:
        return await _run_shell(served, example)
    async with node_install_lock():
        if node_modules_match_the_lockfile():  # installed already: the README's "# once"
            once = re.compile(r"^\(cd clients/examples/node && npm ci [^)]*\).*$", re.MULTILINE)
            example = replace(example, code=once.sub("true", example.code))
        return await _run_shell(served, example)


async def _run_shell(served: Served, example: Example) -> str:
    shell = await asyncio.create_subprocess_exec(
        "bash",
        "-euo",
        "pipefail",
        "-c",
        example.code.replace(README_URL, served.url),
        cwd=ROOT,
        # The clients' own setting for where the server is (the README's is the default).
        env={**os.environ, **token_environment(served), "TESSERA_URL": served.ws_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its background jobs too are stopped below
    )
    try:
        async with asyncio.timeout(180):  # npm ci included
            out, err = await shell.communicate()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        await shell.wait()
    assert shell.returncode == 0, f"{example.code}\n→ exit {shell.returncode}\n{err.decode()}"
    return out.decode()


async def test_every_readme_example_runs_as_written(served: Served) -> None:
    for example in examples():
        if example.language == "graphql":
            answers = await run_graphql(served, example)
            if example.shown_language == "json":
                assert example.shown is not None
                assert shape(answers[0]) == shape(json.loads(example.shown))
        else:
            assert example.language == "sh", example.language
            out = await run_shell(served, example)
            if example.shown_language == "json":
                assert example.shown is not None
                answer = json.loads(out)
                assert "errors" not in answer, answer
                assert shape(answer) == shape(json.loads(example.shown))
            elif example.shown is not None:
                # Lines a subscriber prints: each subscriber printed one of each shown.
                subscribers = example.code.count("subscribe")
                shown = LINE.findall(example.shown)
                printed = LINE.findall(out)
                assert shown and sorted(printed) == sorted(shown * subscribers), out
