"""Logs of `tessera serve` and `tessera worker`: one JSON object per line on stderr (or
plain text for people), from every logger of the process (Tessera's, uvicorn's, arq's).

structlog formats the standard library's records (`structlog.stdlib.ProcessorFormatter`),
so every module keeps `logging.getLogger(__name__)`. What is bound with structlog's
contextvars (the request id, see `app.access`) is added to each line written meanwhile,
also by tasks the request started. Nothing here reads a header: a token is never logged.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any, Literal

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

LogFormat = Literal["json", "text"]


def configure_logging(level: str = "info", fmt: LogFormat = "json") -> None:
    """Route every logger of the process to one stderr handler in `fmt`, at `level`."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]
    last: list[Processor]
    if fmt == "json":
        last = [
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            _headline_first,
            structlog.processors.JSONRenderer(serializer=_dumps),
        ]
    else:
        last = [structlog.dev.ConsoleRenderer(colors=False)]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *last],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn and arq log through the root handler; uvicorn's access log is replaced by
    # ours (`app.access`), one line per request.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _NoWebSocketAccess) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(_NoWebSocketAccess())


class _NoWebSocketAccess(logging.Filter):
    """uvicorn logs each WebSocket handshake (and websockets each open and close) at INFO on
    `uvicorn.error`: the access line already says it, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not (
            message.startswith('%s - "WebSocket %s"')
            or message in {"connection open", "connection closed"}
        )


def _drop_color_message(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    return event


HEADLINE = ("timestamp", "level", "logger", "message")


def _headline_first(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """When, how bad, who and what first; then the fields (a person reads lines too)."""
    return {
        **{key: event.pop(key) for key in HEADLINE if key in event},
        **event,
    }


def _dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    try:
        return orjson.dumps(value, default=default).decode()
    except (TypeError, orjson.JSONEncodeError):
        # orjson refuses lone surrogates (a message may quote a hostile request); the
        # standard library escapes them.
        return json.dumps(value, default=default or str, ensure_ascii=True)
