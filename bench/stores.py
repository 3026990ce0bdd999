"""The stores a benchmark runs on: the embedded default (mongomock, in the server's process)
and FerretDB (MongoDB's wire protocol on SQLite, a process of its own).

FerretDB is the test suite's (`tests/ferretdb.py`): built once per user by `make ferretdb`,
started on free loopback ports with telemetry off, its files in a temporary directory, with
SQLite's synchronous off (throwaway data: no fsync at each commit). One starter serves both.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ferretdb import FerretDB

EMBEDDED = "embedded"
FERRETDB = "ferretdb"
NAMES = (EMBEDDED, FERRETDB)
LABELS = {EMBEDDED: "embedded (mongomock)", FERRETDB: "FerretDB (SQLite)"}


@dataclass(frozen=True)
class Store:
    """Where a benchmark's Tessera keeps its data; `url` None is the embedded mongomock."""

    name: str
    url: str | None = None

    @property
    def label(self) -> str:
        return LABELS[self.name]

    def database(self, tag: str) -> str:
        """A database of its own for each phase: each starts empty, as a mongomock does."""
        return "bench_" + "".join(c if c.isalnum() else "_" for c in tag)

    def settings(self, tag: str) -> dict[str, Any]:
        """`Settings` keywords for this store."""
        return {"mongodb_url": self.url, "mongodb_database": self.database(tag)}

    def environment(self, tag: str) -> dict[str, str]:
        """The process environment for a `tessera` (or bench) process on this store: this
        one's TESSERA_* variables removed (none may leak into a measurement), the store's set."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        if self.url:
            env["TESSERA_MONGODB_URL"] = self.url
            env["TESSERA_MONGODB_DATABASE"] = self.database(tag)
        return env


IN_PROCESS = Store(EMBEDDED)


@contextlib.contextmanager
def ferretdb() -> Iterator[FerretDB]:
    """A throwaway FerretDB, started; stopped and its files removed on leaving."""
    with tempfile.TemporaryDirectory(prefix="tessera-bench-ferretdb-") as folder:
        server = FerretDB(Path(folder))
        try:
            server.start()
        except pytest.fail.Exception as failed:  # the tests' starter reports through pytest
            raise SystemExit(str(failed)) from None
        try:
            yield server
        finally:
            server.stop()


def stores(names: Sequence[str]) -> Iterator[Store]:
    """Each store in turn, FerretDB running only during its own turn."""
    for name in names:
        if name == FERRETDB:
            with ferretdb() as server:
                yield Store(name, server.url)
        else:
            yield Store(name)
