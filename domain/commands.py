"""Commands: what a surface asks the loyalty core to do, in domain terms."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from domain.channel import Channel
from domain.identity import IdentifierKind


@dataclass(frozen=True, slots=True)
class RawIdentifier:
    """An identifier as typed; normalised by the domain before any lookup."""

    kind: IdentifierKind
    value: str


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Exactly one of an id or an identifier."""

    id: str | None = None
    identifier: RawIdentifier | None = None


@dataclass(frozen=True, slots=True)
class EnrollMember:
    identifiers: tuple[RawIdentifier, ...]
    display_name: str | None
    channel: Channel
    birthday: date | None = None
    time_zone: str | None = None  # IANA
    referral_code: str | None = None  # a member's code: the friend enrolling is linked to them


# A field added to a command after requests were fingerprinted: left out of the digest while
# empty, so a retry of a request made before it still matches its stored digest.
_ADDED_LATER = {"digest": "left out while empty"}


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    """One line of a cart: `quantity` of `sku` at `unit_price` each. A line that does not
    earn (a gift card, tax) still counts in the amount."""

    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    earns: bool = True
    # Worked out once: pricing a cart reads it for every campaign that acts on the line.
    # Not part of the request's meaning, so not of its fingerprint (`_plain`).
    total: Decimal = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.unit_price * self.quantity)


@dataclass(frozen=True, slots=True)
class RecordPurchase:
    member: MemberRef
    order_id: str
    amount: Decimal | None  # None: the sum of the lines
    currency: str
    channel: Channel
    store_id: str | None
    idempotency_key: str
    lines: tuple[PurchaseLine, ...] = dataclasses.field(default=(), metadata=_ADDED_LATER)
    # Points the member spends on the order, worth the program's point value each: that
    # part of the order is paid with points, and earns none.
    points_paid: int = dataclasses.field(default=0, metadata=_ADDED_LATER)

    @property
    def total(self) -> Decimal:
        """The validated amount (validation sets it from the lines when it was left out)."""
        assert self.amount is not None, "validate_purchase sets the amount"
        return self.amount


@dataclass(frozen=True, slots=True)
class RedeemReward:
    member: MemberRef
    reward_id: str
    channel: Channel
    idempotency_key: str
    store_id: str | None = None


@dataclass(frozen=True, slots=True)
class CheckIn:
    member: MemberRef
    store_id: str
    channel: Channel


@dataclass(frozen=True, slots=True)
class CancelRedemption:
    """Exactly one of a voucher's code or its id."""

    code: str | None
    member_reward_id: str | None
    idempotency_key: str
    channel: Channel = Channel.CALL_CENTER
    store_id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordActivity:
    """An activity that is not a purchase; its id makes it count once, whoever sends it."""

    member: MemberRef
    kind: str
    activity_id: str
    channel: Channel


@dataclass(frozen=True, slots=True)
class OverrideTier:
    """Staff set the member's tier by hand until `expires_at`, with a reason."""

    member: MemberRef
    tier_code: str
    reason: str
    expires_at: datetime
    idempotency_key: str
    channel: Channel = Channel.CALL_CENTER


@dataclass(frozen=True, slots=True)
class UseReward:
    code: str
    channel: Channel
    store_id: str | None


@dataclass(frozen=True, slots=True)
class AdjustPoints:
    member: MemberRef
    points: int
    reason: str
    idempotency_key: str
    channel: Channel = Channel.CALL_CENTER


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """`quantity` of an order's line `sku` brought back."""

    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnPurchase:
    order_id: str
    amount: Decimal | None  # None: what the returned lines cost
    idempotency_key: str
    channel: Channel = Channel.POS
    store_id: str | None = None  # where the goods come back
    # A till acts for its store: unless the program lets any store take returns, it may
    # take back only orders recorded at `store_id`.
    own_store_only: bool = False
    lines: tuple[ReturnLine, ...] = dataclasses.field(default=(), metadata=_ADDED_LATER)


@dataclass(frozen=True, slots=True)
class LinkIdentifier:
    member: MemberRef
    identifier: RawIdentifier
    channel: Channel = Channel.CALL_CENTER


@dataclass(frozen=True, slots=True)
class MergeMembers:
    survivor: MemberRef
    duplicate: MemberRef
    channel: Channel = Channel.CALL_CENTER


def fingerprint(*parts: object) -> str:
    """A stable digest of a request's normalised meaning, to tell a replay from a reused key.

    Canonical JSON (sorted keys, decimals and enums as strings), not `repr`: a digest
    stored with a member must mean the same after an upgrade of Python or of this code.
    """
    canonical = json.dumps(
        [_plain(part) for part in parts],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _plain(value: object) -> object:
    if value is None or type(value) in _AS_IS:  # the leaves first: most values are
        return value
    if isinstance(value, Decimal):
        return str(value)
    fields = _DIGESTED.get(type(value))
    if fields is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = _digested(type(value))
    if fields is not None:
        return {
            name: _plain(field)
            for name, left_out_while_empty in fields
            if (field := getattr(value, name)) or not left_out_while_empty
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


_AS_IS = frozenset({str, int, bool})


# Per command class: (field, left out while empty) for each field a request gives. Worked out
# once: for a twenty-line cart, asking `dataclasses` each time cost more than the digest.
_DIGESTED: dict[type, tuple[tuple[str, bool], ...]] = {}


def _digested(kind: type) -> tuple[tuple[str, bool], ...]:
    fields = tuple((f.name, "digest" in f.metadata) for f in dataclasses.fields(kind) if f.init)
    _DIGESTED[kind] = fields
    return fields
