"""The demo program with its hold (`pending_days`) set otherwise, for the tests.

The demo holds a purchase's points for 14 days, as `make run` shows. Most tests check
earning, spending, returns and messages with points spendable at once, so the suite's
default program is the demo with `pending_days = 0` (`NO_HOLD`): `tests.conftest.running_app`
and `tests.e2e.served.tessera_serve` run it unless told otherwise. The tests of the hold, and
the README's examples, run the demo's own 14 days."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from app.settings import DEMO_PROGRAM


def demo_with_hold(directory: Path, pending_days: int) -> Path:
    """The demo program with `pending_days` set (whatever the demo file says)."""
    lines = [
        line
        for line in DEMO_PROGRAM.read_text().splitlines()
        if not line.startswith("pending_days")
    ]
    at = lines.index("[program]") + 1
    lines.insert(at, f"pending_days = {pending_days}")
    path = directory / f"held-{pending_days}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _no_hold() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="tessera-programs-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return demo_with_hold(folder, 0)


NO_HOLD = _no_hold()
