"""Expected failures as schema types (clients switch on __typename), and top-level errors
for authentication and permission (`extensions.code`)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from domain import errors as domain
from domain.errors import ErrorCode
from schema import enums  # noqa: F401  (registers the enums)


@strawberry.interface(description="An expected failure; `code` is stable, `message` is for people.")
class Error:
    code: ErrorCode
    message: str


@strawberry.type
class MemberNotFound(Error):
    pass


@strawberry.type
class InsufficientPoints(Error):
    needed: int
    balance: int


@strawberry.type
class RewardNotFound(Error):
    pass


@strawberry.type
class RewardUnavailable(Error):
    pass


@strawberry.type
class RewardNotActive(Error):
    pass


@strawberry.type
class IdempotencyKeyReused(Error):
    pass


@strawberry.type
class IdentifierTaken(Error):
    pass


@strawberry.type
class OrderNotFound(Error):
    pass


@strawberry.type
class OrderAlreadyRecorded(Error):
    pass


@strawberry.type
class ReturnExceedsPurchase(Error):
    pass


@strawberry.type
class UnsupportedCurrency(Error):
    pass


@strawberry.type
class InvalidInput(Error):
    field: str


@strawberry.type(description="Too many simultaneous changes to one member; retry, same key.")
class MemberBusy(Error):
    pass


@strawberry.type
class MessageNotFound(Error):
    pass


@strawberry.type(description="The message never went out (suppressed, failed or pending).")
class MessageNotSent(Error):
    pass


_SIMPLE: dict[type[domain.LoyaltyError], type[Error]] = {
    domain.MemberNotFound: MemberNotFound,
    domain.RewardNotFound: RewardNotFound,
    domain.RewardUnavailable: RewardUnavailable,
    domain.RewardNotActive: RewardNotActive,
    domain.IdempotencyKeyReused: IdempotencyKeyReused,
    domain.IdentifierTaken: IdentifierTaken,
    domain.OrderNotFound: OrderNotFound,
    domain.OrderAlreadyRecorded: OrderAlreadyRecorded,
    domain.ReturnExceedsPurchase: ReturnExceedsPurchase,
    domain.UnsupportedCurrency: UnsupportedCurrency,
    domain.MemberBusy: MemberBusy,
    domain.MessageNotFound: MessageNotFound,
    domain.MessageNotSent: MessageNotSent,
}


def error_payload(exc: domain.LoyaltyError) -> Error:
    if isinstance(exc, domain.InsufficientPoints):
        return InsufficientPoints(
            code=exc.code, message=exc.message, needed=exc.needed, balance=exc.balance
        )
    if isinstance(exc, domain.InvalidInput):
        return InvalidInput(code=exc.code, message=exc.message, field=exc.field)
    return _SIMPLE[type(exc)](code=exc.code, message=exc.message)


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
