"""Assembling the schema: roots, limits that keep any query cheap, and error masking."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLInterfaceType, GraphQLUnionType
from strawberry.extensions import (
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

import schema as schema_package
from app.execution.cost_limit import cost_limit
from app.execution.direct import DirectPath
from app.execution.executor import executor_for
from app.execution.lean_resolvers import LeanResolvers, install_lean_resolvers
from app.execution.masking import MaskedErrors, should_mask, unavailable_cause
from app.execution.outage import AlwaysAvailable, DatabaseState, RefusedDuringOutage
from app.execution.prepared_documents import PreparedDocuments, PreparedOperation
from resolvers.mutations import Mutation
from resolvers.queries import Query
from resolvers.subscriptions import Subscription
from schema.scalars import SCALAR_OVERRIDES

SDL_PATH = Path(schema_package.__file__).with_name("schema.graphql")
POSSIBLE_TYPES_PATH = SDL_PATH.with_name("possible-types.json")
CACHE_SIZE = 256  # distinct query texts kept parsed and validated
MAX_TOKENS = 2000
MAX_ALIASES = 30
DEFAULT_MAX_COST = 10_000


class TesseraSchema(strawberry.Schema):
    database: DatabaseState = AlwaysAvailable()
    # Prepared operations run beside Strawberry's machinery (`app.execution.direct`);
    # None: every operation goes through Strawberry's `execute`.
    direct: DirectPath | None = None
    # Resolvers without Strawberry's per-call wrapping (`app.execution.lean_resolvers`)
    lean: LeanResolvers | None = None
    # Its prepared documents and their rules: trusted documents are validated by them at push
    documents: PreparedDocuments | None = None

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # `execute` answers one response; a subscription streams over a WebSocket or SSE
        # (`subscribe`), so over plain HTTP it is refused up front, not run as a field.
        allowed = allowed_operation_types
        if allowed is not None:
            allowed = set(allowed) - {OperationType.SUBSCRIPTION}
        direct = self.direct
        chosen = None if direct is None else direct.operation(query, operation_name, allowed)
        if direct is not None and chosen is not None:
            return await direct.run(
                *chosen,
                variable_values,
                context_value,
                root_value,
                operation_name,
                operation_extensions,
            )
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed,
            operation_extensions,
        )

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
) -> TesseraSchema:
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
    schema.lean = install_lean_resolvers(schema)
    # The plain leaves are known only once the schema is built; Strawberry reads the
    # executor class on every execution.
    schema.execution_context_class = executor_for(schema, documents)
    schema.direct = DirectPath.of(schema, documents, database, extensions)
    schema.documents = documents
    return schema


def sdl() -> str:
    return build_schema().as_str() + "\n"


def possible_types() -> str:
    """Each union's and interface's object types, as Apollo Client's `InMemoryCache` takes
    them (`possibleTypes`) and GraphQL Code Generator's fragment-matcher writes them: without
    them the cache cannot match `... on Error` against `InvalidInput` and drops its fields."""
    graphql_schema = build_schema()._schema
    found = {
        name: sorted(t.name for t in graphql_schema.get_possible_types(kind))
        for name, kind in sorted(graphql_schema.type_map.items())
        if not name.startswith("__") and isinstance(kind, GraphQLUnionType | GraphQLInterfaceType)
    }
    return json.dumps({"possibleTypes": found}, indent=2) + "\n"
