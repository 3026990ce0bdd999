"""Assembling the schema: roots, limits that keep any query cheap, and error masking."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from resolvers.mutations import Mutation
from resolvers.queries import Query

SDL_PATH = Path(__file__).with_name("schema.graphql")
SHOWN_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT"})
CACHE_SIZE = 256  # distinct query texts kept parsed and validated


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected failures (they are logged); keep what the client must act on."""
    if error.original_error is None or error.path is None:
        # Syntax, validation and variable errors describe the client's own request.
        return False
    code = (error.extensions or {}).get("code")
    return code not in SHOWN_CODES


class TesseraSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected refusals are answers, not incidents: log only what would be masked.
        unexpected = [e for e in errors if should_mask(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(max_depth: int = 12) -> strawberry.Schema:
    return TesseraSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=2000),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            lambda: MaskErrors(should_mask_error=should_mask),
        ],
    )


def sdl() -> str:
    return build_schema().as_str() + "\n"
