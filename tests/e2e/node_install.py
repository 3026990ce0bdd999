"""One `npm ci` at a time in clients/examples/node: the suite's two pytest workers both run
the Node examples (the README's blocks install them with `npm ci`, the client tests when the
lockfile moved), and two installs at once break each other's node_modules (ENOTEMPTY)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

LOCK = Path(tempfile.gettempdir()) / "tessera-node-examples-install.lock"
NODE_EXAMPLE = Path(__file__).parents[2] / "clients" / "examples" / "node"


@contextlib.asynccontextmanager
async def node_install_lock() -> AsyncIterator[None]:
    """Held across processes (an advisory lock on a file), released however the body ends."""
    with LOCK.open("a") as held:
        await asyncio.to_thread(fcntl.flock, held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def node_modules_match_the_lockfile() -> bool:
    # npm records what it installed in node_modules/.package-lock.json.
    installed = NODE_EXAMPLE / "node_modules" / ".package-lock.json"
    if not installed.exists():
        return False
    wanted = json.loads((NODE_EXAMPLE / "package-lock.json").read_text())["packages"]
    present = json.loads(installed.read_text())["packages"]
    return all(
        present.get(path, {}).get("version") == entry.get("version")
        for path, entry in wanted.items()
        if path  # "" is the example itself
    )
