"""strawberry's graphql-transport-ws handler, letting go of what an idle socket no longer needs.

After `connection_init` the token has been read (the principal is on the context) and the
init timeout's task has ended, yet strawberry keeps both for the life of the socket; and
each subscriber's copy of the same subscription text stays in its operation. At 10,000
subscribers that is about 15 MiB (`bench.realtime`): the task and the parameters are
dropped here, and the query text is interned, so that sockets sending the same text share
one string.
"""

from __future__ import annotations

import sys

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from resolvers.context import TesseraContext


class SubscriptionSocket(BaseGraphQLTransportWSHandler[TesseraContext, None]):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Cancelled by now, or done: nothing waits for it, and shutdown() skips None.
        self.connection_init_timeout_task = None
        if self.connection_acknowledged:
            self.context.connection_params = None  # read once, by on_ws_connect

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            payload["query"] = sys.intern(payload["query"])
        await super().handle_subscribe(message)
