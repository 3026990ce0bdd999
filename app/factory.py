"""The FastAPI app: GraphQL at /graphql (GraphiQL in a browser), liveness at /healthz,
readiness at /readyz, and the providers' delivery feedback at /webhooks/messages/feedback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from app.auth import BadToken, TokenReader
from app.consoles import console_routes
from app.cors import with_origins
from app.edge import Edge, TesseraApp
from app.endpoint import GraphQLEndpoint
from app.execution.assembly import build_schema
from app.feedback_webhook import feedback_route
from app.graphiql import assets_route
from app.limits import BodyLimits
from app.observability import Observability
from app.rate_limits import Admission, RateLimits, RateLimitSettings
from app.readiness import readiness_route
from app.settings import Settings, refuse_unsafe_production
from app.token_keys import token_keys
from app.wiring import Tessera
from domain.clock import Clock
from domain.program import Program
from resolvers.context import TesseraContext
from schema.program import Program as ProgramType


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    program: Program | None = None,
    client: Any = None,
) -> FastAPI:
    settings = settings or Settings()
    refuse_unsafe_production(settings)
    tessera = Tessera.build(settings, clock=clock, program=program, client=client)
    program_type = ProgramType.of(tessera.program)
    tokens = TokenReader(token_keys(settings), tessera.clock)
    observability = Observability.build(settings, tessera)

    def context(request: Request | WebSocket) -> TesseraContext:
        try:
            principal, problem = tokens.read(request.headers.get("authorization")), None
        except BadToken as exc:
            principal, problem = None, str(exc)
        return TesseraContext(
            tessera.ports, program_type, principal, problem, tessera.feed, tessera.messaging
        )

    schema = build_schema(
        settings.max_query_depth,
        settings.max_query_cost,
        settings.production,
        tessera.outage,
        observability.schema_extensions,
    )
    graphql = GraphQLEndpoint(
        schema,
        context,
        settings,
        tokens,
        tessera.connection_caps,
        observability.live,
        graphql_ide=None if settings.production else "graphiql",
        allowed_origins=settings.cors_origins,
        multipart_uploads_enabled=False,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with tessera.running():
            yield
        observability.stop()

    app = TesseraApp(
        title="Tessera",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry looked for global providers (and so read os.environ)
        # on every request; Tessera's traces, metrics and access lines are its own.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.tessera = tessera
    http = Route("/graphql", graphql, methods=["GET", "POST"])
    http.methods = {"GET", "POST"}  # Starlette adds HEAD for GET; HEAD stays a 405 as before
    app.router.routes += [http, WebSocketRoute("/graphql", graphql)]
    if not settings.production:  # GraphiQL's own files (no GraphiQL in production)
        app.router.routes.append(assets_route())
    app.router.routes += console_routes()  # the consoles' pages (they bring their own token)
    app.router.routes.append(
        feedback_route(tessera.messaging, settings.webhook_secret.get_secret_value())
    )
    app.router.routes.append(
        readiness_route(tessera.readiness_checks(), settings.ready_timeout_seconds)
    )

    @app.get("/healthz")  # alive: no I/O (/readyz asks the database and Redis)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "program": tessera.program.name}

    limits = RateLimitSettings(
        settings.rate_limit_failed_authentications,
        settings.rate_limit_requests_per_second,
        settings.rate_limit_burst,
    )
    admission = Admission(RateLimits(limits, settings.redis_url), tokens)
    body = BodyLimits(settings.max_body_bytes, settings.body_timeout_seconds)

    def edge(stack: ASGIApp) -> ASGIApp:
        # /graphql is answered from the edge itself; its route stays for the rest (405s).
        front = Edge(stack, graphql=graphql, admission=admission, body=body)
        return with_origins(front, settings.cors_origins)

    app.edge = edge
    observability.install(app)
    return app
