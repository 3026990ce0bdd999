"""The server under test: the product app plus the bare endpoints, on a real uvicorn.

Run as `python -m bench.server PORT` by `bench.graphql_overhead`, in its own process so
that the load generator never shares the server's event loop; its store is the one the
environment names (TESSERA_MONGODB_URL, as `bench.stores` sets it; unset: mongomock).
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI

from app.factory import create_app
from app.settings import Settings
from bench.bare import mount_bare

HOST = "127.0.0.1"
# uvicorn as both benchmark servers run it (this one and `bench.ceiling`): uvloop and
# httptools named, not left to "auto", so that a missing one fails instead of hiding.
SERVED: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "log_level": "warning",
    "access_log": False,
}
# A benchmark drives one token far past a client's fair share: the rate-limit middleware
# still runs on every request (its cost is measured), but never refuses one.
UNTHROTTLED: dict[str, int] = {
    "rate_limit_requests_per_second": 1_000_000,
    "rate_limit_burst": 1_000_000,
}


def bench_app() -> FastAPI:
    """The default app (demo on) with the bare endpoints added, on the store TESSERA_*
    names (the embedded mongomock unless TESSERA_MONGODB_URL is set)."""
    app = create_app(Settings(**UNTHROTTLED))  # type: ignore[arg-type]
    mount_bare(app)
    return app


def main(argv: list[str]) -> int:
    port = int(argv[1])
    uvicorn.run(bench_app(), host=HOST, port=port, **SERVED)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
