from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers import record_partner_activity
from domain.partner_earning import RecordPartnerActivity
from domain.validation import parse_amount
from resolvers.context import Info
from resolvers.partners import as_partner_sees, partner_for
from schema.errors import payload
from schema.member import LedgerEntry
from schema.partners import PartnerMember
from schema.scalars import Amount


@strawberry.input
class RecordPartnerActivityInput:
    partner: str = strawberry.field(description="the partner's name in the program file")
    external_id: str = strawberry.field(description="the member's id at the partner")
    activity_id: str = strawberry.field(
        description="the partner's own id for the activity: it counts once, a retry replays"
    )
    amount: Amount | None = strawberry.field(
        default=None,
        description="what the member spent, in the program's currency, at the partner's rate",
    )
    points: int | None = strawberry.field(
        default=None, description="or the points it gives, up to the partner's maximum"
    )
    description: str | None = strawberry.field(
        default=None, description='what it was, for the ledger ("flight PAR-JFK")'
    )


@strawberry.type
class PartnerActivityRecorded:
    member: PartnerMember
    entry: LedgerEntry


RecordPartnerActivityPayload = payload(
    "RecordPartnerActivityPayload",
    PartnerActivityRecorded,
    failures.MemberNotLinked,
    failures.PartnerBudgetExhausted,
    failures.ActivityAlreadyRecorded,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RecordPartnerActivityInput) -> PartnerActivityRecorded:
    ctx = info.context
    partner = partner_for(info, Action.PARTNER_EARN, input.partner)
    decimals = ctx.ports.program.currency_decimals
    cmd = RecordPartnerActivity(
        partner=partner.name,
        external_id=input.external_id,
        activity_id=input.activity_id,
        amount=None if input.amount is None else parse_amount("amount", input.amount, decimals),
        points=input.points,
        description=input.description,
    )
    result = await record_partner_activity.handle(cmd, partner, ctx.ports)
    return PartnerActivityRecorded(
        member=as_partner_sees(result.member, partner, input.external_id),
        entry=LedgerEntry.of(result.entry),
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordPartnerActivityPayload,
    description=(
        "Give a linked member points for an activity at a partner: an amount at the "
        "partner's earn rate, or points up to its maximum; once per activityId (a retry "
        "replays), within the partner's monthly budget."
    ),
)
