"""Expected failures become payload error types; everything else stays an error."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from domain.errors import LoyaltyError
from schema.errors import Error, error_payload

T = TypeVar("T")


async def attempt(work: Awaitable[T]) -> T | Error:
    try:
        return await work
    except LoyaltyError as exc:
        return error_payload(exc)
