"""Traces: off unless TESSERA_OTLP_ENDPOINT is set; then every GraphQL operation is a span,
exported over OTLP/HTTP, here to a collector the test runs on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.execution.assembly import build_schema
from app.factory import create_app
from app.settings import Settings
from app.tracing import traces_url, tracing
from tests.conftest import SECRET
from tests.e2e.net import free_port
from tests.e2e.served import tessera_serve


class Collector:
    """An OTLP/HTTP receiver: keeps every export request posted to /v1/traces."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []
        self.port = free_port()

    def span_names(self) -> set[str]:
        return {
            span.name
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        }

    def services(self) -> set[str]:
        return {
            attribute.value.string_value
            for request in self.requests
            for resource in request.resource_spans
            for attribute in resource.resource.attributes
            if attribute.key == "service.name"
        }

    @contextmanager
    def running(self) -> Iterator[Collector]:
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                collector.paths.append(self.path)
                collector.requests.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


async def test_operations_are_exported_as_spans_to_the_otlp_endpoint() -> None:
    with Collector().running() as collector:
        env = {
            "TESSERA_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export every 0.1 s, not every 5 s
        }
        async with tessera_serve(**env) as served, httpx.AsyncClient(base_url=served.url) as http:
            answer = await http.post(
                "/graphql",
                json={"query": "query TraceMe { program { name } }"},
                headers={"authorization": f"Bearer {served.tokens['pos']}"},
            )
            async with asyncio.timeout(10):
                while "GraphQL Query: TraceMe" not in collector.span_names():
                    await asyncio.sleep(0.05)

    assert answer.json() == {"data": {"program": {"name": "Tessera Demo Rewards"}}}
    assert set(collector.paths) == {"/v1/traces"}
    assert {"GraphQL Parsing", "GraphQL Validation"} <= collector.span_names()
    assert collector.services() == {"tessera"}


async def test_the_same_wiring_gives_spans_to_any_exporter() -> None:
    exporter = InMemorySpanExporter()
    traced = tracing(None, exporter=exporter)
    schema = build_schema(extensions=traced.extensions)

    result = await schema.execute("query Named { program { name } }", context_value=None)
    traced.shutdown()

    names = {span.name for span in exporter.get_finished_spans()}
    assert "GraphQL Query: Named" in names, (names, result)


def test_without_an_endpoint_no_tracing_runs() -> None:
    app = create_app(Settings(secret=SECRET))  # type: ignore[arg-type]
    off = tracing(None)

    assert (off.extensions, off.provider) == ([], None)
    extensions = [make() for make in app.state.observability.schema_extensions]
    assert [type(e).__name__ for e in extensions] == ["RequestOutcome"]


def test_the_endpoint_is_the_collector_or_its_traces_url() -> None:
    assert traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"
