"""strawberry's graphql-transport-ws handler, holding next to nothing for an idle subscriber.

Strawberry runs each operation in a task of its own for as long as it lives: for an idle
`memberUpdated` that is the task, the suspended frames of Strawberry's stream, graphql-core's
subscription (its executor and its mapped iterators), the schema extensions' contexts and
the resolver's generator, about 15 KiB per subscriber (`bench.realtime`). Here the first
result (the snapshot, or the errors) goes through Strawberry's own stream as before; then a
`memberUpdated` that opened is *pushed*: its task ends, and what stays is the operation
(id, query, variables), the resolver's `MemberFollowing` (member id, version, its watch in
the feed) and the socket's context. When the feed offers the watch an update, a short task
computes the update (`MemberFollowing.update_for`) and executes the operation's selection
on it, with the schema's own `execute` (the same parsing cache, limits, masking and
extensions as any query, the update as the root value, as graphql-core does for each
event), and sends it as `next`. Any other operation runs as Strawberry runs it.

Also: after `connection_init` the token has been read (the principal is on the context) and
the init timeout's task has ended, yet strawberry keeps both for the life of the socket,
with the upgrade request's headers and, in its reading loop, the last message received:
all are dropped here, and the query text is interned, so that sockets sending the same
text share one string.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from contextlib import suppress
from json import JSONDecodeError
from typing import Any, cast

import strawberry
from graphql import GraphQLError, GraphQLFormattedError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from app.access import current_request, error_code
from app.execution.masking import MaskedErrors
from app.execution.outage import AlwaysAvailable
from app.persisted_operations import PersistedOperations, refusal_body
from domain.persisted_documents import PersistedRefusal
from resolvers.context import TesseraContext
from resolvers.subscriptions import MemberFollowing, next_signal, opened_followings

SUBSCRIPTION_ONLY = (OperationType.SUBSCRIPTION,)


class SubscriptionSocket(BaseGraphQLTransportWSHandler[TesseraContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pushed: dict[str, _Pushed] = {}

    async def handle(self) -> None:
        """As Strawberry's, but no suspended frame keeps the last message (its text and
        its JSON, about 1.3 KiB) while the socket waits for the next one."""
        self.on_request_accepted()
        try:
            try:
                while (message := await self._received()) is not None:
                    await self.handle_message(cast("Message", message))
                    del message
            except NonTextMessageReceived:
                await self.handle_invalid_message("WebSocket message type must be text")
            except NonJsonMessageReceived:
                await self.handle_invalid_message("WebSocket message must be valid JSON")
        except WebSocketDisconnected:
            pass
        finally:
            await self.shutdown()

    async def _received(self) -> object | None:
        """The next message, decoded; None once the socket is closed (Strawberry's
        `ASGIWebSocketAdapter.iter_json`, one message at a time)."""
        adapter = self.websocket
        assert isinstance(adapter, ASGIWebSocketAdapter)
        socket = adapter.ws
        if socket.application_state == WebSocketState.DISCONNECTED:
            return None
        try:
            text = await socket.receive_text()
        except KeyError as exc:
            raise NonTextMessageReceived from exc
        except WebSocketDisconnect:
            return None
        try:
            return adapter.view.decode_json(text)
        except JSONDecodeError as exc:
            raise NonJsonMessageReceived from exc

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Cancelled by now, or done: nothing waits for it, and shutdown() skips None.
        self.connection_init_timeout_task = None
        if self.connection_acknowledged:
            self.context.connection_params = None  # read once, by on_ws_connect
            # So are the upgrade request's headers (by the edge, the context and
            # on_ws_connect): emptied in place (Starlette's cached Headers share the list),
            # about 1 KiB a socket here, more from a browser.
            request = self.context.request
            headers = None if request is None else request.scope.get("headers")
            if isinstance(headers, list):
                headers.clear()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        persisted: PersistedOperations | None = getattr(self.view, "persisted", None)
        if persisted is not None and self.connection_acknowledged and isinstance(payload, dict):
            # A partner (or, safelisted, any caller but an admin) subscribes by id too.
            try:
                query = await persisted.query_for(
                    payload.get("query"),
                    payload.get("extensions"),
                    payload.get("documentId"),
                    self.context.principal,
                )
            except PersistedRefusal as refusal:
                error = cast(GraphQLFormattedError, refusal_body(refusal))
                await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
                return
            if query is not None:
                payload["query"] = query
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            payload["query"] = sys.intern(payload["query"])
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[TesseraContext, None]) -> None:
        """As Strawberry's, except that a `memberUpdated` whose snapshot went out is pushed
        from then on, and this task ends."""
        opened = opened_followings()  # in this operation's task only
        try:
            stream = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(stream):
                first = await anext(stream, None)
                if isinstance(first, PreExecutionError):
                    await self._handle_pre_execution_error(operation, first)
                elif first is not None and not isinstance(first, ExecutionResult):
                    await self._reject_incremental_delivery(operation)
                elif first is not None:
                    await operation.send_next(first)
                    if self._push(operation, opened, first):
                        return  # closing the stream leaves the watch to the socket
                    await self._send_result_stream(operation, stream)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except asyncio.CancelledError:
            for following in opened:  # cancelled before it was pushed
                following.close()
            raise
        except Exception as error:
            if isinstance(error, _OperationStreamClosed):  # it closed the socket (4400)
                return
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    def _push(
        self,
        operation: Operation[TesseraContext, None],
        opened: list[MemberFollowing],
        first: ExecutionResult,
    ) -> bool:
        if len(opened) != 1 or first.errors or self.operations.get(operation.id) is not operation:
            return False
        following = opened.pop()
        following.detach()
        assert following.watch is not None
        pushed = _Pushed(self, operation, following, contextvars.copy_context())
        self.pushed[operation.id] = pushed
        operation.task = None  # ending now; `cleanup_operation` ends the pushed one
        self.context.fresh_loaders()  # what the snapshot read
        following.watch.listener = pushed.wake
        if not following.watch.queue.empty():  # offered while the snapshot was sent
            pushed.wake()
        return True

    async def execute_on(
        self, operation: Operation[TesseraContext, None], root: object
    ) -> ExecutionResult:
        """The operation's selection on `root`, as graphql-core executes each event of a
        subscription; `execute` is refused for subscriptions over HTTP, hence the base's."""
        assert isinstance(self.schema, strawberry.Schema)
        return await strawberry.Schema.execute(
            self.schema,
            operation.query,
            operation.variables,
            self.context,
            root,
            operation.operation_name,
            SUBSCRIPTION_ONLY,
        )

    def failed(self, exc: Exception) -> ExecutionResult:
        """What Strawberry's stream sends when a subscription's source fails: the error,
        logged as the schema logs errors, masked as the schema masks them."""
        error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
        self.schema.process_errors([error])
        result = ExecutionResult(data=None, errors=[error])
        MaskedErrors(getattr(self.schema, "database", AlwaysAvailable()))._process_result(result)
        record = current_request()
        for shown in result.errors or ():
            if record is not None:
                record.saw(error_code(shown))
        return result

    async def cleanup_operation(self, operation_id: str) -> None:
        pushed = self.pushed.pop(operation_id, None)
        if pushed is None:
            await super().cleanup_operation(operation_id)
            return
        self.operations.pop(operation_id, None)
        pushed.stop()

    async def shutdown(self) -> None:
        deliveries = [p.delivery for p in self.pushed.values() if p.delivery is not None]
        await super().shutdown()
        for task in deliveries:
            with suppress(Exception, asyncio.CancelledError):
                await task


