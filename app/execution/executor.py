"""The executor: Strawberry's, with two short cuts for what every member view repeats.

1. Plain leaves. Most of a member view is fields that only read an attribute of a frozen
   view object (`version`, `createdAt`, `kind`...). graphql-core gives each one a
   resolve-info object, a resolver chain, an awaitable check and the general completion
   path. Here they are read and coerced the way `complete_leaf_value` does; anything
   unusual (a null on a non-null field, a coercion that fails, middleware) takes the
   general path, which reports it exactly as before.
2. Sub-selections. graphql-core works out the fields of each object's selection once per
   request. For a prepared document whose selections carry no directives the answer never
   depends on the request, so it is kept with the document and shared.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    GraphQLLeafType,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList
from graphql.pyutils import Path
from strawberry import Schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution.prepared_documents import PreparedDocuments, SharedSubfields


class PlainLeaf(NamedTuple):
    attribute: str
    type: GraphQLLeafType
    non_null: bool


# GraphQL type name -> field name -> how to read it
PlainLeaves = dict[str, dict[str, PlainLeaf]]


def plain_leaves(schema: Schema) -> PlainLeaves:
    """Fields without arguments, resolver or extensions whose type is a scalar or enum."""
    found: PlainLeaves = {}
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        fields: dict[str, PlainLeaf] = {}
        for name, field in graphql_type.fields.items():
            if field.args or not getattr(field.resolve, "_is_default", False):
                continue
            non_null = is_non_null_type(field.type)
            inner = field.type.of_type if non_null else field.type  # type: ignore[attr-defined]
            definition = schema.get_field_for_type(name, graphql_type.name)
            if (
                is_leaf_type(inner)
                and definition is not None
                and definition.is_basic_field
                and definition.default_resolver is getattr
            ):
                fields[name] = PlainLeaf(definition.python_name, inner, non_null)
        if fields:
            found[graphql_type.name] = fields
    return found


class TesseraExecutor(StrawberryGraphQLCoreExecutionContext):
    """One subclass per schema (`executor_for`), carrying its leaves and documents."""

    leaves: PlainLeaves = {}
    documents: PreparedDocuments | None = None

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        # Variable coercion errors ("Did you mean ...?") follow validation's: none in
        # production, where they would map the schema for a stranger.
        if cls.documents is not None and cls.documents.production:
            kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware wraps every resolver, so with any installed no field is plain.
        self._leaves = {} if manager is not None and manager.middlewares else self.leaves
        documents = self.documents
        self._shared: SharedSubfields | None = (
            None if documents is None else documents.subfields_for(self.operation)
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        fields = self._leaves.get(parent_type.name)
        if fields is not None:
            leaf = fields.get(field_details_list[0].node.name.value)
            if leaf is not None:
                value = getattr(source, leaf.attribute, Undefined)
                if value is None and not leaf.non_null:
                    return None
                if value is not None and value is not Undefined:
                    try:
                        coerced = leaf.type.coerce_output_value(value)
                    except Exception:
                        coerced = None  # the general path below reports it as a field error
                    if coerced is not None and coerced is not Undefined:
                        return coerced
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        shared = self._shared
        if shared is None:
            return super().collect_subfields(return_type, field_details_list)
        # The nodes belong to the prepared document, which the cache lives with: their ids
        # name the same nodes for as long as the entry exists.
        key = (return_type.name, tuple(id(details.node) for details in field_details_list))
        found = shared.get(key)
        if found is None:
            found = shared[key] = super().collect_subfields(return_type, field_details_list)
        return found


def executor_for(schema: Schema, documents: PreparedDocuments) -> type[TesseraExecutor]:
    return type(
        "TesseraExecutor",
        (TesseraExecutor,),
        {"leaves": plain_leaves(schema), "documents": documents},
    )
