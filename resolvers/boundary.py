"""The edge every mutation passes: its input's text checked, its expected failures typed.

Each string of the input (nested refs and identifiers included) must be text a store can
hold before a resolver sees it, so a lone surrogate or a control character is refused as
INVALID_INPUT naming the field, with nothing read or written. A domain error raised while
the resolver builds its command (an amount that is not one, say) becomes the payload's
error type, as one raised by the handler does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.types.base import has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from domain.errors import InvalidInput, LoyaltyError
from domain.validation import text_problem
from schema.errors import error_payload

T = TypeVar("T")

# No string in any input is longer: the domain's own limits per field are tighter.
MAX_INPUT_TEXT = 1000


# Where a string sits in the arguments: the field names from the top, joined only when one
# is refused (a cart's hundred strings pass, and building each one's path cost more).
Where = tuple["Where", str] | None


def problem_in(value: object, where: Where = None) -> tuple[Where, str] | None:
    """The first string inside a resolver's arguments that cannot be stored, and why."""
    if isinstance(value, str):
        if len(value) > MAX_INPUT_TEXT:
            return where, f"at most {MAX_INPUT_TEXT} characters"
        problem = text_problem(value)
        return None if problem is None else (where, problem)
    found = None
    if isinstance(value, list | tuple):
        for item in value:
            if found := problem_in(item, where):
                return found
    elif isinstance(value, dict):
        for name, item in value.items():
            if found := problem_in(item, (where, to_camel_case(name))):
                return found
    elif value is not None and not isinstance(value, int | float | Enum):
        for python_name, name in _input_fields(type(value)):
            if found := problem_in(getattr(value, python_name), (where, name)):
                return found
    return found


def path_of(where: Where) -> str:
    names: list[str] = []
    while where is not None:
        where, name = where
        names.append(name)
    names.reverse()
    return ".".join(names[1:] if names[:1] == ["input"] and len(names) > 1 else names)


# (Python name, GraphQL name) of each input type's fields, by type (none for other types).
_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}


def _input_fields(kind: type) -> tuple[tuple[str, str], ...]:
    """Worked out once per type: for each of a cart's twenty lines, it cost more than the
    check itself."""
    found = _FIELDS.get(kind)
    if found is None:
        fields = kind.__strawberry_definition__.fields if has_object_definition(kind) else ()  # type: ignore[attr-defined]
        found = _FIELDS[kind] = tuple(
            (f.python_name, f.graphql_name or to_camel_case(f.python_name)) for f in fields
        )
    return found


def check_strings(arguments: dict[str, Any]) -> None:
    found = problem_in(arguments)
    if found is not None:
        where, problem = found
        raise InvalidInput(path_of(where), problem)


class MutationBoundary(FieldExtension):
    # It only reads the converted arguments and awaits the resolver: the lean path may chain
    # it itself (`app.execution.lean_resolvers`) instead of Strawberry's per-call wrapper.
    runs_lean = True

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Any,
        **kwargs: Any,
    ) -> Any:
        try:
            check_strings(kwargs)
            return await next_(source, info, **kwargs)
        except LoyaltyError as exc:
            codes = getattr(info.context, "error_codes", None)
            if codes is not None:  # the access log's outcome
                codes.append(exc.code.value)
            return error_payload(exc)


def at_the_boundary(field: T) -> T:
    """`field` (a `strawberry.mutation`, which mypy's plugin types as its result) behind the
    boundary."""
    assert isinstance(field, StrawberryField)
    field.extensions.append(MutationBoundary())
    return field
