"""The example operations in clients/examples/ (quoted in the README) stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from app.execution.assembly import build_schema

EXAMPLES = sorted((Path(__file__).parents[2] / "clients" / "examples").glob("*.graphql"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_operations_validate_against_the_schema(example: Path) -> None:
    schema = build_schema()._schema

    errors = validate(schema, parse(example.read_text()))

    assert errors == []


def test_every_surface_has_examples() -> None:
    assert {p.stem for p in EXAMPLES} >= {"app", "pos", "callcenter", "admin"}
