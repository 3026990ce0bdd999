"""GraphQL types made from the domain's view dataclasses: each shape is declared once.

The domain computes the member view (`domain.view`, `domain.countdowns`) and every surface
shows it. The schema's `TierProgress` and `Countdown` are made here from those dataclasses,
field for field, so a field added to the view appears in the contract, and the resolvers
hand the domain objects over as they are (their attributes are the fields) instead of
copying them into look-alike classes.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin, get_type_hints

import strawberry


def view_type(
    source: type,
    *,
    descriptions: Mapping[str, str] | None = None,
    known: Mapping[type, type] | None = None,
) -> Any:
    """A strawberry type named and shaped like the dataclass `source`; fields whose type is
    a key of `known` take the GraphQL type it maps to (a domain Tier is the schema's Tier)."""
    hints = get_type_hints(source)
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
    for field in dataclasses.fields(source):
        namespace["__annotations__"][field.name] = _graphql(hints[field.name], known or {})
        if descriptions and field.name in descriptions:
            namespace[field.name] = strawberry.field(description=descriptions[field.name])
    return strawberry.type(type(source.__name__, (), namespace))


def _graphql(annotation: Any, known: Mapping[type, type]) -> Any:
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is tuple:  # tuple[X, ...] in the domain, a list in the contract
        return list[_graphql(arguments[0], known)]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        return Union[tuple(_graphql(a, known) for a in arguments)]  # noqa: UP007
    return known.get(annotation, annotation)
