"""The checked-in SDL is the contract partners code against: it must match the code."""

from __future__ import annotations

from app.execution.assembly import SDL_PATH, sdl


def test_checked_in_schema_matches_the_code() -> None:
    assert SDL_PATH.read_text() == sdl(), "schema drifted: run `make sdl` and review the diff"
