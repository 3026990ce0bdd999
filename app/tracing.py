"""OpenTelemetry traces of GraphQL operations, through Strawberry's extension, exported
over OTLP/HTTP. Off unless TESSERA_OTLP_ENDPOINT is set: then nothing of OpenTelemetry is
imported, and no extension runs per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.extensions import SchemaExtension

TRACES_PATH = "/v1/traces"


def traces_url(endpoint: str) -> str:
    """The collector's base URL (as OTEL_EXPORTER_OTLP_ENDPOINT), or the full traces URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


@dataclass
class Tracing:
    """The schema extensions to add, and what to flush when the app stops."""

    extensions: list[Callable[[], SchemaExtension]] = field(default_factory=list)
    provider: Any = None  # opentelemetry.sdk.trace.TracerProvider, when on

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()  # exports what is still batched


def tracing(endpoint: str | None, service: str = "tessera", exporter: Any = None) -> Tracing:
    """Traces to the OTLP/HTTP collector at `endpoint` (or to `exporter`, e.g. the SDK's
    in-memory one in tests), or none."""
    if not endpoint and exporter is None:
        return Tracing()
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from strawberry.extensions.tracing import OpenTelemetryExtension

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        assert endpoint is not None
        exporter = OTLPSpanExporter(endpoint=traces_url(endpoint))
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))

    def extension() -> SchemaExtension:
        return OpenTelemetryExtension(tracer_provider=provider)

    return Tracing([extension], provider)
