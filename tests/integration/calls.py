"""Counting what the embedded store does on its way to an answer: the copies mongomock makes
out of its store, the documents a narrowed lookup tests against a filter."""

from __future__ import annotations

from typing import Any

import pytest


class Calls:
    def __init__(self) -> None:
        self.count = 0


def counted(owner: Any, name: str, monkeypatch: pytest.MonkeyPatch | None = None) -> Calls:
    """Count the calls of `owner.name` from now on (restored by `monkeypatch`, if given)."""
    calls, real = Calls(), getattr(owner, name)

    def counting(*args: Any) -> Any:
        calls.count += 1
        return real(*args)

    if monkeypatch is None:
        setattr(owner, name, counting)
    else:
        monkeypatch.setattr(owner, name, counting)
    return calls
