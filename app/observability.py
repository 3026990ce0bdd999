"""Logs, metrics, traces and the drain, wired into the app in one place (`create_app`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from strawberry.extensions import SchemaExtension

from app.access import RequestOutcome
from app.live import LiveConnections
from app.metrics import InstanceCollector, OperationLabels, QueueDepth, metrics_route
from app.settings import Settings
from app.tracing import Tracing, tracing
from app.wiring import Tessera


@dataclass
class Observability:
    labels: OperationLabels
    live: LiveConnections
    tracing: Tracing
    instance: InstanceCollector
    metrics_token: str | None

    @classmethod
    def build(cls, settings: Settings, tessera: Tessera) -> Observability:
        queue = tessera.messaging.queue  # arq's with Redis, else the in-process one
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        return cls(
            OperationLabels(),
            LiveConnections(),
            tracing(settings.otlp_endpoint),
            InstanceCollector(tessera.outbox, queue if isinstance(queue, QueueDepth) else None),
            token,
        )

    @property
    def schema_extensions(self) -> list[Callable[[], SchemaExtension]]:
        return [lambda: RequestOutcome(self.labels), *self.tracing.extensions]

    def install(self, app: FastAPI) -> None:
        """`GET /metrics` (the access log is `app.edge`'s)."""
        app.router.routes.append(metrics_route(self.instance, self.metrics_token))
        app.state.observability = self

    def stop(self) -> None:
        self.tracing.shutdown()
