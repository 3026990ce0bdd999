"""The collection calls storage/ makes, as a Protocol: what motor, mongomock-motor and the
wrappers in front of them (the embedded store's BSON check, FerretDB's write locks) must all
answer. Results are pymongo's (`UpdateResult` and friends), read for their counts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

Doc = dict[str, Any]
Filter = dict[str, Any]
SortSpec = str | Sequence[tuple[str, int]]


class Cursor(Protocol):
    def sort(self, key_or_list: SortSpec, direction: int | None = ...) -> Cursor: ...

    def limit(self, limit: int) -> Cursor: ...

    async def to_list(self, length: int | None) -> list[Doc]: ...

    def __aiter__(self) -> AsyncIterator[Doc]: ...


class Collection(Protocol):
    def find(self, filter: Filter | None = ..., *args: Any, **kwargs: Any) -> Cursor: ...

    async def find_one(
        self, filter: Filter | None = ..., *args: Any, **kwargs: Any
    ) -> Doc | None: ...

    async def insert_one(self, document: Doc, **kwargs: Any) -> Any: ...

    async def insert_many(self, documents: list[Doc], **kwargs: Any) -> Any: ...

    async def update_one(self, filter: Filter, update: Doc, **kwargs: Any) -> Any: ...

    async def update_many(self, filter: Filter, update: Doc, **kwargs: Any) -> Any: ...

    async def replace_one(self, filter: Filter, replacement: Doc, **kwargs: Any) -> Any: ...

    async def delete_one(self, filter: Filter, **kwargs: Any) -> Any: ...

    async def create_index(self, keys: Any, **kwargs: Any) -> str: ...
