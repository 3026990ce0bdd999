"""An order returned at the last instant of its return window stays returned: the record of
the return is kept as long as the order can be returned (found by the held ledger's property
test: a second full return at that instant took the qualifying points below zero)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase, ReturnPurchase
from domain.earning import record_purchase, validate_purchase
from domain.errors import ReturnExceedsPurchase
from domain.housekeeping import settle
from domain.returns import return_purchase
from tests.unit.support import T0, Ids, demo_program, enrolled


def test_a_second_return_at_the_windows_last_instant_is_refused() -> None:
    program, ids = demo_program(), Ids()
    member = enrolled(ids)
    cmd = RecordPurchase(
        MemberRef(id=member.id), "o-1", Decimal("1.00"), "EUR", Channel.POS, None, "k-1"
    )
    bought = record_purchase(member, validate_purchase(cmd, program), program, T0, ids)
    assert bought.order is not None
    last = T0 + timedelta(days=program.return_window_days)  # still returnable, just
    whole = ReturnPurchase("o-1", Decimal("1.00"), "r-1")

    member = settle(bought.member, program, last, ids).member
    member = return_purchase(member, bought.order, whole, program, last, ids).member
    member = settle(member, program, last, ids).member  # the next command's settle

    assert member.returned("o-1") is not None
    with pytest.raises(ReturnExceedsPurchase):
        return_purchase(
            member, bought.order, ReturnPurchase("o-1", Decimal("1.00"), "r-2"), program, last, ids
        )
    assert all(day.qualifying_points >= 0 for day in member.activity)
