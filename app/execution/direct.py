"""A prepared operation run straight through graphql-core, beside Strawberry's `execute`.

Strawberry's `Schema.execute` wraps every operation in its extension machinery: an
execution context, four stages of hooks entered and left through context managers for
each extension, a middleware manager, a result converted twice. For a query text already
parsed and validated (`PreparedDocuments`) nothing of that changes the answer, and it cost
a member view about a fifth of its CPU. `DirectPath` runs such an operation with the same
executor class, the same arguments to graphql-core and the same steps around it, as plain
calls:

- the outage check (`RefusedDuringOutage`), the prepared document and its verdict
  (`PreparedOperation`) are read up front: anything else (an outage, a query met for the
  first time, a validation error, introspection, several operations and no name, an
  operation type the transport does not allow) goes through Strawberry as before;
- errors are logged by the schema's `process_errors` and masked by `MaskedErrors`, in
  Strawberry's order, the extensions that observe an operation (`DirectlyObserved`) see
  the same names and errors as their hooks would;
- an extension it cannot stand in for (OpenTelemetry's tracing, say) turns it off.

`tests/integration/test_direct_execution.py` compares its answers, errors and key order,
and what the access log records, with Strawberry's path across the schema's operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    execute,
)
from graphql.execution.middleware import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.execution.masking import MaskedErrors
from app.execution.outage import DatabaseState
from app.execution.prepared_documents import PreparedDocuments

if TYPE_CHECKING:
    from strawberry import Schema


@runtime_checkable
class DirectlyObserved(Protocol):
    """An extension whose hooks only observe an operation, with their work also offered as
    two plain calls for the direct path."""

    def executing(self, name: str | None) -> None:
        """As its `on_execute` (before anything runs): the operation's name."""

    def answered(self, errors: Sequence[GraphQLError] | None, context: object) -> None:
        """As its `on_operation` after the result: the errors before masking."""


def first_field_name(document: DocumentNode | None) -> str | None:
    """The first operation's first field, naming an operation that has no name."""
    if document is None:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            first = definition.selection_set.selections[0]
            return first.name.value if isinstance(first, FieldNode) else None
    return None


class DirectPath:
    def __init__(
        self,
        schema: Schema,
        documents: PreparedDocuments,
        database: DatabaseState,
        observers: Sequence[DirectlyObserved],
    ) -> None:
        self._schema = schema
        self._documents = documents
        self._database = database
        self._observers = tuple(observers)
        self._answered = tuple(reversed(self._observers))  # hooks are left in reverse order
        self._masking = MaskedErrors(database)
        self._middleware = MiddlewareManager()  # Strawberry's, when no extension resolves

    @classmethod
    def of(
        cls,
        schema: Schema,
        documents: PreparedDocuments,
        database: DatabaseState,
        extensions: Sequence[Callable[[], SchemaExtension]],
    ) -> DirectPath | None:
        """None when an extension could change what the direct path does not run."""
        samples = [factory() for factory in extensions]
        observers = [sample for sample in samples if isinstance(sample, DirectlyObserved)]
        if len(observers) != len(samples) or schema.directives:
            return None
        return cls(schema, documents, database, observers)

    def operation(
        self, query: str | None, name: str | None, allowed: Iterable[OperationType] | None
    ) -> tuple[OperationDefinitionNode, DocumentNode] | None:
        """The operation to run directly and its document, or None: Strawberry's path
        answers it. `allowed`: None for Strawberry's default (queries and mutations)."""
        if not isinstance(query, str) or self._database.ongoing:
            return None
        prepared = self._documents.get(query)
        if prepared is None or prepared.errors or prepared.introspects:
            return None
        chosen = None
        for definition in prepared.document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if name is None:
                if chosen is not None:
                    return None  # several operations and none named
                chosen = definition
            elif definition.name is not None and definition.name.value == name:
                chosen = definition
                break
        if chosen is None:
            return None
        kind = OperationType(chosen.operation.value)
        if kind is OperationType.SUBSCRIPTION or (allowed is not None and kind not in allowed):
            return None
        return chosen, prepared.document

    async def run(
        self,
        operation: OperationDefinitionNode,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        name: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        schema = self._schema
        # Strawberry's execution context: the client's name, else the operation's own.
        chosen = name if name is not None else operation.name.value if operation.name else None
        try:
            observed = chosen if chosen is not None else first_field_name(document)
            for observer in self._observers:
                observer.executing(observed)
            outcome = execute(
                schema._schema,
                document,
                root_value=root_value,
                context_value=context,
                variable_values=variables,
                operation_name=chosen,
                middleware=self._middleware,
                executor_class=schema.execution_context_class,
                is_awaitable=cast(Any, optimized_is_awaitable),
                operation_extensions=operation_extensions,
            )
            if isawaitable(outcome):
                outcome = await outcome
            result = ExecutionResult(data=outcome.data, errors=outcome.errors, extensions={})
        except Exception as exc:  # as Strawberry: an error answered, not raised
            error = exc
            if not isinstance(error, GraphQLError):
                error = GraphQLError(str(exc), original_error=exc)
            result = ExecutionResult(data=None, errors=[error], extensions={})
        if result.errors:
            schema._process_errors(result.errors, None)
        for observer in self._answered:
            observer.answered(result.errors, context)
        self._masking._process_result(result)
        return result
