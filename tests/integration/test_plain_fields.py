"""The executor's plain-field reads answer exactly as graphql-core does, unusual values
included: the same schema and query run through Tessera's executor (with its prepared
documents) and through Strawberry's own give the same data, the same errors and the same
key order, on the first request and on the cached ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import MaxAliasesLimiter

from app.execution.executor import executor_for
from app.execution.prepared_documents import PreparedDocuments, PreparedOperation


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    count: int
    colour: Colour
    tags: list[str]
    maybe: str | None


@strawberry.type
class Holder:
    id: strawberry.ID
    leaf: Leaf
    leaves: list[Leaf]
    optional_leaf: Leaf | None

    @strawberry.field
    async def later(self) -> int:
        return len(self.leaves)


@dataclass
class Data:
    holders: list[Any]


DATA = Data([])


@strawberry.type
class Query:
    @strawberry.field
    def holders(self) -> list[Holder]:
        return DATA.holders


QUERY = """{ holders { __typename later id leaf { name count colour tags maybe }
  leaves { name colour tags } optionalLeaf { __typename name maybe } } }"""


def tessera_schema() -> strawberry.Schema:
    rules = MaxAliasesLimiter(max_alias_count=30).validation_rules
    documents = PreparedDocuments(16, 2000, rules)
    schema = strawberry.Schema(query=Query, extensions=[lambda: PreparedOperation(documents)])
    schema.execution_context_class = executor_for(schema, documents)
    return schema


def leaf(**changes: Any) -> Leaf:
    values: dict[str, Any] = {
        "name": "a",
        "count": 1,
        "colour": Colour.BLUE,
        "tags": ["x", "y"],
        "maybe": None,
    }
    return Leaf(**{**values, **changes})


def holder(**changes: Any) -> Holder:
    values: dict[str, Any] = {
        "id": strawberry.ID("h1"),
        "leaf": leaf(),
        "leaves": [leaf(), leaf(name="b", colour=Colour.RED)],
        "optional_leaf": None,
    }
    return Holder(**{**values, **changes})


CASES = {
    "all plain": [holder(), holder(optional_leaf=leaf(maybe="m"))],
    "null in a non-null leaf": [holder(leaf=leaf(name=None))],
    "a value its type cannot coerce": [holder(leaf=leaf(count="many"))],
    "an enum value that is not the enum's": [holder(leaf=leaf(colour="purple"))],
    "a null item in a list of non-null leaves": [holder(leaves=[leaf(tags=["x", None])])],
    "a list that is not a list": [holder(leaf=leaf(tags=7))],
    "null in a non-null object": [holder(leaf=None)],
    "a null item in a list of objects": [holder(leaves=[leaf(), None])],
    "an object without the attribute": [holder(leaf=object())],
    "one bad holder among good ones": [holder(), holder(leaf=leaf(count=2**40)), holder()],
}


@pytest.mark.parametrize("holders", CASES.values(), ids=CASES.keys())
async def test_tessera_answers_as_graphql_core_does(holders: list[Any]) -> None:
    DATA.holders = holders
    reference = strawberry.Schema(query=Query)
    ours = tessera_schema()

    expected = await reference.execute(QUERY)
    answers = [await ours.execute(QUERY) for _ in range(3)]  # parsed, then cached

    for answer in answers:
        assert json.dumps(answer.data) == json.dumps(expected.data)  # key order too
        assert [e.formatted for e in answer.errors or []] == [
            e.formatted for e in expected.errors or []
        ]
