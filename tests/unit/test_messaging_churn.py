"""The RFM churn score (demo: horizon 90 days, 6 orders and 300 EUR a year, weights
0.5 / 0.3 / 0.2, threshold 0.6): transparent components, rising with time since the last order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.member import Member
from domain.messaging.churn import churn_risk
from tests.unit.messaging_support import demo_policy
from tests.unit.support import T0, Ids, buy, enrolled, give_back

SETTINGS = demo_policy().churn
DAY = timedelta(days=1)


def one_order_of(amount: str) -> Member:
    ids = Ids()
    return buy(enrolled(ids), "o1", amount, T0, ids).member


def test_the_score_is_the_weighted_sum_of_its_components() -> None:
    # given one 100 EUR order, 45 days ago
    risk = churn_risk(one_order_of("100"), SETTINGS, T0 + 45 * DAY)
    # then recency 45/90, frequency 1 - 1/6, monetary 1 - 100/300
    assert risk.recency == pytest.approx(0.5)
    assert risk.frequency == pytest.approx(5 / 6)
    assert risk.monetary == pytest.approx(2 / 3)
    assert risk.score == pytest.approx(0.5 * 0.5 + 0.3 * 5 / 6 + 0.2 * 2 / 3)
    assert (risk.orders_counted, risk.spend_counted) == (1, Decimal("100"))
    assert risk.at_risk  # 0.633 >= 0.6


def test_a_recent_regular_customer_is_not_at_risk() -> None:
    ids = Ids()
    member = enrolled(ids, now=T0 - 200 * DAY)
    # given six 60 EUR orders, one a month, the last 5 days ago
    for n in range(6):
        member = buy(member, f"o{n}", "60", T0 - (155 - 30 * n) * DAY, ids).member
    risk = churn_risk(member, SETTINGS, T0)
    assert (risk.frequency, risk.monetary) == (0.0, 0.0)
    assert risk.score == pytest.approx(0.5 * 5 / 90)
    assert not risk.at_risk


def test_the_score_rises_with_every_day_without_an_order() -> None:
    member = one_order_of("100")
    scores = [churn_risk(member, SETTINGS, T0 + d * DAY).score for d in (0, 10, 30, 60, 89)]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    # and stops rising once recency is full and the order is still in the year
    assert churn_risk(member, SETTINGS, T0 + 90 * DAY).score == pytest.approx(
        churn_risk(member, SETTINGS, T0 + 200 * DAY).score
    )


@given(
    st.lists(st.integers(min_value=0, max_value=700), min_size=0, max_size=6),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=0, max_value=800),
)
def test_with_no_new_order_the_score_never_falls(ago: list[int], wait: int, more: int) -> None:
    # given orders placed `ago` days before T0, scored `wait` days after T0, then later
    ids = Ids()
    member = enrolled(ids, now=T0 - 800 * DAY)
    for n, days in enumerate(sorted(ago, reverse=True)):
        member = buy(member, f"o{n}", "40", T0 - days * DAY, ids).member
    earlier = churn_risk(member, SETTINGS, T0 + wait * DAY)
    later = churn_risk(member, SETTINGS, T0 + (wait + more) * DAY)
    assert 0.0 <= earlier.score <= later.score <= 1.0


def test_a_returned_order_does_not_count_and_recency_runs_from_enrolment() -> None:
    ids = Ids()
    member = enrolled(ids, now=T0 - 30 * DAY)
    member = buy(member, "o1", "100", T0, ids).member
    member = give_back(member, "o1", "100", T0 + DAY, ids).member
    risk = churn_risk(member, SETTINGS, T0 + 15 * DAY)
    assert (risk.orders_counted, risk.spend_counted) == (0, Decimal(0))
    assert risk.days_since_last_order == pytest.approx(45)


def test_a_partly_returned_order_counts_what_was_kept() -> None:
    ids = Ids()
    member = buy(enrolled(ids), "o1", "100", T0, ids).member
    member = give_back(member, "o1", "40", T0 + DAY, ids).member
    risk = churn_risk(member, SETTINGS, T0 + 2 * DAY)
    assert risk.spend_counted == Decimal("60")
    assert risk.monetary == pytest.approx(1 - 60 / 300)
