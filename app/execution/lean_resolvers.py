"""Resolvers called without Strawberry's per-call wrapping, where that wrapping does nothing.

For every field with a resolver Strawberry installs a wrapper that, on each call, builds
the `Info`, converts the arguments into input objects by walking their types anew
(`MemberRefInput` for `member(ref:)`: about 30 µs a call, resolving each field's type and
name every time), chains the field's extensions and awaits the result in one more
coroutine. For a field with no extensions, no exception handlers and arguments of plain
types (scalars, enums, input objects of those), this does the same with each argument's
conversion worked out once: new input objects on every call, as before, from the same
values; lists of those item by item (a purchase's twenty lines were otherwise converted
by walking their types twenty times). Anything else (`Maybe`, a lazy or custom-built input
type, a global id, a field extension such as a permission) keeps Strawberry's wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING
from functools import partial, reduce
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry import Schema
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def converter(schema: Schema, kind: StrawberryType | type | Any) -> Convert | None:
    """How Strawberry's `convert_argument` converts a value of `kind`, worked out once; None
    where it does something this does not repeat."""
    registry = schema.schema_converter.scalar_registry
    if isinstance(kind, StrawberryOptional):
        if type(kind) is not StrawberryOptional:  # Maybe: Some(...) wrapping
            return None
        return converter(schema, kind.of_type)
    if isinstance(kind, StrawberryList):
        each = converter(schema, kind.of_type)
        if each is None:
            return None
        item: Convert = each
        # A new list each time, as Strawberry makes: graphql-core gives the same default
        # list to every request that omits the value, so a change to it would leak.
        return list if item is _same else lambda items: [item(one) for one in items]
    if isinstance(kind, LazyType) or kind is GlobalID:
        return None
    if is_scalar(kind, registry) or isinstance(kind, StrawberryEnumDefinition):
        return _same
    if has_enum_definition(kind):
        return _same  # graphql-core already gave the enum member
    if not has_object_definition(kind):
        return None
    definition = kind.__strawberry_definition__
    if definition.from_input is not None or not definition.is_input:
        return None
    defaults = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    fields: list[tuple[str, str, Convert]] = []
    for field in definition.fields:
        inner = converter(schema, field.resolve_type(type_definition=definition))
        if inner is None:
            return None
        fields.append((schema.config.name_converter.from_field(field), field.python_name, inner))
    build: Any = kind

    def convert(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        values = dict(defaults)
        for graphql_name, python_name, inner in fields:
            if graphql_name in value:
                item = value[graphql_name]
                values[python_name] = item if item is None or item is UNSET else inner(item)
        return build(**values)

    return convert


def lean_resolver(schema: Schema, field: StrawberryField) -> Callable[..., Any] | None:
    """Strawberry's resolver for `field` without its wrapping, or None where it matters.

    A field extension whose class says `runs_lean = True` (it reads the converted arguments
    and awaits the next resolver, as `resolvers.boundary.MutationBoundary` does) is chained
    as Strawberry chains it, on an async field; any other extension keeps Strawberry's."""
    resolver = field.base_resolver
    chain = field.extensions
    if (
        resolver is None
        or (chain and not (field.is_async and all(getattr(e, "runs_lean", False) for e in chain)))
        or schema.schema_converter._get_field_exception_handlers(field)
    ):
        return None
    arguments: list[tuple[str, str, Convert]] = []
    for argument in field.arguments:
        convert = converter(schema, argument.type)
        if convert is None or argument.python_name is None:
            return None
        name = schema.config.name_converter.from_argument(argument)
        arguments.append((name, argument.python_name, convert))
    pass_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    info_class = schema.config.info_class
    call = resolver.__call__

    def run(source: Any, info: Any, **kwargs: Any) -> Any:
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info
        # An async resolver's coroutine is awaited by graphql-core itself (or by the chain).
        return call(source, **kwargs) if pass_self else call(**kwargs)

    # The extensions' resolve_async, the first one outermost (as Strawberry's `reduce`).
    chained: Callable[..., Any] = reduce(
        lambda inner, e: partial(e.resolve_async, inner), chain, run
    )

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
        kwargs: dict[str, Any] = {}
        for name, python_name, convert in arguments:
            if name in given:
                value = given[name]
                kwargs[python_name] = value if value is None or value is UNSET else convert(value)
        if not chain and info_name is None:
            return run(source, None, **kwargs)
        return chained(source, info_class(_raw_info=info, _field=field), **kwargs)

    resolve._is_default = False  # type: ignore[attr-defined]  # not a plain field
    return resolve


class LeanResolvers:
    """The fields whose wrappers were replaced, with Strawberry's kept: `use(False)` puts
    them back (the tests compare both)."""

    def __init__(self, swaps: list[tuple[GraphQLField, Callable[..., Any], Callable[..., Any]]]):
        self._swaps = swaps

    def __len__(self) -> int:
        return len(self._swaps)

    def use(self, lean: bool) -> None:
        for graphql_field, strawberrys, ours in self._swaps:
            graphql_field.resolve = ours if lean else strawberrys


def install_lean_resolvers(schema: Schema) -> LeanResolvers:
    """Replace the wrappers of the fields of query, mutation and object types that qualify;
    the subscription root (async generators) keeps Strawberry's."""
    graphql_schema = schema._schema
    roots = {graphql_schema.subscription_type}
    swaps: list[tuple[GraphQLField, Callable[..., Any], Callable[..., Any]]] = []
    for graphql_type in graphql_schema.type_map.values():
        if (
            not isinstance(graphql_type, GraphQLObjectType)
            or graphql_type in roots
            or graphql_type.name.startswith("__")
        ):
            continue
        for name, graphql_field in graphql_type.fields.items():
            strawberrys = graphql_field.resolve
            if strawberrys is None or getattr(strawberrys, "_is_default", True):
                continue
            field = schema.get_field_for_type(name, graphql_type.name)
            lean = None if field is None else lean_resolver(schema, field)
            if lean is not None:
                swaps.append((graphql_field, strawberrys, lean))
    resolvers = LeanResolvers(swaps)
    resolvers.use(True)
    return resolvers
