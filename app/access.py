"""One access line per request (a WebSocket or an SSE stream: one when it closes), its
request id, and the request metrics; `app.edge` keeps the record of each request.

The request id is the caller's `X-Request-Id` when it is sane (visible ASCII, at most 128
characters), else a new one. It is returned in the response's `X-Request-Id` and bound
(structlog's contextvars) to every log line written while the request runs. The GraphQL
side fills in the request's `RequestRecord`: the endpoint the caller's role, the schema
extension `RequestOutcome` the operation and the error codes. Neither the token nor any
header other than the request id is ever logged.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.types import Scope
from strawberry.extensions import SchemaExtension

from app.execution.direct import first_field_name
from app.metrics import ERRORS, REQUEST_SECONDS, REQUESTS, OperationLabels, bounded_code

log = logging.getLogger("tessera.access")

REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")
MAX_CODES = 10
ROUTES = frozenset({"/graphql", "/healthz", "/metrics", "/webhooks/messages/feedback"})
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}
CLOSE_CODES = {  # WebSocket closes that are refusals (1012, a restart, is not one)
    1009: "MESSAGE_TOO_BIG",
    1013: "RATE_LIMITED",
    4400: "BAD_REQUEST",
    4403: "CONNECTION_REFUSED",
    4406: "SUBPROTOCOL_NOT_ACCEPTABLE",
    4408: "CONNECTION_INIT_TIMEOUT",
    4409: "SUBSCRIBER_ALREADY_EXISTS",
    4429: "TOO_MANY_INIT_REQUESTS",
}


@dataclass(slots=True, eq=False)
class RequestRecord:
    request_id: str
    transport: str  # http, sse or websocket
    operations: list[str] = field(default_factory=list)  # the first 5 (a WebSocket: many)
    label: str | None = None  # the first operation's metrics label
    role: str | None = None
    codes: list[str] = field(default_factory=list)
    close_code: int | None = None

    def operation(self, name: str, label: str) -> None:
        if name not in self.operations and len(self.operations) < 5:
            self.operations.append(name)
        if self.label is None:
            self.label = label

    def saw(self, code: str) -> None:
        """An error code answered; counted at once (a WebSocket may live for hours)."""
        code = bounded_code(code)
        ERRORS.labels(code).inc()
        if code not in self.codes and len(self.codes) < MAX_CODES:
            self.codes.append(code)


_current: ContextVar[RequestRecord | None] = ContextVar("tessera_request", default=None)


def current_request() -> RequestRecord | None:
    return _current.get()


def request_id_of(given: str | None) -> str:
    """The caller's X-Request-Id when it is sane, else a new one."""
    if given is not None and REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def begin(record: RequestRecord) -> Token[RequestRecord | None]:
    """`record` is the current request's (for the endpoint and `RequestOutcome`)."""
    return _current.set(record)


def end(token: Token[RequestRecord | None]) -> None:
    _current.reset(token)


def log_request(scope: Scope, record: RequestRecord, status: int | None, seconds: float) -> None:
    """The request's access line and metrics, once it is answered (or has failed)."""
    status = status or 500
    if not record.codes:
        code = _refusal(record, status)
        if code is not None:
            record.saw(code)
    path = scope["path"]
    label = record.label or (path if path in ROUTES else "unknown_path")
    REQUESTS.labels(label, str(status)).inc()
    if record.transport == "http":
        REQUEST_SECONDS.labels(label).observe(seconds)
    fields: dict[str, Any] = {
        "transport": record.transport,
        "method": scope.get("method", "GET"),
        "path": path,
        "operation": ",".join(record.operations) or None,
        "role": record.role,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "outcome": "error" if record.codes else "ok",
    }
    if record.codes:
        fields["error_codes"] = record.codes
    if record.close_code is not None:
        fields["close_code"] = record.close_code
    client = scope.get("client")
    if client:
        fields["client"] = client[0]
    log.info("request", extra=fields)


def _refusal(record: RequestRecord, status: int) -> str | None:
    if record.transport == "websocket" and status == 101:
        return CLOSE_CODES.get(record.close_code or 1000)
    if status >= 500:
        return "INTERNAL_SERVER_ERROR"
    if status >= 400:
        return STATUS_CODES.get(status, f"HTTP_{status}")
    return None


class RequestOutcome(SchemaExtension):
    """Notes each GraphQL operation on the request's record: its name (the operationName,
    else its first field) and the error codes it answered: top-level ones
    (`extensions.code`, or the kind of failure) and the payload errors of mutations
    (`TesseraContext.error_codes`). Its work is also offered as two plain calls
    (`executing`, `answered`) for the direct path (`app.execution.direct`)."""

    def __init__(self, labels: OperationLabels) -> None:
        self._labels = labels
        self._noted = False
        self._streamed = False

    def on_execute(self) -> Iterator[None]:
        # before: a subscription runs here for as long as it lives
        self._noted = True
        self.executing(operation_name(self.execution_context))
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        record = _current.get()
        if record is None:
            return
        if not self._noted:
            self._note(record, operation_name(self.execution_context), valid=False)
        errors = None if self._streamed else getattr(self.execution_context.result, "errors", None)
        self.answered(errors, self.execution_context.context)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._streamed = True
        record = _current.get()
        if record is not None:
            _errors(record, getattr(result, "errors", None))
        yield

    def executing(self, name: str | None) -> None:
        record = _current.get()
        if record is not None:
            self._note(record, name, valid=True)

    def answered(self, errors: Sequence[GraphQLError] | None, context: object) -> None:
        record = _current.get()
        if record is None:
            return
        _errors(record, errors)
        codes = getattr(context, "error_codes", None)
        if codes:
            for code in codes:
                record.saw(code)
            codes.clear()

    def _note(self, record: RequestRecord, name: str | None, valid: bool) -> None:
        if name is not None:  # else not even parsed: the route is the label
            record.operation(name, self._labels.label(name, valid))


def operation_name(context: Any) -> str | None:
    """The client's operationName, else the operation's own name, else its first field."""
    try:
        name: str | None = context.operation_name
    except Exception:  # several operations and none chosen
        return None
    if name is not None:
        return name
    return first_field_name(context.graphql_document)


def _errors(record: RequestRecord, errors: Sequence[GraphQLError] | None) -> None:
    for error in errors or ():
        record.saw(error_code(error))


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if error.path is not None:
        return "INTERNAL_SERVER_ERROR"  # a resolver failed unexpectedly (masked for clients)
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"
