"""The FastAPI app: GraphQL at /graphql (GraphiQL in a browser), health at /healthz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from app.auth import BadToken, read_token
from app.limits import BodySizeLimit
from app.settings import Settings
from app.wiring import Tessera
from domain.clock import Clock
from domain.program import Program
from resolvers.context import TesseraContext
from schema.build import build_schema
from schema.program import Program as ProgramType

log = logging.getLogger(__name__)

ContextFor = Callable[[Request | WebSocket], TesseraContext]


class GraphQLEndpoint(GraphQL[TesseraContext, None]):
    """Strawberry's ASGI view: no FastAPI dependency injection on the request path, and
    responses encoded with orjson."""

    def __init__(self, schema: BaseSchema, context_for: ContextFor, **options: Any) -> None:
        super().__init__(schema, **options)
        self._context_for = context_for

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> TesseraContext:
        context = self._context_for(request)
        context.request = request
        context.response = response if isinstance(response, Response) else None
        return context

    def encode_json(self, data: object) -> str:
        # Text, not bytes: the WebSocket protocols send whatever this returns as a frame.
        return orjson.dumps(data).decode()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    program: Program | None = None,
    client: Any = None,
) -> FastAPI:
    settings = settings or Settings()
    tessera = Tessera.build(settings, clock=clock, program=program, client=client)
    program_type = ProgramType.of(tessera.program)
    secret = settings.secret.get_secret_value()

    def context(request: Request | WebSocket) -> TesseraContext:
        try:
            principal, problem = read_token(secret, request.headers.get("authorization")), None
        except BadToken as exc:
            principal, problem = None, str(exc)
        return TesseraContext(tessera.ports, program_type, principal, problem)

    graphql = GraphQLEndpoint(
        build_schema(settings.max_query_depth),
        context,
        graphql_ide=None if settings.production else "graphiql",
        multipart_uploads_enabled=False,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with tessera.running():
            yield

    app = FastAPI(title="Tessera", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.tessera = tessera
    http = Route("/graphql", graphql, methods=["GET", "POST"])
    http.methods = {"GET", "POST"}  # Starlette adds HEAD for GET; HEAD stays a 405 as before
    app.router.routes += [http, WebSocketRoute("/graphql", graphql)]

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "program": tessera.program.name}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
