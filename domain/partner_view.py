"""What a partner sees of a member: its own link, and of the member only the fields its
field policy lists (`Partner.fields`); the rest is not in the view at all, so no surface can
hand it over by mistake. Identifiers, history, vouchers and messages are never in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import MemberNotLinked
from domain.member import Member
from domain.partners import Partner


@dataclass(frozen=True, slots=True)
class PartnerView:
    partner: str
    external_id: str
    linked_at: datetime
    allowed: frozenset[str]  # the partner's field policy, by GraphQL field name
    display_name: str | None = None
    tier: str | None = None
    balance: int | None = None
    pending_balance: int | None = None
    member_since: datetime | None = None


def partner_view(member: Member, partner: Partner, external_id: str) -> PartnerView:
    link = next(
        (
            k
            for k in member.partner_links
            if (k.partner, k.external_id) == (partner.name, external_id)
        ),
        None,
    )
    if link is None:  # unlinked by the other side meanwhile
        raise MemberNotLinked(f"no member is linked at {partner.name} as {external_id}")
    allowed = partner.fields
    return PartnerView(
        partner=partner.name,
        external_id=external_id,
        linked_at=link.linked_at,
        allowed=allowed,
        display_name=member.display_name if "displayName" in allowed else None,
        tier=member.tier.code if "tier" in allowed else None,
        balance=member.balance if "balance" in allowed else None,
        pending_balance=member.pending_balance if "pendingBalance" in allowed else None,
        member_since=member.enrolled_at if "memberSince" in allowed else None,
    )
