"""/graphql over HTTP, WebSocket (graphql-transport-ws), Server-Sent Events and Apollo's
multipart subscriptions.

Strawberry's ASGI view without FastAPI's dependency injection on the request path, with
responses encoded by orjson. WebSockets authenticate in `connection_init` (or with the
upgrade request's Authorization header); a connection without a valid token is closed
with 4403, and each caller may hold only so many connections (WebSockets and streams)
at once. Malformed requests get a GraphQL-over-HTTP error body with a 4xx, never a 500.
WebSockets and streams are held by `app.live`, which counts them and ends them on
shutdown; the caller's role goes on the request's access line (`app.access`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, cast

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types.unset import UNSET, UnsetType

from app.access import current_request
from app.auth import BadToken, TokenReader
from app.graphiql import offline
from app.graphql_response import (
    CONTENT_TYPE,
    STATUS_OF_REFUSAL,
    Negotiated,
    prefers_graphql_response,
    request_error_status,
)
from app.live import LiveConnections, long_lived, streamed
from app.persisted_operations import PersistedOperations, refusal_response
from app.settings import Settings
from app.subscription_socket import SubscriptionSocket
from domain.access import Principal
from domain.persisted_documents import PersistedRefusal
from resolvers.context import TesseraContext
from subscriptions.connection_caps import ConnectionCaps, Lease

ContextFor = Callable[[Request | WebSocket], TesseraContext]
TOO_MANY = "too many connections for this caller (role and subject)"
STREAMS = (
    "subscribe over a WebSocket (graphql-transport-ws), Server-Sent Events (Accept: "
    "text/event-stream) or multipart HTTP (Accept: multipart/mixed;subscriptionSpec=1.0)"
)


def request_error(
    status: int,
    message: str,
    *,
    graphql_response: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A request refused before any GraphQL ran, as a GraphQL response with no `data`:
    `application/graphql-response+json` to a client that prefers it (`app.graphql_response`),
    so that it reads the message whatever the status."""
    body = orjson.dumps({"errors": [{"message": message}]})
    media_type = CONTENT_TYPE if graphql_response else "application/json"
    return Response(body, status, headers=headers, media_type=media_type)


def bounded_messages(receive: Receive, send: Send, max_bytes: int) -> Receive:
    """WebSocket messages over `max_bytes` close the socket with 1009 (message too big)
    before anything parses them; HTTP bodies have their own limit."""

    async def checked() -> Message:
        message = await receive()
        if message["type"] == "websocket.receive":
            text, data = message.get("text"), message.get("bytes")
            size = len(data) if data is not None else len((text or "").encode("utf-8", "replace"))
            if size > max_bytes:
                reason = f"message larger than {max_bytes} bytes"
                await send({"type": "websocket.close", "code": 1009, "reason": reason})
                return {"type": "websocket.disconnect", "code": 1009}
        return message

    return checked


def _refused(exc: HTTPException, graphql_response: bool) -> Response:
    """Strawberry's refusal of a request (plain text, 400 for most), as a GraphQL response."""
    reason, status = exc.reason, exc.status_code
    if reason.startswith("subscriptions are not allowed"):
        reason = f"{reason}: {STREAMS}"
    headers: Mapping[str, str] = {}
    if graphql_response:  # the status the spec gives, where it names one
        status, headers = STATUS_OF_REFUSAL.get(reason, (status, headers))
    return request_error(status, reason, graphql_response=graphql_response, headers=headers)


