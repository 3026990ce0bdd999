"""What a partner's endpoint hears: only the events of members linked at the partner, and of
each only what the partner's field policy allows (`Partner.fields`, read through
`domain.partner_view` like the partner's lookups).

A partner knows a member by its own external id, never by Tessera's: the payload names the
member by `externalId`. An event about something the policy hides is not sent at all (a
tier change to a partner that may not see tiers, points to one that may not see the
balance); vouchers and the ledger entry (store, order, reason) are never in a partner's
view, so REWARD_REDEEMED and REWARD_USED never reach a partner.
"""

from __future__ import annotations

from typing import Any

from domain.member import Member
from domain.partner_links import links_at
from domain.partner_view import partner_view
from domain.program import Program
from domain.webhooks import WebhookEvent, WebhookFacts, data, iso

# The policy's field each event is about (None: only that the member is linked).
_ABOUT: dict[WebhookEvent, str | None] = {
    WebhookEvent.POINTS_EARNED: "balance",
    WebhookEvent.POINTS_SPENT: "balance",
    WebhookEvent.POINTS_EXPIRED: "balance",
    WebhookEvent.TIER_CHANGED: "tier",
    WebhookEvent.MEMBER_MERGED: None,
}


def partner_payload(
    facts: WebhookFacts,
    kind: WebhookEvent,
    member: Member | None,
    program: Program,
    partner_name: str,
) -> dict[str, Any] | None:
    """The payload partner `partner_name` receives for webhook event `kind` of `member`
    (as read when the event was relayed), or None when it hears nothing of it."""
    partner = next((p for p in program.partners if p.name == partner_name), None)
    links = () if member is None else links_at(member, partner_name)
    if partner is None or member is None or not links or kind not in _ABOUT:
        return None
    about = _ABOUT[kind]
    allowed = partner.fields
    if about is not None and about not in allowed:
        return None
    link = max(links, key=lambda found: found.linked_at)
    view = partner_view(member, partner, link.external_id)
    event = facts.event
    found: dict[str, Any] = {
        "externalId": link.external_id,
        "memberVersion": event.version,
        "occurredAt": iso(facts.occurred_at),
    }
    # Tier and balance as this change left them; the rest as the member was when relayed.
    if "displayName" in allowed:
        found["displayName"] = view.display_name
    if "tier" in allowed:
        found["tier"] = event.tier
        if kind is WebhookEvent.TIER_CHANGED:
            found["previousTier"] = event.previous_tier
    if "balance" in allowed:
        found["balance"] = event.balance
        if about == "balance":
            found["points"] = data(facts, kind)["points"]
    if "pendingBalance" in allowed:
        found["pendingBalance"] = view.pending_balance
    if "memberSince" in allowed and view.member_since is not None:
        found["memberSince"] = iso(view.member_since)
    return {"type": kind.value, "timestamp": found["occurredAt"], "data": found}
