"""The database's availability as the schema sees it: a port, whose adapter
(`storage.availability.Outage`) app/ wires in, so that nothing here knows the driver.

Which failures mean "no database answered" (answered as SERVICE_UNAVAILABLE, never masked
as an unexpected error), where they are reported, and whether an outage is on: while it
is, every operation is refused at once rather than left waiting for the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from strawberry.extensions import SchemaExtension

from schema.errors import ServiceUnavailable


class DatabaseState(Protocol):
    @property
    def ongoing(self) -> bool:
        """An outage is on: calls would only wait to fail."""
        ...

    def is_unavailable(self, error: BaseException) -> bool: ...

    def report(self, error: BaseException) -> None:
        """A call failed with `error` (an outage may begin)."""
        ...


class AlwaysAvailable:
    """No database to lose (the SDL export, a schema built without one)."""

    ongoing = False

    def is_unavailable(self, error: BaseException) -> bool:
        return False

    def report(self, error: BaseException) -> None:
        pass


class RefusedDuringOutage(SchemaExtension):
    def __init__(self, database: DatabaseState) -> None:
        self._database = database

    def on_execute(self) -> Iterator[None]:
        if self._database.ongoing:
            raise ServiceUnavailable()
        yield
