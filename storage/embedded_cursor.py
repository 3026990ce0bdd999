"""The embedded store's cursor: mongomock-motor's, except that a sorted, limited find an
index's order serves (`storage.embedded_order`) is answered by walking that order to the
end of the page, not by copying and sorting every document the filter matches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mongomock import helpers

from storage.embedded_index import EqualityIndex

Doc = dict[str, Any]


class EmbeddedCursor:
    """A mongomock-motor cursor (its other methods pass through)."""

    def __init__(self, cursor: Any, index: EqualityIndex) -> None:
        self._cursor = cursor
        self._index = index
        self._served: Iterator[Doc] | None = None  # the page walked, once iteration began
        self._walked = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def sort(self, *args: Any, **kwargs: Any) -> EmbeddedCursor:
        self._cursor.sort(*args, **kwargs)
        return self

    def limit(self, count: int) -> EmbeddedCursor:
        self._cursor.limit(count)
        return self

    def skip(self, count: int) -> EmbeddedCursor:
        self._cursor.skip(count)
        return self

    async def to_list(self, length: int | None = None) -> list[Doc]:
        page = self._page()
        if page is None:
            return list(await self._cursor.to_list(length))
        return page[:length] if length else page

    def __aiter__(self) -> EmbeddedCursor:
        return self

    async def __anext__(self) -> Doc:
        if not self._walked:
            self._walked = True
            page = self._page()
            self._served = None if page is None else iter(page)
        if self._served is None:
            return await self._cursor.next()  # type: ignore[no-any-return]
        try:
            return next(self._served)
        except StopIteration:
            raise StopAsyncIteration from None

    def _page(self) -> list[Doc] | None:
        """The page along an index's order, copied as mongomock copies what it answers;
        None: mongomock answers this find itself."""
        found = self._cursor._AsyncCursor__cursor  # the mongomock cursor: its find as built
        if not found._sort or not found._limit or found._limit < 0:
            return None  # unsorted or unlimited: nothing to stop early for
        sort = [(field, direction) for field, direction in found._sort]
        docs = self._index.first_in_order(found._spec, sort, found._skip + found._limit)
        if docs is None:
            return None
        collection = found.collection
        copies = [collection._copy_only_fields(d, found._projection, dict) for d in docs]
        if collection.codec_options.tz_aware:
            aware = helpers.make_datetime_timezone_aware_in_document  # as mongomock answers
            copies = [aware(c) for c in copies]  # type: ignore[no-untyped-call]
        return copies[found._skip :]
