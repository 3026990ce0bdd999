"""Demo members, made through the real handlers so that their state is what the rules give."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain.channel import Channel
from domain.clock import Clock
from domain.commands import (
    EnrollMember,
    MemberRef,
    RawIdentifier,
    RecordPurchase,
    RedeemReward,
)
from domain.errors import OrderAlreadyRecorded
from domain.handlers import enroll_member, record_purchase, redeem_reward
from domain.identity import IdentifierKind
from domain.ledger import NewId
from domain.ports import Ports
from domain.program import Program

DEMO_STORE = "store-001"
EMAIL, PHONE, CARD, DEVICE = (
    IdentifierKind.EMAIL,
    IdentifierKind.PHONE,
    IdentifierKind.POS_CARD,
    IdentifierKind.APP_DEVICE,
)

# id, name, identifiers, purchases (order id, amount), rewards redeemed
DEMO_MEMBERS = (
    (
        "mbr_demo_ada",
        "Ada Lovelace",
        ((EMAIL, "ada@example.com"), (PHONE, "06 12 34 56 78"), (CARD, "4000-0000-0001")),
        (("demo-ada-1", "1200.00"), ("demo-ada-2", "80.00")),
        ("coffee",),
    ),
    (
        "mbr_demo_ben",
        "Ben Okafor",
        ((EMAIL, "ben@example.com"), (DEVICE, "ios-ben-device")),
        (("demo-ben-1", "320.50"),),
        (),
    ),
    (
        "mbr_demo_chloe",
        "Chloé Martin",
        ((EMAIL, "chloe@example.com"), (CARD, "4000-0000-0003")),
        (("demo-chloe-1", "5400.00"), ("demo-chloe-2", "64.90")),
        (),
    ),
)
DEMO_MEMBER_IDS = tuple(m[0] for m in DEMO_MEMBERS)


@dataclass(frozen=True, slots=True)
class EarlierClock:
    """`clock`, set back `by` (and moving on with it): when the demo members joined."""

    clock: Clock
    by: timedelta

    def now(self) -> datetime:
        return self.clock.now() - self.by


def seeded_back(program: Program) -> timedelta:
    """How long ago the demo members joined and bought: a day more than the program's hold
    (`pending_days`; the demo's is 14), so their points are spendable at start (released at
    their first read or by the start-up sweep) and a purchase made now shows points PENDING
    beside them. With no hold, today."""
    return timedelta(days=program.pending_days + 1) if program.pending_days else timedelta(0)


def _fixed_member_id(member_id: str, new_id: NewId) -> NewId:
    """Stable demo ids, so that the README's examples work as written."""
    return lambda prefix: member_id if prefix == "mbr" else new_id(prefix)


async def load_demo(ports: Ports) -> None:
    """Enroll the demo members unless they are there already (a real MongoDB keeps them).

    Members join and buy `seeded_back` ago (the handlers run on a clock set back); their
    rewards are redeemed today, from the points their purchases' holds have released.

    Two instances starting at once on one database both find a member missing and both
    enroll it under its fixed id: the second insert fails. That one leaves the member to
    the instance that enrolled it, as if it had found it. (It used to go on and record the
    same purchases under the same keys, to be replayed; but a purchase's key is recorded
    on the clock set back, so the first instance's redemption today forgets it at once, and
    a copy still on its way then earned a second time.)
    """
    then = replace(ports, clock=EarlierClock(ports.clock, seeded_back(ports.program)))
    for member_id, name, identifiers, purchases, rewards in DEMO_MEMBERS:
        if await ports.members.get(member_id) is not None:
            continue
        fixed = replace(then, new_id=_fixed_member_id(member_id, ports.new_id))
        try:
            await enroll_member.handle(
                EnrollMember(tuple(RawIdentifier(k, v) for k, v in identifiers), name, Channel.POS),
                fixed,
            )
        except Exception:
            if await ports.members.get(member_id) is None:
                raise  # not a concurrent loader: a real failure
            continue  # enrolled by another instance a moment ago: it loads the member
        ref = MemberRef(id=member_id)
        for order_id, amount in purchases:
            purchase = RecordPurchase(
                ref, order_id, Decimal(amount), "EUR", Channel.POS, DEMO_STORE, f"demo:{order_id}"
            )
            with contextlib.suppress(OrderAlreadyRecorded):  # by the other instance
                await record_purchase.handle(purchase, then)
        for reward_id in rewards:
            await redeem_reward.handle(
                RedeemReward(ref, reward_id, Channel.APP, f"demo:{member_id}:{reward_id}"), ports
            )
