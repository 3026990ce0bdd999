"""What one member version changes in the program's counters, without I/O: flows from its
entries, gauges as the difference of the member's share before and after."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.events import Change, commit_of
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import Member, OrderRecord
from domain.merging import freeze
from domain.program_stats import share_of, stats_delta
from tests.unit.support import Ids, enrolled

NOW = datetime(2026, 2, 2, 10, tzinfo=UTC)


def a_member() -> Member:
    return enrolled(Ids())


def batch(points: int, expires: datetime) -> PointBatch:
    return PointBatch(f"bat-{expires:%Y%m%d}", points, NOW, expires)


def test_a_new_member_counts_once_with_its_tier() -> None:
    member = a_member()
    entry = LedgerEntry("ent-1", member.id, EntryKind.ENROLLED, 0, NOW)

    delta = stats_delta(None, member, (entry,))

    assert delta.counts == {"enrolled": 1, "members": 1, f"tier:{member.tier.code}": 1}
    assert delta.at == NOW


def test_points_spent_leave_the_month_they_would_have_expired_in() -> None:
    before = replace(
        a_member(),
        batches=(
            batch(100, datetime(2027, 1, 5, tzinfo=UTC)),
            batch(50, datetime(2027, 3, 1, tzinfo=UTC)),
        ),
    )
    after = replace(before, batches=(batch(30, datetime(2027, 3, 1, tzinfo=UTC)),))
    entry = LedgerEntry("ent-2", before.id, EntryKind.REDEEMED, -120, NOW)

    delta = stats_delta(before, after, (entry,))

    assert delta.counts == {
        "liability:2027-01": -100,
        "liability:2027-03": -20,
        "points_redeemed": 120,
    }


def test_a_frozen_duplicate_holds_nothing_and_its_survivor_holds_its_points() -> None:
    duplicate = replace(a_member(), batches=(batch(60, datetime(2027, 2, 2, tzinfo=UTC)),))
    frozen = commit_of(duplicate, Change(freeze(duplicate, "mbr-survivor"), (), EntryKind.MERGED))

    assert frozen.event.stats is not None
    assert frozen.event.stats.counts == {
        "members": -1,
        f"tier:{duplicate.tier.code}": -1,
        "liability:2027-02": -60,
    }
    assert share_of(frozen.member) == {}  # and none of its points
    assert frozen.event.stats.at is None  # no entry: counted on the day it is relayed


def test_a_purchase_after_a_first_one_is_a_repeat_purchase() -> None:
    first = replace(a_member(), first_purchase_at=NOW - timedelta(days=3))
    order = OrderRecord("o-1", Decimal("12.34"), "EUR", 12, None, NOW, None)
    entry = LedgerEntry("ent-3", first.id, EntryKind.EARNED, 12, NOW, order_id="o-1")

    delta = stats_delta(first, first, (entry,), order)

    assert delta.counts == {
        "points_issued": 12,
        "purchases": 1,
        "repeat_purchases": 1,
        "spend": 123_400,
    }
