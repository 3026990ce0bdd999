"""Expected failures as schema types (clients switch on __typename), and top-level errors
for authentication and permission (`extensions.code`)."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Union, get_type_hints

import strawberry
from graphql import GraphQLError

from domain import errors as domain
from domain.errors import ErrorCode
from schema import enums  # noqa: F401  (registers the enums)


@strawberry.interface(description="An expected failure; `code` is stable, `message` is for people.")
class Error:
    code: ErrorCode
    message: str


def _extra_fields(failure: type[domain.LoyaltyError]) -> dict[str, Any]:
    """The fields a failure carries besides `code` and `message`: what its class annotates."""
    hints = get_type_hints(failure)
    fields: dict[str, Any] = {}
    for klass in reversed(failure.__mro__):
        if issubclass(klass, domain.LoyaltyError) and klass is not domain.LoyaltyError:
            for name in vars(klass).get("__annotations__", {}):
                if name != "code":
                    fields[name] = hints[name]
    return fields


_MADE: dict[type[domain.LoyaltyError], type[Error]] = {}


def error_type(failure: type[domain.LoyaltyError]) -> type[Error]:
    """The schema's type for a domain failure, made from its one declaration (once: a
    schema may hold each type name once)."""
    made = _MADE.get(failure)
    if made is None:
        namespace = {"__annotations__": _extra_fields(failure), "__module__": __name__}
        description = inspect.getdoc(failure) if failure.__doc__ else None
        made = strawberry.type(type(failure.__name__, (Error,), namespace), description=description)
        _MADE[failure] = made
    return made


def error_payload(exc: domain.LoyaltyError) -> Error:
    extra = {name: getattr(exc, name) for name in _extra_fields(type(exc))}
    payload: Error = error_type(type(exc))(code=exc.code, message=exc.message, **extra)
    return payload


def payload(name: str, success: type, *failures: type[domain.LoyaltyError]) -> object:
    """A mutation's payload union: its success type and its expected failures' types."""
    members = (success, *(error_type(f) for f in failures))
    return Annotated[Union[members], strawberry.union(name)]  # noqa: UP007 (built at runtime)


class Unauthenticated(GraphQLError):
    def __init__(self, message: str = "a bearer token is required") -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class Forbidden(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class Dropped(GraphQLError):
    """A subscription that fell behind; the client resubscribes and starts from a snapshot."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "SLOW_CONSUMER"})


class BadRequest(GraphQLError):
    """Input that cannot be a valid request at all (e.g. a ref on a query field)."""

    def __init__(self, message: str, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT", **(extensions or {})})


class ServiceUnavailable(GraphQLError):
    """The database could not be reached. Nothing was changed, or the change was committed
    and a retry with the same idempotency key replays it; either way, retrying is safe."""

    MESSAGE = "the database is unavailable; retry"

    def __init__(self, error: GraphQLError | None = None) -> None:
        super().__init__(
            self.MESSAGE,
            nodes=error.nodes if error else None,
            source=error.source if error else None,
            positions=error.positions if error else None,
            path=error.path if error else None,
            extensions={"code": "SERVICE_UNAVAILABLE"},
        )
