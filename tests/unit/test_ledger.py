"""Point batches: the balance is the open batches, soonest-expiring first, one debt at most."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.ledger import PointBatch, add, balance_of, claw_back, merge_batches, split_expired, take
from tests.unit.support import T0, batch

FEB = T0 + timedelta(days=30)
MAR = T0 + timedelta(days=60)
APR = T0 + timedelta(days=90)


def points_by_id(batches: tuple[PointBatch, ...]) -> dict[str, int]:
    return {b.id: b.points for b in batches}


def assert_debt_alone(batches: tuple[PointBatch, ...]) -> None:
    debts = [b for b in batches if b.points < 0]
    assert len(debts) <= 1
    assert not (debts and any(b.points > 0 for b in batches))


def test_take_consumes_the_soonest_expiring_batch_first() -> None:
    # given three batches stored out of expiry order
    batches = (batch("mar", 100, MAR), batch("feb", 100, FEB), batch("apr", 100, APR))
    # when 150 points are spent
    left = take(batches, 150)
    # then February is used up and March gives the other 50
    assert points_by_id(left) == {"mar": 50, "apr": 100}
    assert balance_of(left) == 150


def test_take_of_the_whole_balance_leaves_no_batch() -> None:
    assert take((batch("feb", 40, FEB), batch("mar", 60, MAR)), 100) == ()


def test_take_refuses_more_than_the_batches_hold() -> None:
    with pytest.raises(ValueError):
        take((batch("feb", 40, FEB),), 41)


def test_add_without_debt_appends_the_new_batch() -> None:
    assert points_by_id(add((batch("feb", 40, FEB),), batch("mar", 60, MAR))) == {
        "feb": 40,
        "mar": 60,
    }


def test_add_repays_a_debt_before_anything_is_kept() -> None:
    # given a debt of 300 points
    debt = batch("debt", -300, None)
    # when 500 points are earned, then 200 are left in the new batch, with its expiry
    (kept,) = add((debt,), batch("new", 500, MAR))
    assert (kept.id, kept.points, kept.expires_at) == ("new", 200, MAR)
    # when only 100 are earned, then the debt shrinks to 200
    assert points_by_id(add((debt,), batch("new", 100, MAR))) == {"debt": -200}
    # when exactly 300 are earned, then nothing is left at all
    assert add((debt,), batch("new", 300, MAR)) == ()


def test_claw_back_takes_from_the_preferred_batch_first() -> None:
    # given the order's batch expires later than another one
    batches = (batch("soon", 100, FEB), batch("order", 100, APR))
    # when 150 points are clawed back for that order
    left = claw_back(batches, 150, "order", "debt", T0)
    # then the order's batch goes first, then the soonest-expiring one
    assert points_by_id(left) == {"soon": 50}


def test_claw_back_without_its_batch_takes_the_soonest_expiring() -> None:
    batches = (batch("apr", 100, APR), batch("feb", 100, FEB))
    assert points_by_id(claw_back(batches, 120, "spent-batch", "debt", T0)) == {"apr": 80}


def test_claw_back_beyond_the_balance_leaves_one_debt_batch() -> None:
    # given 100 points left
    batches = (batch("feb", 60, FEB), batch("mar", 40, MAR))
    # when 300 points are clawed back
    left = claw_back(batches, 300, "feb", "debt", T0)
    # then one debt batch of -200 is all that remains
    assert [(b.id, b.points, b.expires_at) for b in left] == [("debt", -200, None)]
    assert balance_of(left) == -200


def test_claw_back_on_an_existing_debt_deepens_it() -> None:
    left = claw_back((batch("debt", -50, None),), 100, None, "debt2", T0)
    assert points_by_id(left) == {"debt": -150}


def test_split_expired_closes_batches_at_their_expiry_instant() -> None:
    # given batches expiring in February and March, and a debt (which never expires)
    batches = (batch("feb", 30, FEB), batch("mar", 70, MAR))
    # when it is exactly the February expiry
    still_open, expired = split_expired(batches, FEB)
    # then the February points are gone
    assert (points_by_id(still_open), expired) == ({"mar": 70}, 30)
    # and a second before, nothing had expired
    assert split_expired(batches, FEB - timedelta(seconds=1)) == (batches, 0)


def test_split_expired_keeps_a_debt() -> None:
    debt = (batch("debt", -80, None),)
    assert split_expired(debt, APR + timedelta(days=999)) == (debt, 0)


def test_merge_batches_nets_a_debt_against_the_pooled_points() -> None:
    # given our debt of 150 and their 100 + 100 points
    ours = (batch("debt", -150, None),)
    theirs = (batch("apr", 100, APR), batch("feb", 100, FEB))
    # when pooled, then the debt is paid from the soonest-expiring points
    merged = merge_batches(ours, theirs)
    assert points_by_id(merged) == {"apr": 50}
    assert_debt_alone(merged)


def test_merge_batches_leaves_one_debt_when_points_do_not_cover_it() -> None:
    merged = merge_batches((batch("d1", -300, None),), (batch("feb", 100, FEB),))
    assert points_by_id(merged) == {"d1": -200}
    # two debts and no points become one debt
    both = merge_batches((batch("d1", -100, None),), (batch("d2", -50, None),))
    assert points_by_id(both) == {"d1": -150}


def test_merge_batches_without_debt_keeps_every_batch() -> None:
    merged = merge_batches((batch("feb", 10, FEB),), (batch("mar", 20, MAR),))
    assert points_by_id(merged) == {"feb": 10, "mar": 20}


@pytest.mark.parametrize(
    "result",
    [
        add((batch("debt", -300, None),), batch("new", 100, MAR)),
        add((batch("debt", -300, None),), batch("new", 900, MAR)),
        claw_back((batch("debt", -10, None),), 5, None, "d2", T0),
        claw_back((batch("feb", 10, FEB), batch("mar", 10, MAR)), 15, "mar", "d2", T0),
        merge_batches((batch("d1", -30, None),), (batch("feb", 10, FEB), batch("mar", 10, MAR))),
        merge_batches((batch("d1", -5, None), batch("mar", 10, MAR)), (batch("d2", -5, None),)),
    ],
)
def test_positive_batches_and_a_debt_never_coexist(result: tuple[PointBatch, ...]) -> None:
    assert_debt_alone(result)
