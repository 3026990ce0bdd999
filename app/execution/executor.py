"""The executor: Strawberry's, with short cuts for what every member view repeats.

1. Sub-selections. graphql-core works out the fields of each object's selection once per
   request. For a prepared document whose selections carry no directives the answer never
   depends on the request, so it is kept with the document and shared.
2. Plain fields (`app.execution.plain_fields`): of each such selection, the fields that
   only read an attribute are planned once and then read and coerced directly; graphql-core
   executes only the rest (resolvers, arguments, abstract types), and the two parts are put
   together in the selection's order. Anything unusual at run time sends the whole object
   back to the general path, which reports it exactly as before.
3. Leaves met on the general path (a document with directives, or an object sent back)
   are still read without graphql-core's per-field machinery.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, Undefined
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry import Schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution.plain_fields import (
    PlainFields,
    Plan,
    Read,
    in_order,
    is_plain,
    plain_fields,
    plain_values,
    read_field,
)
from app.execution.prepared_documents import PreparedDocuments, SharedExecution

TYPENAME = "__typename"


class TesseraExecutor(StrawberryGraphQLCoreExecutionContext):
    """One subclass per schema (`executor_for`), carrying its plain fields and documents."""

    plain: PlainFields = PlainFields({}, {})
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
        self._plain = None if manager is not None and manager.middlewares else self.plain
        schema = self.schema
        self._roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
        documents = self.documents
        self._shared: SharedExecution | None = (
            None
            if documents is None or self._plain is None
            else documents.shared_for(self.operation)
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        plan = None
        if position_context is None and parent_type not in self._roots:
            plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plain = plain_values(plan, source_value)
        if plain is None:  # something unusual: graphql-core does the whole object
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        if len(plain) == len(plan):
            return plain
        rest = {name: grouped_field_set[name] for name, read in plan if read is None}
        general = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if isinstance(general, dict):
            return in_order(plan, plain, general)

        async def completed() -> dict[str, Any]:
            return in_order(plan, plain, await general)

        return completed()

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if self._plain is not None:
            fields = self._plain.leaves.get(parent_type.name)
            leaf = None if fields is None else fields.get(field_details_list[0].node.name.value)
            if leaf is not None:
                value = read_field(leaf, source)
                if value is not Undefined:
                    return value
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
        found = shared.subfields.get(key)
        if found is None:
            found = shared.subfields[key] = super().collect_subfields(
                return_type, field_details_list
            )
        return found

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan | None:
        """The plan of a shared selection's fields (None: not shared, or nothing plain)."""
        shared = self._shared
        if shared is None:
            return None
        found = shared.plans.get(id(fields))
        if found is not None and found[0] is fields:
            return found[1]
        if not any(
            collected.grouped_field_set is fields for collected in shared.subfields.values()
        ):
            return None  # the root's fields (collected anew for each request: all resolvers)
        plan = self._planned(parent_type, fields)
        kept = plan if any(how is not None for _, how in plan) else None
        shared.plans[id(fields)] = (fields, kept)
        return kept

    def _planned(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan:
        assert self._plain is not None
        leaves = self._plain.leaves.get(parent_type.name, {})
        objects = self._plain.objects.get(parent_type.name, {})
        plan: list[tuple[str, Read]] = []
        for name, details in fields.items():
            field_name = details[0].node.name.value
            read: Read = None
            if field_name == TYPENAME:
                read = parent_type.name
            elif field_name in leaves:
                read = leaves[field_name]
            elif field_name in objects:
                plain = objects[field_name]
                inner = self.collect_subfields(plain.type, details).grouped_field_set
                inner_plan = self._plan(plain.type, inner)
                if inner_plan is not None and is_plain(inner_plan):
                    read = plain.reader(inner_plan)
            plan.append((name, read))
        return tuple(plan)


def executor_for(schema: Schema, documents: PreparedDocuments) -> type[TesseraExecutor]:
    return type(
        "TesseraExecutor",
        (TesseraExecutor,),
        {"plain": plain_fields(schema), "documents": documents},
    )
