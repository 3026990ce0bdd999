"""Plain fields: the parts of a selection that only read attributes of frozen view objects.

Most of a member view is such fields (`version`, `tier { code name }`, a history entry's
eight scalars...). graphql-core gives each of them a path, a resolve-info object, a
resolver chain, an awaitable check and the general completion path. Here a selection's
plain fields are planned once per prepared document and then read directly, the way
`complete_value` would complete them:

- a leaf (scalar or enum, or a list of them) is coerced for output as its type does it
  (an enum by a lookup table instead of a scan of its values);
- an object (or a list of objects) whose whole selection is plain is built the same way;
- `__typename` is the parent type's name.

Anything else (a resolver, arguments, an abstract or `is_type_of` type, middleware) is
left to graphql-core. So is anything unusual at run time (a null where the schema says
non-null, a value its type cannot coerce, a list that is not a list): the reader answers
`Undefined`, and the executor hands the whole object to the general path, which reports
it exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from strawberry import Schema


class Reader(NamedTuple):
    """How to read one plain field: an attribute, completed by `complete` (or a list of
    values, each completed), where `complete` answers Undefined for the general path."""

    attribute: str
    complete: Callable[[Any], Any]
    non_null: bool
    listed: bool  # a list of leaves ([String!]!) or of objects
    item_non_null: bool


class PlainObject(NamedTuple):
    """An object-typed field read from an attribute, whose selection is planned apart."""

    attribute: str
    type: GraphQLObjectType
    non_null: bool
    listed: bool
    item_non_null: bool

    def reader(self, plan: Plan) -> Reader:
        def complete(value: Any) -> Any:
            completed = plain_values(plan, value)
            return Undefined if completed is None else completed

        return Reader(self.attribute, complete, self.non_null, self.listed, self.item_non_null)


# GraphQL type name -> field name -> how to read it
PlainLeaves = dict[str, dict[str, Reader]]
PlainObjects = dict[str, dict[str, PlainObject]]


class PlainFields(NamedTuple):
    leaves: PlainLeaves
    objects: PlainObjects


def _unwrapped(kind: GraphQLOutputType) -> tuple[GraphQLOutputType, bool, bool, bool]:
    """(named or inner type, non-null, listed, items non-null) for T, T!, [T], [T!]!..."""
    non_null = isinstance(kind, GraphQLNonNull)
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if not isinstance(inner, GraphQLList):
        return inner, non_null, False, False
    item = inner.of_type
    item_non_null = isinstance(item, GraphQLNonNull)
    item = item.of_type if isinstance(item, GraphQLNonNull) else item
    return item, non_null, True, item_non_null


def _completion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf type's output coercion; Undefined where the general path must answer."""
    coerce = _coercion(leaf)

    def complete(value: Any) -> Any:
        try:
            coerced = coerce(value)
        except Exception:
            return Undefined  # the general path reports it as a field error
        return Undefined if coerced is None else coerced

    return complete


def _coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    if not isinstance(leaf, GraphQLEnumType):
        return leaf.coerce_output_value
    # Strawberry's enum type finds a member's name by scanning its values; the answer for
    # each member of the Python enum is the same every time.
    wrapped = getattr(leaf, "wrapped_cls", None)
    if wrapped is None:
        return leaf.coerce_output_value
    fallback = leaf.coerce_output_value
    names: dict[Any, Any] = {}
    for member in wrapped:
        try:
            names[member] = fallback(member)
        except Exception:  # left to the type itself (and its error)
            continue

    def coerce(value: Any) -> Any:
        name = names.get(value) if isinstance(value, wrapped) else None
        return fallback(value) if name is None else name

    return coerce


def plain_fields(schema: Schema) -> PlainFields:
    """Fields without arguments, resolver or extensions that read one attribute."""
    leaves: PlainLeaves = {}
    objects: PlainObjects = {}
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            if field.args or not getattr(field.resolve, "_is_default", False):
                continue
            definition = schema.get_field_for_type(name, graphql_type.name)
            if (
                definition is None
                or not definition.is_basic_field
                or definition.default_resolver is not getattr
            ):
                continue
            inner, non_null, listed, item_non_null = _unwrapped(field.type)
            if is_leaf_type(inner):
                leaf = Reader(
                    definition.python_name, _completion(inner), non_null, listed, item_non_null
                )
                leaves.setdefault(graphql_type.name, {})[name] = leaf
            elif isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
                plain = PlainObject(definition.python_name, inner, non_null, listed, item_non_null)
                objects.setdefault(graphql_type.name, {})[name] = plain
    return PlainFields(leaves, objects)


def read_field(reader: Reader, source: Any) -> Any:
    """The completed value of a plain field of `source`, or Undefined (the general path)."""
    value = getattr(source, reader.attribute, Undefined)
    if value is None:
        return Undefined if reader.non_null else None
    if value is Undefined:
        return Undefined
    if not reader.listed:
        return reader.complete(value)
    if not isinstance(value, list | tuple):
        return Undefined
    items: list[Any] = []
    for item in value:
        if item is None:
            if reader.item_non_null:
                return Undefined
            items.append(None)
            continue
        completed = reader.complete(item)
        if completed is Undefined:
            return Undefined
        items.append(completed)
    return items


# A planned selection: (response name, how to read it) in the selection's order, where
# "how" is a Reader, or a type name for __typename; None: the field needs the general path.
Read = Reader | str | None
Plan = tuple[tuple[str, Read], ...]


def is_plain(plan: Plan) -> bool:
    return all(how is not None for _, how in plan)


def plain_values(plan: Plan, source: Any) -> dict[str, Any] | None:
    """The completed plain fields of `source` (all of them, for a plain plan), or None
    when one of them needs the general path."""
    result: dict[str, Any] = {}
    for name, how in plan:
        if how is None:
            continue
        value = how if isinstance(how, str) else read_field(how, source)
        if value is Undefined:
            return None
        result[name] = value
    return result


def in_order(plan: Plan, plain: Mapping[str, Any], general: Mapping[str, Any]) -> dict[str, Any]:
    """Both parts of a mixed object, in the selection's order (the response's)."""
    return {
        name: (plain if how is not None else general)[name]
        for name, how in plan
        if how is not None or name in general
    }
