"""Each distinct query text is parsed, limited and validated once, then reused.

Strawberry's ParserCache and ValidationCache did not make repeated queries cheap here: the
depth and alias limiters build a new rule class for every request, so the validation cache
(keyed on the rules) never hit, and its key also holds the parsed document, whose hash walks
the whole tree on every lookup (graphql-core nodes are frozen dataclasses). This cache is
keyed on the query text: for one schema and one fixed set of rules the same text always
gives the same document and the same verdict, limits included.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.collect_fields import CollectedFields
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

# (object type name, ids of the field nodes) -> that selection's fields; see execution.py
SharedSubfields = dict[tuple[str, tuple[int, ...]], CollectedFields]


@dataclass(frozen=True, slots=True)
class Prepared:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # validation errors; empty when the query is valid
    # None when a directive (@skip, @include...) makes the selections depend on variables
    subfields: SharedSubfields | None = field(default=None, compare=False)


def selections_are_static(document: DocumentNode) -> bool:
    """True when no selection carries a directive, so variables cannot change them."""

    def static(selection_set: SelectionSetNode | None) -> bool:
        if selection_set is None:
            return True
        for selection in selection_set.selections:
            if selection.directives:
                return False
            if isinstance(selection, FieldNode | InlineFragmentNode) and not static(
                selection.selection_set
            ):
                return False
        return True

    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode) and definition.variable_definitions:
            return False
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode) and not (
            static(definition.selection_set)
        ):
            return False
    return True


class PreparedDocuments:
    """A bounded LRU of query text -> (document, validation errors), one per schema."""

    def __init__(
        self, maxsize: int, max_tokens: int, rules: Sequence[type[ASTValidationRule]]
    ) -> None:
        self.maxsize = maxsize
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        # id(operation node) -> its entry, for the executor; the entry keeps the node alive
        self._by_operation: dict[int, Prepared] = {}

    def get(self, query: str) -> Prepared | None:
        found = self._entries.get(query)
        if found is not None:
            self._entries.move_to_end(query)
        return found

    def put(self, query: str, document: DocumentNode, errors: Sequence[GraphQLError]) -> None:
        shared: SharedSubfields | None = None
        if not errors and selections_are_static(document):
            shared = {}
        prepared = Prepared(document, tuple(errors), shared)
        self._forget(self._entries.pop(query, None))
        self._entries[query] = prepared
        for operation in _operations(document):
            self._by_operation[id(operation)] = prepared
        while len(self._entries) > self.maxsize:
            self._forget(self._entries.popitem(last=False)[1])

    def subfields_for(self, operation: OperationDefinitionNode) -> SharedSubfields | None:
        prepared = self._by_operation.get(id(operation))
        if prepared is None or not any(op is operation for op in _operations(prepared.document)):
            return None
        return prepared.subfields

    def _forget(self, prepared: Prepared | None) -> None:
        if prepared is not None:
            for operation in _operations(prepared.document):
                if self._by_operation.get(id(operation)) is prepared:
                    del self._by_operation[id(operation)]

    def __len__(self) -> int:
        return len(self._entries)


def _operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


class PreparedOperation(SchemaExtension):
    """Per request: reuse the prepared document, or parse and validate under the limits.

    Syntax errors (including too many tokens) are not cached; they are raised by the parser
    before there is anything to keep.
    """

    def __init__(self, documents: PreparedDocuments) -> None:
        self.documents = documents
        self._hit: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        hit = self.documents.get(context.query) if context.query else None
        if hit is None:
            context.parse_options["max_tokens"] = self.documents.max_tokens
        else:
            context.graphql_document = hit.document  # Strawberry then skips parsing
        self._hit = hit
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and _unnamed_choice(context):
            # Strawberry would run the first operation; the spec asks the client to choose.
            context.pre_execution_errors = [GraphQLError(MUST_NAME)]
            yield
            return
        if self._hit is not None:
            context.pre_execution_errors = list(self._hit.errors)  # skips validation
            yield
            return
        context.validation_rules = (*context.validation_rules, *self.documents.rules)
        yield
        document, errors = context.graphql_document, context.pre_execution_errors
        if context.query and document is not None and errors is not None:
            self.documents.put(context.query, document, errors)


MUST_NAME = "Must provide operation name if query contains multiple operations."


def _unnamed_choice(context: ExecutionContext) -> bool:
    """Several operations and no operationName. Strawberry fills `operation_name` with the
    first one's, so what the client sent is read where Strawberry keeps it."""
    assert context.graphql_document is not None
    provided = getattr(context, "_provided_operation_name", None)
    return provided is None and len(list(_operations(context.graphql_document))) > 1
