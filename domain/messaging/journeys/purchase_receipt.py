"""Purchase receipt: a purchase earned points. Says the points, the new balance and the
countdown to the next reward; suppressed if the order was returned before it went out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.ledger import EntryKind
from domain.member import Member
from domain.messaging.journeys.kind import ChangeSeen, JourneyKind, Reason
from domain.messaging.policy import MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class Purchased(Reason):
    """This order earned points. The order's figures ride along for the receipt: the member
    keeps no orders (`domain.member`)."""

    order_id: str
    amount: str = ""
    currency: str = ""
    points: str = ""

    def subject(self) -> str:
        return self.order_id  # one receipt per order

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Purchased:
        # Messages stored before the figures rode along have the order id only.
        return cls(
            doc["order_id"], doc.get("amount", ""), doc.get("currency", ""), doc.get("points", "")
        )


class PurchaseReceipt(JourneyKind[Purchased]):
    reason = Purchased

    def on_change(
        self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime
    ) -> tuple[Purchased, ...]:
        order = seen.order
        if seen.cause is EntryKind.EARNED and order is not None:
            figures = (str(order.amount), order.currency, str(order.points))
            return (Purchased(order.order_id, *figures),)
        return ()

    def why_not(
        self, reason: Purchased, member: Member, now: datetime, program: Program
    ) -> str | None:
        returned = member.returned(reason.order_id)
        if returned is not None and reason.amount and returned.amount >= Decimal(reason.amount):
            return f"order {reason.order_id} was returned"
        return None

    def values(self, reason: Purchased, member: Member, program: Program) -> dict[str, Any]:
        return {"order": reason}


JOURNEY = PurchaseReceipt()
