"""The log format of `tessera serve` and `tessera worker` (app.logs), and the request id on
every line written while a request runs (app.edge, app.access)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from app.edge import Edge
from app.logs import LogFormat, configure_logging

work = logging.getLogger("tessera.test.work")


@pytest.fixture
def stderr() -> Iterator[io.StringIO]:
    """What the handler configured by `configured` writes; the logging set-up is put back
    afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield io.StringIO()
    root.handlers[:], level = saved
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = False


def configured(stream: io.StringIO, level: str, fmt: LogFormat) -> None:
    configure_logging(level, fmt)
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr
    handler.setStream(stream)


async def working_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Logs once itself and once from a task it starts, then answers."""
    work.warning("working on it")

    async def later() -> None:
        work.info("still on it", extra={"items": 3})

    await asyncio.create_task(later())
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_every_line_written_during_a_request_carries_its_request_id(
    stderr: io.StringIO,
) -> None:
    configured(stderr, "info", "json")
    transport = httpx.ASGITransport(app=Edge(working_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
        response = await http.get("/healthz", headers={"x-request-id": "req-1"})
    work.info("after the request")

    lines = [json.loads(line) for line in stderr.getvalue().splitlines()]
    lines = [line for line in lines if line["logger"] != "httpx"]  # the client's own
    assert response.headers["x-request-id"] == "req-1"
    assert [(line["message"], line.get("request_id")) for line in lines] == [
        ("working on it", "req-1"),
        ("still on it", "req-1"),
        ("request", "req-1"),
        ("after the request", None),
    ]
    assert lines[1]["items"] == 3  # `extra` fields are fields of the line
    assert list(lines[0])[:4] == ["timestamp", "level", "logger", "message"]
    assert lines[0]["level"] == "warning" and lines[0]["logger"] == "tessera.test.work"


def test_text_format_is_one_readable_line_per_record(stderr: io.StringIO) -> None:
    configured(stderr, "warning", "text")
    work.info("not shown: below the level")
    work.warning("shown", extra={"member": "mbr_1"})

    (line,) = stderr.getvalue().splitlines()
    assert "shown" in line and "member=mbr_1" in line and "tessera.test.work" in line
    assert not line.startswith("{")


def test_a_message_json_cannot_hold_is_escaped_not_lost(stderr: io.StringIO) -> None:
    configured(stderr, "info", "json")
    work.info("a lone surrogate: \ud800")

    (line,) = stderr.getvalue().splitlines()
    assert json.loads(line)["message"] == "a lone surrogate: \ud800"
