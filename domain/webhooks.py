"""Event webhooks: which member events an endpoint hears, and what each one says.

A committed member event (`MemberChanged`) becomes zero or more webhook events
(`events_of`): a purchase earns points and may change the tier, a redemption spends points
and issues a voucher. Each is one JSON payload, the same bytes on every attempt:

    {"type": "POINTS_EARNED", "timestamp": <occurredAt>,
     "data": {"memberId", "memberVersion", "occurredAt", "tier", "balance", ...}}

`type`, `timestamp` and `data` are the Standard Webhooks payload; what `data` holds beside
the member, version and time depends on the type (`WebhookFacts.data`) and is documented
in the README. Nothing here reads or writes: the worker layer hands the facts in.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from domain.errors import InvalidInput
from domain.events import MemberChanged
from domain.ledger import EntryKind, LedgerEntry

MAX_URL_LENGTH = 1000
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes, base64


class WebhookEvent(Enum):
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_SPENT = "POINTS_SPENT"
    POINTS_EXPIRED = "POINTS_EXPIRED"
    TIER_CHANGED = "TIER_CHANGED"
    REWARD_REDEEMED = "REWARD_REDEEMED"
    REWARD_USED = "REWARD_USED"
    MEMBER_MERGED = "MEMBER_MERGED"


# Entries that give the member points they can spend or that count (a correction by hand
# too, by its sign); returns, refunds and cancelled redemptions give back what was there.
_CREDITS = frozenset(
    {
        EntryKind.EARNED,
        EntryKind.ACTIVITY,
        EntryKind.CHALLENGE_COMPLETED,
        EntryKind.REFERRAL_REWARDED,
        EntryKind.PARTNER_EARNED,
    }
)


@dataclass(frozen=True, slots=True)
class Voucher:
    id: str
    reward_id: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class WebhookFacts:
    """What one member event says, read once when it is relayed: the event, its main
    ledger entry (None for a merged-away duplicate's, which has none), the points an order
    paid with, and the voucher a redemption issued or a use consumed."""

    event: MemberChanged
    entry: LedgerEntry | None
    points_paid: int = 0
    voucher: Voucher | None = None
    relayed_at: datetime | None = None  # when there is no entry to date it

    @property
    def occurred_at(self) -> datetime:
        if self.entry is not None:
            return self.entry.created_at
        assert self.relayed_at is not None, "an event without an entry is dated when relayed"
        return self.relayed_at


def events_of(facts: WebhookFacts) -> tuple[WebhookEvent, ...]:
    """The webhook events a member event is, in the order they are delivered."""
    event, entry = facts.event, facts.entry
    found: list[WebhookEvent] = []
    kind, points = event.cause, entry.points if entry is not None else 0
    if (kind in _CREDITS or kind is EntryKind.ADJUSTED) and points > 0:  # not a 0-point sale
        found.append(WebhookEvent.POINTS_EARNED)
    if kind is EntryKind.REDEEMED or (kind is EntryKind.ADJUSTED and points < 0):
        found.append(WebhookEvent.POINTS_SPENT)
    if kind is EntryKind.EARNED and facts.points_paid > 0:  # an order paid partly in points
        found.append(WebhookEvent.POINTS_SPENT)
    if kind is EntryKind.EXPIRED:
        found.append(WebhookEvent.POINTS_EXPIRED)
    if kind is EntryKind.REDEEMED:
        found.append(WebhookEvent.REWARD_REDEEMED)
    if kind is EntryKind.REWARD_USED:
        found.append(WebhookEvent.REWARD_USED)
    if kind is EntryKind.MERGED:
        found.append(WebhookEvent.MEMBER_MERGED)
    if event.previous_tier is not None and event.previous_tier != event.tier:
        found.append(WebhookEvent.TIER_CHANGED)
    return tuple(found)


def payload(facts: WebhookFacts, kind: WebhookEvent) -> dict[str, Any]:
    """The JSON payload of webhook event `kind` of `facts` (see the module's docstring)."""
    occurred = iso(facts.occurred_at)
    return {"type": kind.value, "timestamp": occurred, "data": data(facts, kind)}


def data(facts: WebhookFacts, kind: WebhookEvent) -> dict[str, Any]:
    event, entry = facts.event, facts.entry
    common: dict[str, Any] = {
        "memberId": event.member_id,
        "memberVersion": event.version,
        "occurredAt": iso(facts.occurred_at),
        "tier": event.tier,
        "balance": event.balance,
    }
    if kind is WebhookEvent.TIER_CHANGED:
        return {**common, "previousTier": event.previous_tier}
    if kind is WebhookEvent.MEMBER_MERGED:
        # The duplicate's event says where it went; the survivor's, everything it absorbed.
        return {**common, "mergedInto": event.merged_into, "mergedIds": list(event.merged_ids)}
    if kind is WebhookEvent.POINTS_SPENT and event.cause is EntryKind.EARNED:
        return {
            **common,
            "points": facts.points_paid,
            "entry": _entry(entry, EntryKind.POINTS_PAID),
        }
    points = abs(entry.points) if entry is not None else 0
    found = {**common, "points": points, "entry": _entry(entry)}
    if kind in (WebhookEvent.REWARD_REDEEMED, WebhookEvent.REWARD_USED):
        voucher = facts.voucher
        found["memberReward"] = (
            None
            if voucher is None
            else {"id": voucher.id, "rewardId": voucher.reward_id, "code": voucher.code}
        )
    return found


def _entry(entry: LedgerEntry | None, kind: EntryKind | None = None) -> dict[str, Any] | None:
    """The ledger entry behind the event; `kind` when the event is a part of it (the points
    an order paid with, recorded beside its EARNED entry)."""
    if entry is None:
        return None
    return {
        "id": entry.id,
        "kind": (kind or entry.kind).value,
        "reason": entry.reason,
        "channel": entry.channel.value if entry.channel else None,
        "storeId": entry.store_id,
        "orderId": entry.order_id,
        "partner": entry.partner,  # the partner it happened at, if any
    }


def iso(moment: datetime) -> str:
    """UTC to the millisecond, as the GraphQL API writes times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def endpoint_url(url: str) -> str:
    """An endpoint a subscription may post to: an absolute http or https URL with a host."""
    text = url.strip()
    if not text:
        raise InvalidInput("url", "must not be empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput("url", f"at most {MAX_URL_LENGTH} characters")
    if any(c.isspace() for c in text):
        raise InvalidInput("url", "must not contain spaces")
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise InvalidInput("url", f"not a URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput("url", "must be an http:// or https:// URL")
    if not parts.hostname:
        raise InvalidInput("url", "must name a host")
    del port
    return text


def chosen_events(events: list[WebhookEvent]) -> tuple[WebhookEvent, ...]:
    """The events a subscription hears, each once, in `WebhookEvent`'s order."""
    if not events:
        raise InvalidInput("events", "name at least one event")
    return tuple(kind for kind in WebhookEvent if kind in set(events))


def new_secret() -> str:
    """A signing secret in Standard Webhooks' form, shown to the admin once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    url: str
    events: tuple[WebhookEvent, ...]
    partner: str | None  # a partner's endpoint hears its linked members only
    created_at: datetime
    active: bool = True

    def hears(self, kind: WebhookEvent) -> bool:
        return self.active and kind in self.events
