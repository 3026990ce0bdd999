"""The checked-in SDL is the contract partners code against: it must match the code."""

from __future__ import annotations

from app.execution.assembly import POSSIBLE_TYPES_PATH, SDL_PATH, possible_types, sdl


def test_checked_in_schema_matches_the_code() -> None:
    assert SDL_PATH.read_text() == sdl(), "schema drifted: run `make sdl` and review the diff"


def test_checked_in_possible_types_match_the_code() -> None:
    """Apollo Client's cache needs them to read `... on Error` (see the README)."""
    found = possible_types()
    assert POSSIBLE_TYPES_PATH.read_text() == found, "run `make sdl` and review the diff"
    assert '"InvalidInput"' in found and '"Error"' in found