class _Pushed:
    """A pushed subscription: woken by its watch, it sends what is queued in a task that
    ends when nothing is left."""

    __slots__ = ("context", "delivery", "following", "operation", "socket")

    def __init__(
        self,
        socket: SubscriptionSocket,
        operation: Operation[TesseraContext, None],
        following: MemberFollowing,
        context: contextvars.Context,
    ) -> None:
        self.socket = socket
        self.operation = operation
        self.following = following
        self.context = context  # the connection's: its access record and log fields
        self.delivery: asyncio.Task[None] | None = None

    def wake(self) -> None:
        if self.delivery is None and self.following.watch is not None:
            self.delivery = asyncio.create_task(self._deliver(), context=self.context)
            self.delivery.add_done_callback(self.socket._task_done)

    def stop(self) -> None:
        self.following.close()
        if self.delivery is not None and self.delivery is not asyncio.current_task():
            self.delivery.cancel()

    async def _deliver(self) -> None:
        operation, following = self.operation, self.following
        try:
            while following.watch is not None:
                try:
                    signal = next_signal(following.watch)
                    if signal is None:
                        return
                    update = await following.update_for(signal)
                    if update is None:
                        continue
                    result = await self.socket.execute_on(operation, update)
                except Exception as exc:  # fell behind, or the store failed on a resync
                    self.socket.pushed.pop(operation.id, None)
                    following.close()
                    await operation.send_next(self.socket.failed(exc))
                    await operation.send_operation_message({"id": operation.id, "type": "complete"})
                    return
                await operation.send_next(result)
                self.socket.context.fresh_loaders()  # nothing read stays while idle
        finally:
            self.delivery = None
