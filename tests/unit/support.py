"""Builders for unit tests: the demo program, a fixed start time, members made by the rules."""

from __future__ import annotations

import itertools
import tomllib
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from domain.adjustment import adjust_points, validate_adjustment
from domain.channel import Channel
from domain.commands import (
    AdjustPoints,
    EnrollMember,
    MemberRef,
    PurchaseLine,
    RecordPurchase,
    RedeemReward,
    ReturnPurchase,
    UseReward,
)
from domain.earning import record_purchase, validate_purchase
from domain.enrollment import enroll_member
from domain.events import Change
from domain.expiry import points_deadline
from domain.housekeeping import settle
from domain.identity import Identifier, IdentifierKind
from domain.ledger import PointBatch
from domain.member import Member, OrderRecord
from domain.program import Program, load_program
from domain.redemption import redeem_reward, use_reward, validate_redemption, validate_use
from domain.returns import return_purchase, validate_return

T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
PROGRAM_FILE = Path(__file__).resolve().parents[2] / "programs" / "demo.toml"

# Carts for property tests: up to five distinct skus, some that earn nothing (a gift card).
CARTS = st.lists(
    st.builds(
        PurchaseLine,
        sku=st.sampled_from(["COF-1", "MUG-1", "TEA-1", "GIFT-25", "BAG-2"]),
        category=st.sampled_from(["COFFEE", "HOME", "GIFT_CARD"]),
        quantity=st.integers(1, 9),
        unit_price=st.integers(1, 50_000).map(lambda cents: Decimal(cents).scaleb(-2)),
        earns=st.booleans(),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda line: line.sku,
)


def demo_file() -> dict[str, Any]:
    """The demo program file's data without its hold (`pending_days = 0`): points earned are
    spendable at once, as most rules' tests want; the tests of the hold set it
    (`tests/unit/test_pending.py`)."""
    with PROGRAM_FILE.open("rb") as file:
        data = tomllib.load(file)
    data["program"]["pending_days"] = 0
    return data


@cache
def demo_program() -> Program:
    """The demo program without its hold (`demo_file`)."""
    return load_program(demo_file())


def expiry_of(earned_at: datetime, program: Program | None = None) -> datetime:
    """When points earned at `earned_at` expire under the (demo) program's policy: the end
    of a day in its zone."""
    program = program or demo_program()
    return points_deadline(program.expiry, earned_at, program.time_zone)


class Ids:
    """Deterministic ids (`bat1`, `ent2`, ...), a stand-in for the new-id port."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"


def batch(batch_id: str, points: int, expires_at: datetime | None) -> PointBatch:
    return PointBatch(batch_id, points, T0, expires_at)


def enrolled(ids: Ids, email: str = "ana@example.com", now: datetime = T0) -> Member:
    member_id = ids("mbr")
    cmd = EnrollMember((), "Ana", Channel.APP)
    identifiers = (Identifier(IdentifierKind.EMAIL, email),)
    member, _ = enroll_member(member_id, identifiers, cmd, demo_program(), now, ids)
    return member


def settled(member: Member, now: datetime, ids: Ids) -> Member:
    return settle(member, demo_program(), now, ids).member


# The orders `buy` recorded, by order id, as the ledger keeps them for `give_back`.
ORDERS: dict[str, OrderRecord] = {}


def buy(member: Member, order_id: str, amount: str, now: datetime, ids: Ids) -> Change:
    """A purchase as the handler runs it: validated, on the member as of `now`."""
    program = demo_program()
    cmd = RecordPurchase(
        MemberRef(id=member.id), order_id, Decimal(amount), "EUR", Channel.POS, "store-1", order_id
    )
    cmd = validate_purchase(cmd, program)
    change = record_purchase(settled(member, now, ids), cmd, program, now, ids)
    assert change.order is not None
    ORDERS[order_id] = change.order
    return change


def give_back(member: Member, order_id: str, amount: str, now: datetime, ids: Ids) -> Change:
    program = demo_program()
    key = f"return-{order_id}-{amount}-{len(member.idempotency)}"
    cmd = validate_return(ReturnPurchase(order_id, Decimal(amount), key), program)
    order = ORDERS.get(order_id)
    return return_purchase(settled(member, now, ids), order, cmd, program, now, ids)


def redeem(member: Member, reward_id: str, now: datetime, ids: Ids) -> Change:
    program = demo_program()
    key = f"redeem-{len(member.idempotency)}"
    cmd = validate_redemption(
        RedeemReward(MemberRef(id=member.id), reward_id, Channel.APP, key), program
    )
    voucher = (ids("rwd"), f"CODE-{len(member.rewards) + 2345:04d}")
    return redeem_reward(settled(member, now, ids), cmd, program, now, ids, voucher)


def use(member: Member, code: str, now: datetime, ids: Ids) -> Change:
    cmd = validate_use(UseReward(code, Channel.POS, "store-1"))
    return use_reward(settled(member, now, ids), cmd, demo_program(), now, ids)


def adjust(member: Member, points: int, now: datetime, ids: Ids) -> Change:
    key = f"adjust-{len(member.idempotency)}"
    cmd = validate_adjustment(AdjustPoints(MemberRef(id=member.id), points, "goodwill", key))
    return adjust_points(settled(member, now, ids), cmd, demo_program(), now, ids)
