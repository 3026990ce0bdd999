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
from typing import Protocol, runtime_checkable

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    specified_rules,
    validate,
)
from graphql.execution.collect_fields import CollectedFields
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext

from app.execution.plain_fields import Plan

# What Strawberry adds to the spec's rules (strawberry.schema.schema.validate_document)
STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)


@dataclass(slots=True, eq=False)
class SharedExecution:
    """What executing a prepared document works out that does not depend on the request
    (`app.execution.executor`): each selection's fields, and the plan of its plain fields.
    The keys are ids of the document's nodes and of the field sets kept here, which live
    as long as the entry does."""

    # (object type name, ids of the field nodes) -> that selection's fields
    subfields: dict[tuple[str, tuple[int, ...]], CollectedFields] = field(default_factory=dict)
    # id(grouped field set) -> (that field set, its plan; None: nothing in it is plain)
    plans: dict[int, tuple[object, Plan | None]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prepared:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # validation errors; empty when the query is valid
    # None when a directive (@skip, @include...) makes the selections depend on variables
    shared: SharedExecution | None = field(default=None, compare=False)
    introspects: bool = False  # asks for __schema or __type


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
        self,
        maxsize: int,
        max_tokens: int,
        rules: Sequence[type[ASTValidationRule]],
        production: bool = False,
    ) -> None:
        self.maxsize = maxsize
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        # In production validation errors carry no "Did you mean ...?" (they map the schema
        # for a stranger) and introspection needs an admin token.
        self.production = production
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        # id(operation node) -> its entry, for the executor; the entry keeps the node alive
        self._by_operation: dict[int, Prepared] = {}

    def get(self, query: str) -> Prepared | None:
        found = self._entries.get(query)
        if found is not None:
            self._entries.move_to_end(query)
        return found

    def validate(self, schema: GraphQLSchema, document: DocumentNode) -> Prepared:
        """Validate under the spec's rules, Strawberry's and the limits, once per text."""
        rules = (*specified_rules, *STRAWBERRY_RULES, *self.rules)
        errors = validate(schema, document, rules, hide_suggestions=self.production)
        introspects = bool(validate(schema, document, [NoSchemaIntrospectionCustomRule]))
        shared: SharedExecution | None = None
        if not errors and selections_are_static(document):
            shared = SharedExecution()
        return Prepared(document, tuple(errors), shared, introspects)

    def put(self, query: str, prepared: Prepared) -> None:
        document = prepared.document
        self._forget(self._entries.pop(query, None))
        self._entries[query] = prepared
        for operation in _operations(document):
            self._by_operation[id(operation)] = prepared
        while len(self._entries) > self.maxsize:
            self._forget(self._entries.popitem(last=False)[1])

    def shared_for(self, operation: OperationDefinitionNode) -> SharedExecution | None:
        prepared = self._by_operation.get(id(operation))
        if prepared is None or not any(op is operation for op in _operations(prepared.document)):
            return None
        return prepared.shared

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
        document = context.graphql_document
        if document is not None and _unnamed_choice(context):
            # Strawberry would run the first operation; the spec asks the client to choose.
            context.pre_execution_errors = [GraphQLError(MUST_NAME)]
        elif document is not None:
            prepared = self._hit
            if prepared is None:
                prepared = self.documents.validate(context.schema._schema, document)
                if context.query:
                    self.documents.put(context.query, prepared)
            errors = list(prepared.errors)  # set: Strawberry's own validation is skipped
            if not errors and prepared.introspects and not self._may_introspect():
                errors = [GraphQLError(INTROSPECTION_OFF, extensions={"code": "FORBIDDEN"})]
            context.pre_execution_errors = errors
        yield

    def _may_introspect(self) -> bool:
        if not self.documents.production:
            return True
        caller = self.execution_context.context
        return isinstance(caller, Introspecting) and caller.may_introspect()


MUST_NAME = "Must provide operation name if query contains multiple operations."
INTROSPECTION_OFF = "introspection is off in production; it needs an admin token"


@runtime_checkable
class Introspecting(Protocol):
    """The request context says whether its caller may read the schema."""

    def may_introspect(self) -> bool: ...


def _unnamed_choice(context: ExecutionContext) -> bool:
    """Several operations and no operationName. Strawberry fills `operation_name` with the
    first one's, so what the client sent is read where Strawberry keeps it."""
    assert context.graphql_document is not None
    provided = getattr(context, "_provided_operation_name", None)
    return provided is None and len(list(_operations(context.graphql_document))) > 1
