"""/graphql over HTTP, WebSocket (graphql-transport-ws) and Server-Sent Events.

Strawberry's ASGI view without FastAPI's dependency injection on the request path, with
responses encoded by orjson. WebSockets authenticate in `connection_init` (or with the
upgrade request's Authorization header); a connection without a valid token is closed
with 4403, and each token may hold only so many connections at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)
from strawberry.types.unset import UNSET, UnsetType

from app.auth import BadToken, read_token
from app.settings import Settings
from resolvers.context import TesseraContext

ContextFor = Callable[[Request | WebSocket], TesseraContext]


class GraphQLEndpoint(GraphQL[TesseraContext, None]):
    def __init__(
        self, schema: BaseSchema, context_for: ContextFor, settings: Settings, **options: Any
    ) -> None:
        protocols = [GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL]
        if settings.legacy_graphql_ws:  # off by default: it let clients skip connection_init
            protocols.append(GRAPHQL_WS_PROTOCOL)
        super().__init__(
            schema,
            subscription_protocols=protocols,
            connection_init_wait_timeout=timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            **options,
        )
        self._context_for = context_for
        self._secret = settings.secret.get_secret_value()
        self._max_per_token = settings.max_connections_per_token
        self._open: Counter[str] = Counter()
        self._token_of: dict[int, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            token = self._token_of.pop(id(scope), None)
            if token is not None:
                self._open[token] -= 1
                if self._open[token] <= 0:
                    del self._open[token]

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> TesseraContext:
        context = self._context_for(request)
        context.request = request
        context.response = response if isinstance(response, Response) else None
        return context

    async def on_ws_connect(self, context: TesseraContext) -> UnsetType:
        request = context.request
        assert request is not None
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        if not isinstance(header, str):
            header = request.headers.get("authorization")
        try:
            principal = read_token(self._secret, header)
        except BadToken as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        if principal is None:
            raise ConnectionRejectionError({"message": "a bearer token is required"})
        token = str(header)
        if self._open[token] >= self._max_per_token:
            raise ConnectionRejectionError({"message": "too many connections for this token"})
        self._open[token] += 1
        self._token_of[id(request.scope)] = token
        context.authenticate(principal)
        return cast(UnsetType, UNSET)

    def encode_json(self, data: object) -> str:
        # Text, not bytes: bytes would go out as binary WebSocket frames, which
        # graphql-transport-ws clients refuse.
        try:
            return orjson.dumps(data).decode()
        except orjson.JSONEncodeError:
            # orjson refuses strings holding a lone surrogate, which a syntax or validation
            # error may quote back from the request; JSON can still carry them escaped.
            return json.dumps(data, ensure_ascii=True, default=str)
