from __future__ import annotations

from datetime import datetime

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import OverrideTier
from domain.handlers import override_tier
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import LedgerEntry, Member


@strawberry.input
class OverrideTierInput:
    member: MemberRefInput
    tier_code: str
    reason: str
    expires_at: datetime = strawberry.field(
        description="when the program's requalification rule applies again"
    )
    idempotency_key: str


@strawberry.type
class TierOverridden:
    member: Member
    entry: LedgerEntry


OverrideTierPayload = payload(
    "OverrideTierPayload",
    TierOverridden,
    failures.MemberNotFound,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: OverrideTierInput) -> TierOverridden:
    ctx = info.context
    ctx.require(Action.OVERRIDE_TIER)
    cmd = OverrideTier(
        member=input.member.to_domain(),
        tier_code=input.tier_code,
        reason=input.reason,
        expires_at=input.expires_at,
        idempotency_key=input.idempotency_key,
    )
    result = await override_tier.handle(cmd, ctx.ports)
    return TierOverridden(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=OverrideTierPayload,
    description=(
        "Set a member's tier by hand until expiresAt, with a reason (audited in history); "
        "then the program's requalification rule applies as for any tier."
    ),
)
