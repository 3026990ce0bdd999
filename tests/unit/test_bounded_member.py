"""A hundred thousand purchases, a few minutes apart over two years, on the pure member: its
stored document never passes 64 KB. (What a purchase costs then is measured by `make bench`:
`bench.member_history`.)"""

from __future__ import annotations

from datetime import timedelta

import bson

from storage.documents import member_to_doc
from tests.unit.support import T0, Ids, buy, enrolled, give_back

PURCHASES = 100_000
EVERY = timedelta(minutes=10)  # about 694 days in all: past the points' 12 months' validity


def test_a_hundred_thousand_purchases_keep_the_document_under_64_kb() -> None:
    ids = Ids()
    member, now = enrolled(ids, "regular@example.com", T0), T0
    biggest, earned = 0, 0
    for n in range(PURCHASES):
        change = buy(member, f"o-{n}", "4.20", now, ids)
        member, earned = change.member, earned + change.entries[0].points
        if n % 500 == 0 or n == PURCHASES - 1:
            biggest = max(biggest, len(bson.encode(member_to_doc(member))))
        now += EVERY
    assert biggest < 64 * 1024
    # every point is still there or expired by its date: what is open is the last 12 months'
    assert member.balance == sum(b.points for b in member.batches) <= earned
    assert len(member.batches) <= 366


def test_a_purchase_every_day_for_two_years_stays_under_64_kb() -> None:
    # the most a member holds: a batch for each day of validity, a summary for each day of
    # the qualifying window and a full set of latest requests, with a return a week (returns
    # are kept for the year orders can be returned: they grow with returns, not purchases)
    ids = Ids()
    member, now = enrolled(ids, "daily@example.com", T0), T0
    biggest = 0
    for day in range(2 * 366):
        member = buy(member, f"d-{day}", "123456.78", now, ids).member
        if day % 7 == 0:
            member = give_back(member, f"d-{day}", "0.01", now, ids).member
        biggest = max(biggest, len(bson.encode(member_to_doc(member))))
        now += timedelta(days=1)
    assert len(member.batches) >= 365 and len(member.activity) >= 365
    assert biggest < 64 * 1024
