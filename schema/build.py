"""Assembling the schema: roots, limits that keep any query cheap, and error masking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.mutations import Mutation
from resolvers.queries import Query
from resolvers.subscriptions import Subscription
from schema.cost import cost_limit
from schema.errors import ServiceUnavailable
from schema.execution import executor_for
from schema.outage import AlwaysAvailable, DatabaseState, RefusedDuringOutage
from schema.prepared import PreparedDocuments, PreparedOperation
from schema.scalars import SCALAR_OVERRIDES

SDL_PATH = Path(__file__).with_name("schema.graphql")
SHOWN_CODES = frozenset(
    {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "SLOW_CONSUMER", "SERVICE_UNAVAILABLE"}
)
CACHE_SIZE = 256  # distinct query texts kept parsed and validated
MAX_TOKENS = 2000
MAX_ALIASES = 30
DEFAULT_MAX_COST = 10_000


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected failures (they are logged); keep what the client must act on."""
    if error.original_error is None or error.path is None:
        # Syntax, validation and variable errors describe the client's own request.
        return False
    code = (error.extensions or {}).get("code")
    return code not in SHOWN_CODES


def unavailable_cause(error: GraphQLError, database: DatabaseState) -> bool:
    return error.original_error is not None and database.is_unavailable(error.original_error)


class MaskedErrors(MaskErrors):
    """What the client sees of a failure: an unreachable database as SERVICE_UNAVAILABLE
    (from any field, mutation or subscription, before or during its stream), anything
    else unexpected as "Unexpected error."."""

    def __init__(self, database: DatabaseState) -> None:
        self._database = database
        super().__init__(should_mask_error=self._replaced)

    def _replaced(self, error: GraphQLError) -> bool:
        return unavailable_cause(error, self._database) or should_mask(error)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if unavailable_cause(error, self._database):
            return ServiceUnavailable(error)
        return super().anonymise_error(error)


class TesseraSchema(strawberry.Schema):
    database: DatabaseState = AlwaysAvailable()

    async def execute(  # type: ignore[override]
        self, query: str | None, *args: Any, **kwargs: Any
    ) -> ExecutionResult:
        # `execute` answers one response; a subscription streams over a WebSocket or SSE
        # (`subscribe`), so over plain HTTP it is refused up front, not run as a field.
        allowed = kwargs.get("allowed_operation_types")
        if allowed is not None:
            kwargs["allowed_operation_types"] = set(allowed) - {OperationType.SUBSCRIPTION}
        return await super().execute(query, *args, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected refusals are answers, not incidents: log only what would be masked. An
        # unreachable database is reported (it logs once per outage), not a traceback.
        down = [e for e in errors if unavailable_cause(e, self.database)]
        for error in down:
            assert error.original_error is not None
            self.database.report(error.original_error)
        unexpected = [e for e in errors if should_mask(e) and not any(e is d for d in down)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(
    max_depth: int = 12,
    max_cost: int = DEFAULT_MAX_COST,
    production: bool = False,
    database: DatabaseState | None = None,
    extensions: Sequence[Callable[[], SchemaExtension]] = (),
) -> strawberry.Schema:
    """`database`: how its outages look and whether one is on (none: never). `extensions`:
    factories of more extensions per operation (the app's access log and traces), run
    after the limits and the masking."""
    database = database or AlwaysAvailable()
    # The limits' rule classes are made once, so that a query's verdict can be cached.
    limits = [
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        cost_limit(max_cost),
    ]
    documents = PreparedDocuments(CACHE_SIZE, MAX_TOKENS, limits, production)
    schema = TesseraSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            lambda: RefusedDuringOutage(database),
            lambda: PreparedOperation(documents),
            lambda: MaskedErrors(database),
            *extensions,
        ],
    )
    schema.database = database
    # The plain leaves are known only once the schema is built; Strawberry reads the
    # executor class on every execution.
    schema.execution_context_class = executor_for(schema, documents)
    return schema


def sdl() -> str:
    return build_schema().as_str() + "\n"
