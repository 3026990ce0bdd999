"""Points for what a member does at a partner (a flight, a card payment, a delivery).

The partner reports an activity under its own id, with an amount (priced at the partner's
own earn rate, without the tier's multiplier: the partner pays for its points, so they are
what it agreed) or with points (up to the partner's `max_points`). The activity id makes it
count once per partner: a retry replays the first result. What partners give in a calendar
month (the program's zone) is held within their `monthly_budget` by a reservation in the
store before the member is written (`domain.handlers.record_partner_activity`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from domain.activities import credit
from domain.channel import Channel
from domain.commands import fingerprint
from domain.errors import InvalidInput
from domain.events import Change
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import IdempotencyRecord, Member
from domain.partner_links import external_id_of
from domain.partners import Partner
from domain.program import Program
from domain.time_zones import zone
from domain.validation import require_amount, require_id


@dataclass(frozen=True, slots=True)
class RecordPartnerActivity:
    partner: str
    external_id: str
    activity_id: str  # the partner's own id for it: it counts once
    amount: Decimal | None = None  # in the program's currency, priced at the partner's rate
    points: int | None = None  # or points, up to the partner's max_points
    description: str | None = None  # what it was, for the ledger ("flight PAR-NYC")


def validate_partner_activity(
    cmd: RecordPartnerActivity, partner: Partner, program: Program
) -> RecordPartnerActivity:
    if (cmd.amount is None) == (cmd.points is None):
        raise InvalidInput("amount", "give exactly one of amount and points")
    amount = cmd.amount
    if amount is not None:
        if partner.earn_rate is None:
            raise InvalidInput("amount", f"{partner.name} reports points, not amounts")
        amount = require_amount("amount", amount, program.currency_decimals)
    if cmd.points is not None:
        if partner.max_points is None:
            raise InvalidInput("points", f"{partner.name} reports amounts, not points")
        if not 1 <= cmd.points <= partner.max_points:
            raise InvalidInput("points", f"1 to {partner.max_points} for {partner.name}")
    description = cmd.description
    if description is not None:
        description = require_id("description", description, 120)
    return replace(
        cmd,
        external_id=external_id_of(cmd.external_id),
        activity_id=require_id("activityId", cmd.activity_id),
        amount=amount,
        description=description,
    )


def points_for(cmd: RecordPartnerActivity, partner: Partner) -> int:
    """What the activity gives: its points, or its amount at the partner's rate, rounded
    down; an amount worth no point is refused rather than recorded as nothing."""
    if cmd.points is not None:
        return cmd.points
    assert cmd.amount is not None and partner.earn_rate is not None
    points = int((cmd.amount * partner.earn_rate).to_integral_value(rounding=ROUND_FLOOR))
    if points < 1:
        raise InvalidInput("amount", f"worth no point at {partner.name}'s rate")
    return points


def request_key(cmd: RecordPartnerActivity) -> str:
    """The activity id is its idempotency key, per partner (ids are the partner's own)."""
    return f"PARTNER_ACTIVITY:{cmd.partner}:{cmd.activity_id}"


def budget_month(now: datetime, program: Program) -> str:
    """The calendar month a budget counts in: the program's, like its days."""
    return f"{now.astimezone(zone(program.time_zone)):%Y-%m}"


def record_partner_activity(
    member: Member,
    cmd: RecordPartnerActivity,
    partner: Partner,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> Change:
    points = points_for(cmd, partner)
    what = f" {cmd.description}" if cmd.description else ""
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.PARTNER_EARNED,
        points,
        now,
        channel=Channel.PARTNER,
        reason=f"{partner.display_name}{what} ({cmd.activity_id})",
        partner=partner.name,
    )
    request = IdempotencyRecord(request_key(cmd), fingerprint(cmd), entry.id, now)
    return credit(member, member, entry, partner.qualifying, request, program, now, new_id)
