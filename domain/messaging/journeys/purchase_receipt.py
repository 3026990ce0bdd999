"""Purchase receipt: a purchase earned points. Says the points, the new balance and the
countdown to the next reward; suppressed if the order was returned before it went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.ledger import EntryKind
from domain.member import Member
from domain.messaging.journeys.kind import ChangeSeen, JourneyKind, Reason
from domain.messaging.policy import MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class Purchased(Reason):
    """This order earned points."""

    order_id: str


class PurchaseReceipt(JourneyKind[Purchased]):
    reason = Purchased

    def on_change(
        self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime
    ) -> tuple[Purchased, ...]:
        if seen.cause is EntryKind.EARNED and seen.order_id is not None:
            return (Purchased(seen.order_id),)
        return ()

    def why_not(self, reason: Purchased, member: Member, now: datetime) -> str | None:
        order = member.order(reason.order_id)
        if order is None:
            return f"order {reason.order_id} is not on the member"
        if order.returned_amount >= order.amount:
            return f"order {reason.order_id} was returned"
        return None

    def values(self, reason: Purchased, member: Member, program: Program) -> dict[str, Any]:
        return {"order": member.order(reason.order_id)}


JOURNEY = PurchaseReceipt()
