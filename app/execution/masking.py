"""What a client sees of a failure: its own mistakes and expected refusals as they are, an
unreachable database as SERVICE_UNAVAILABLE, anything else as "Unexpected error."."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from app.execution.outage import DatabaseState
from schema.errors import ServiceUnavailable

SHOWN_CODES = frozenset(
    {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "SLOW_CONSUMER", "SERVICE_UNAVAILABLE"}
    | {"FIELD_NOT_ALLOWED"}  # beyond a partner's field policy (schema.partners)
)


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected failures (they are logged); keep what the client must act on."""
    if error.original_error is None or error.path is None:
        # Syntax, validation and variable errors describe the client's own request.
        return False
    code = (error.extensions or {}).get("code")
    return code not in SHOWN_CODES


def unavailable_cause(error: GraphQLError, database: DatabaseState) -> bool:
    return error.original_error is not None and database.is_unavailable(error.original_error)


class MaskedErrors(MaskErrors):
    """What the client sees of a failure: an unreachable database as SERVICE_UNAVAILABLE
    (from any field, mutation or subscription, before or during its stream), anything
    else unexpected as "Unexpected error."."""

    def __init__(self, database: DatabaseState) -> None:
        self._database = database
        super().__init__(should_mask_error=self._replaced)

    def _replaced(self, error: GraphQLError) -> bool:
        return unavailable_cause(error, self._database) or should_mask(error)

    def _process_result(self, result: object) -> None:
        # As Strawberry's, without its isinstance check against a runtime protocol (about
        # 10 µs a request on Python 3.11): any result with errors has them masked.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if unavailable_cause(error, self._database):
            return ServiceUnavailable(error)
        return super().anonymise_error(error)
