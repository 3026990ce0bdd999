"""The edge every mutation passes: its input's text checked, its expected failures typed.

Each string of the input (nested refs and identifiers included) must be text a store can
hold before a resolver sees it, so a lone surrogate or a control character is refused as
INVALID_INPUT naming the field, with nothing read or written. A domain error raised while
the resolver builds its command (an amount that is not one, say) becomes the payload's
error type, as one raised by the handler does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
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


def strings_of(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every string inside a resolver's arguments."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_of(item, path)
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from strings_of(item, _join(path, to_camel_case(name)))
    elif has_object_definition(value):
        for field in type(value).__strawberry_definition__.fields:  # type: ignore[attr-defined]
            name = field.graphql_name or to_camel_case(field.python_name)
            yield from strings_of(getattr(value, field.python_name), _join(path, name))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and path != "input" else name


def check_strings(arguments: dict[str, Any]) -> None:
    for path, text in strings_of(arguments):
        if len(text) > MAX_INPUT_TEXT:
            raise InvalidInput(path, f"at most {MAX_INPUT_TEXT} characters")
        problem = text_problem(text)
        if problem is not None:
            raise InvalidInput(path, problem)


class MutationBoundary(FieldExtension):
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