class GraphQLEndpoint(GraphQL[TesseraContext, None]):
    graphql_transport_ws_handler_class = SubscriptionSocket

    @property
    def graphql_ide_html(self) -> str:
        return offline(super().graphql_ide_html)

    def __init__(
        self,
        schema: BaseSchema,
        context_for: ContextFor,
        settings: Settings,
        tokens: TokenReader,
        caps: ConnectionCaps,
        live: LiveConnections | None = None,
        persisted: PersistedOperations | None = None,
        **options: Any,
    ) -> None:
        protocols = [
            GRAPHQL_TRANSPORT_WS_PROTOCOL,
            GRAPHQL_SSE_PROTOCOL,
            MULTIPART_SUBSCRIPTION_PROTOCOL,
        ]
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
        self._tokens = tokens
        self._caps = caps
        self._live = live or LiveConnections()
        self._max_message = settings.max_ws_message_bytes
        self._leases: dict[int, Lease] = {}  # id(scope) -> the connection's lease
        self.persisted = persisted  # None: no hashes nor ids, text only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _plain_post(scope):
            await self._answer_post(scope, receive, send)
            return
        if scope["type"] == "websocket":
            receive = bounded_messages(receive, send, self._max_message)
        try:
            transport = long_lived(scope)
            if transport is None:
                await super().__call__(scope, receive, send)
            else:
                await self._live.hold(transport, super().__call__, scope, receive, send)
        finally:
            lease = self._leases.pop(id(scope), None)
            if lease is not None:
                await self._caps.release(lease)

    async def _answer_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of one JSON operation, answered in one JSON response: what nearly every
        request is. Strawberry's `run` does the same through steps this request does not
        need (its content type parsed by the email package, stream transports looked
        for, the result checked against a runtime protocol): about 0.1 ms of CPU a
        request. Anything else is handed to `run`, which reads the body kept here."""
        request = Request(scope, receive)
        # As in `run`: the context (and the caller's role on the access line) first.
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        try:
            data = self.parse_json(await request.body())
            operation = _one_operation(data)
            if operation is None:  # a batch, or a field of the wrong type: Strawberry says why
                response = await self.run(request)
                assert isinstance(response, Response)
                await response(scope, receive, send)
                return
            assert isinstance(data, dict)
            operation = await self._persisted(operation, data.get("documentId"), context)
            adapter = self.request_adapter_class(request)
            result = await self.execute_single(
                request, adapter, sub_response, context, None, operation
            )
        except HTTPException as exc:
            await _refused(exc, sub_response.graphql_response)(scope, receive, send)
            return
        except PersistedRefusal as refusal:
            await refusal_response(refusal)(scope, receive, send)
            return
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        await self.create_response(response_data, sub_response)(scope, receive, send)

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        if isinstance(request, WebSocket):
            return await super().run(request, context, root_value)
        try:
            if streamed(request.headers.get("accept", "")):
                await self._admit_stream(request)
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            # A GraphQL-over-HTTP error body, not strawberry's plain text: clients parse JSON.
            return _refused(exc, prefers_graphql_response(request.headers.get("accept")))
        except PersistedRefusal as refusal:
            return refusal_response(refusal)

    async def get_sub_response(self, request: Request | WebSocket) -> Negotiated:
        return Negotiated(prefers_graphql_response(request.headers.get("accept")))

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        if not (isinstance(sub_response, Negotiated) and sub_response.graphql_response):
            return super().create_response(response_data, sub_response)
        status = None
        if not isinstance(response_data, list):
            status = request_error_status(response_data)
            if status is not None:  # nothing was executed: no `data` entry at all
                response_data = cast(
                    GraphQLHTTPResponse, {k: v for k, v in response_data.items() if k != "data"}
                )
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = CONTENT_TYPE
        if status is not None and sub_response.status_code is None:
            response.status_code = status
        return response

    async def execute_operation(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: TesseraContext,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        """GET, batches and streams: hashes and ids turned into texts first (a plain POST
        does the same in `_answer_post`)."""
        if self.persisted is not None:
            ids = await _document_ids(request_adapter)
            if isinstance(request_data, list):
                request_data = [
                    await self._persisted(data, ids[n] if n < len(ids) else None, context)
                    for n, data in enumerate(request_data)
                ]
            else:
                request_data = await self._persisted(request_data, ids[0] if ids else None, context)
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming its operation by hash or id asks for a result, not for GraphiQL.
        params = request.query_params
        if params.get("extensions") is not None or params.get("documentId") is not None:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def _persisted(
        self, data: GraphQLRequestData, document_id: object, context: TesseraContext
    ) -> GraphQLRequestData:
        if self.persisted is None:
            return data
        query = await self.persisted.query_for(
            data.query, data.extensions, document_id, context.principal
        )
        if query is data.query:
            return data
        return GraphQLRequestData(
            query, data.variables, data.operation_name, data.extensions, data.protocol
        )

    def parse_json(self, data: str | bytes) -> Any:
        value = super().parse_json(data)
        if not isinstance(value, dict | list):
            raise HTTPException(400, "the request must be a JSON object with a `query`")
        return value

    def decode_json(self, data: str | bytes) -> object:
        # The standard library, not orjson: orjson refuses a lone surrogate escape outright,
        # and the mutation boundary answers that with INVALID_INPUT naming the field.
        try:
            return json.loads(data)
        except (RecursionError, UnicodeDecodeError) as exc:
            # 5,000 nested arrays, or bytes that are not UTF-8: not a request, not a 500.
            reason = "too deeply nested" if isinstance(exc, RecursionError) else "not UTF-8"
            raise json.JSONDecodeError(f"the JSON is {reason}", "", 0) from None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> TesseraContext:
        context = self._context_for(request)
        context.request = request
        context.response = response if isinstance(response, Response) else None
        _note_role(context.principal)
        return context

    async def on_ws_connect(self, context: TesseraContext) -> UnsetType:
        request = context.request
        assert request is not None
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        if not isinstance(header, str):
            header = request.headers.get("authorization")
        try:
            principal = self._tokens.read(header)
        except BadToken as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        if principal is None:
            raise ConnectionRejectionError({"message": "a bearer token is required"})
        if not await self._admit(request.scope, principal):
            raise ConnectionRejectionError({"message": TOO_MANY})
        context.authenticate(principal)
        _note_role(principal)
        return cast(UnsetType, UNSET)

    async def _admit_stream(self, request: Request) -> None:
        """An SSE or multipart stream is a connection like a WebSocket, under the same
        cap."""
        try:
            principal = self._tokens.read(request.headers.get("authorization"))
        except BadToken:
            return  # the operation answers UNAUTHENTICATED
        if principal is not None and not await self._admit(request.scope, principal):
            raise HTTPException(429, TOO_MANY)

    async def _admit(self, scope: Scope, principal: Principal) -> bool:
        lease = await self._caps.admit(f"{principal.role.value}:{principal.subject}")
        if lease is not None:
            self._leases[id(scope)] = lease
        return lease is not None

    def encode_json(self, data: object) -> str:
        # Text, not bytes: bytes would go out as binary WebSocket frames, which
        # graphql-transport-ws clients refuse.
        try:
            return orjson.dumps(data).decode()
        except orjson.JSONEncodeError:
            # orjson refuses strings holding a lone surrogate, which a syntax or validation
            # error may quote back from the request; JSON can still carry them escaped.
            return json.dumps(data, ensure_ascii=True, default=str)


def _plain_post(scope: Scope) -> bool:
    """POST with `Content-Type: application/json` and no stream asked for in `Accept`."""
    if scope["method"] != "POST":
        return False
    content_type = accept = None
    for name, value in scope["headers"]:
        if name == b"content-type" and content_type is None:
            content_type = value
        elif name == b"accept" and accept is None:
            accept = value
    return content_type == b"application/json" and (
        accept is None or (b"text/event-stream" not in accept and b"multipart" not in accept)
    )


async def _document_ids(adapter: Any) -> list[object]:
    """`documentId` of a GET, or of each operation of a POST (Strawberry drops it)."""
    if adapter.method == "GET":
        return [adapter.query_params.get("documentId")]
    body = await adapter.get_body()
    if b"documentId" not in body:
        return []
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    items = data if isinstance(data, list) else [data]
    return [item.get("documentId") if isinstance(item, dict) else None for item in items]


def _one_operation(data: object) -> GraphQLRequestData | None:
    """The operation of a well-formed single request, as Strawberry would read it; its
    query may be missing when a hash or an id stands for it."""
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    name, extensions = data.get("operationName"), data.get("extensions")
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(name, str | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    return GraphQLRequestData(query, variables, name, extensions, "http")


def _note_role(principal: Principal | None) -> None:
    record = current_request()
    if record is not None and principal is not None:
        record.role = principal.role.value
