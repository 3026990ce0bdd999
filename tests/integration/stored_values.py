"""Hypothesis strategies for documents as the embedded store keeps them: scalars nested in
lists and small dicts, and the instant times are measured from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
# Sub-millisecond, so that every store's cut to the millisecond is exercised.
instants = st.integers(0, 3).map(lambda n: T0 + timedelta(seconds=n, microseconds=1500))


def nested(scalars: st.SearchStrategy[Any], leaves: int) -> st.SearchStrategy[Any]:
    """`scalars`, and lists and dicts (keys a, b, n) of them, up to `leaves` in all."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(["a", "b", "n"]), inner, max_size=3),
        ),
        max_leaves=leaves,
    )
