"""Demo members, made through the real handlers so that their state is what the rules give."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.channel import Channel
from domain.commands import (
    EnrollMember,
    MemberRef,
    RawIdentifier,
    RecordPurchase,
    RedeemReward,
)
from domain.handlers import enroll_member, record_purchase, redeem_reward
from domain.identity import IdentifierKind
from domain.ledger import NewId
from domain.ports import Ports

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


def _fixed_member_id(member_id: str, new_id: NewId) -> NewId:
    """Stable demo ids, so that the README's examples work as written."""
    return lambda prefix: member_id if prefix == "mbr" else new_id(prefix)


async def load_demo(ports: Ports) -> None:
    """Enroll the demo members unless they are there already (a real MongoDB keeps them).

    Two instances starting at once on one database both find a member missing and both
    enroll it under its fixed id: the second insert fails. That one goes on as if it had
    found the member; the purchases and redemptions that follow carry fixed idempotency
    keys, so whichever instance records them second replays them.
    """
    for member_id, name, identifiers, purchases, rewards in DEMO_MEMBERS:
        if await ports.members.get(member_id) is not None:
            continue
        fixed = replace(ports, new_id=_fixed_member_id(member_id, ports.new_id))
        try:
            await enroll_member.handle(
                EnrollMember(tuple(RawIdentifier(k, v) for k, v in identifiers), name, Channel.POS),
                fixed,
            )
        except Exception:
            if await ports.members.get(member_id) is None:
                raise  # not a concurrent loader: a real failure
        ref = MemberRef(id=member_id)
        for order_id, amount in purchases:
            await record_purchase.handle(
                RecordPurchase(
                    ref,
                    order_id,
                    Decimal(amount),
                    "EUR",
                    Channel.POS,
                    DEMO_STORE,
                    f"demo:{order_id}",
                ),
                ports,
            )
        for reward_id in rewards:
            await redeem_reward.handle(
                RedeemReward(ref, reward_id, Channel.APP, f"demo:{member_id}:{reward_id}"), ports
            )
