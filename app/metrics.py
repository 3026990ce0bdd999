"""Prometheus metrics of the API and their exposition: `GET /metrics` on `tessera serve`,
and a small HTTP server on TESSERA_WORKER_METRICS_PORT for `tessera worker`.

Metrics live where they are updated: requests, errors and connections here (`app.access`,
`app.live`), subscriptions and fan-out in `subscriptions.metrics`, jobs and messages in
`workers.job_metrics`, all on prometheus_client's default registry. What belongs to one
running instance (its outbox relay, its job queue) is read when scraped, through two small
ports (`OutboxSource`, `QueueDepth`), from a collector of that instance.

Label values are bounded: operations by `OperationLabels`, error codes by `bounded_code`,
jobs, journeys, channels, statuses and reasons by their enums.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, ThreadingWSGIServer, make_wsgi_app
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.settings import Settings
from storage.outbox import OutboxBacklog

log = logging.getLogger(__name__)
# No `_created` series beside every counter and histogram: the text format does not need
# them, and they would double what is scraped.
disable_created_metrics()  # type: ignore[no-untyped-call]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "tessera_requests",
    "HTTP requests and WebSocket connections, by operation and HTTP status (101: WebSocket).",
    ["operation", "status"],
)
REQUEST_SECONDS = Histogram(
    "tessera_request_duration_seconds",
    "Time to answer an HTTP request, by operation (SSE streams and WebSockets excluded).",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "tessera_errors",
    "Errors answered, by code: GraphQL extensions.code, payload error codes, HTTP refusals.",
    ["code"],
)
CONNECTIONS = Gauge(
    "tessera_connections", "Live long-lived connections on this instance.", ["transport"]
)

OTHER = "other"  # every operation name past the cap, or not a GraphQL name
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
MAX_CODES = 64


class OperationLabels:
    """The `operation` label: a GraphQL operation's name (or its first field), bounded.

    Names are admitted from valid operations only (no syntax or validation error), first
    come, up to `cap` per process; any other name, and every name past the cap, is `other`.
    """

    def __init__(self, cap: int = 100) -> None:
        self._known: set[str] = set()
        self._room = cap

    def label(self, name: str | None, valid: bool) -> str:
        if name is None:
            return "anonymous"
        if name in self._known:
            return name
        if valid and self._room > 0 and NAME.fullmatch(name):
            self._room -= 1
            self._known.add(name)
            return name
        return OTHER


_codes: set[str] = set()


def bounded_code(code: str) -> str:
    """An error code as a label value: a known shape, and no more than MAX_CODES of them."""
    if code in _codes:
        return code
    if CODE.fullmatch(code) and len(_codes) < MAX_CODES:
        _codes.add(code)
        return code
    return "OTHER"


class OutboxSource(Protocol):
    """The outbox relay, as the metrics read it."""

    parked_total: int

    def backlog(self) -> OutboxBacklog: ...


@runtime_checkable
class QueueDepth(Protocol):
    """The job queue, as the metrics read it: jobs queued, deferred or running."""

    async def depth(self) -> int: ...


class InstanceCollector:
    """One instance's gauges, read at scrape time. The queue depth may need Redis, so it is
    refreshed (awaited, bounded in time) before each scrape; the rest is in memory."""

    def __init__(self, outbox: OutboxSource, queue: QueueDepth | None = None) -> None:
        self._outbox = outbox
        self._queue = queue
        self._depth: int | None = None

    async def refresh(self, timeout: float = 1.0) -> None:
        if self._queue is None:
            return
        try:
            async with asyncio.timeout(timeout):
                self._depth = await self._queue.depth()
        except Exception as exc:  # Redis down: the scrape goes on without the depth
            log.warning("job queue depth unavailable (%s)", exc)
            self._depth = None

    def collect(self) -> Iterator[Metric]:
        backlog = self._outbox.backlog()
        yield GaugeMetricFamily(
            "tessera_outbox_backlog_items",
            "Outbox items still waiting after the relay's last sweep.",
            value=backlog.items,
        )
        yield GaugeMetricFamily(
            "tessera_outbox_oldest_item_age_seconds",
            "Since a sweep of this process first found the oldest waiting item (0: none).",
            value=backlog.oldest_age_seconds,
        )
        yield CounterMetricFamily(
            "tessera_outbox_parked",
            "Outbox items this process set aside (outbox_parked) because they cannot be relayed.",
            value=self._outbox.parked_total,
        )
        if self._depth is not None:
            yield GaugeMetricFamily(
                "tessera_job_queue_depth",
                "Jobs queued, deferred or running (arq's queue in Redis, or in-process).",
                value=self._depth,
            )


def authorized(header: str | None, token: str | None) -> bool:
    """No token configured: open (a private network); else `Bearer <token>`, compared in
    constant time."""
    if not token:
        return True
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def exposition(instance: InstanceCollector) -> bytes:
    return generate_latest(REGISTRY) + generate_latest(_Collected(instance))


def metrics_route(instance: InstanceCollector, token: str | None) -> Route:
    async def metrics(request: Request) -> Response:
        if not authorized(request.headers.get("authorization"), token):
            return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        await instance.refresh()
        return Response(exposition(instance), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])


class _Collected:
    """A registry-like view of one collector (generate_latest needs only `collect`)."""

    def __init__(self, collector: InstanceCollector) -> None:
        self._collector = collector

    def collect(self) -> Iterable[Metric]:
        return self._collector.collect()


class WorkerMetrics:
    """`tessera worker`'s metrics on http://host:port/metrics, from a daemon thread: the
    default registry, and the outbox of the instance arq's start-up builds."""

    def __init__(self) -> None:
        self._instance: InstanceCollector | None = None

    def watch(self, outbox: OutboxSource) -> None:
        self._instance = InstanceCollector(outbox)

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        if self._instance is not None:
            yield from self._instance.collect()

    def serve(self, host: str, port: int, token: str | None) -> ThreadingWSGIServer:
        exposed = make_wsgi_app(self)  # type: ignore[arg-type]

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if not authorized(environ.get("HTTP_AUTHORIZATION"), token):
                start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer")])
                return [b""]
            result: Iterable[bytes] = exposed(environ, start_response)
            return result

        server = make_server(host, port, app, ThreadingWSGIServer, _QuietHandler)
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
        return server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
        pass


def expose_worker_metrics(settings: Settings, options: dict[str, Any]) -> WorkerMetrics:
    """Serve `tessera worker`'s metrics; its outbox is watched once arq's start-up (in
    `options`) has built the instance."""
    metrics = WorkerMetrics()
    startup = options["on_startup"]

    async def on_startup(ctx: dict[str, Any]) -> None:
        await startup(ctx)
        metrics.watch(ctx["tessera"].outbox)

    options["on_startup"] = on_startup
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    assert settings.worker_metrics_port is not None
    metrics.serve(settings.host, settings.worker_metrics_port, token)
    return metrics
