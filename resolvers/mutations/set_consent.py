from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.messaging import preferences
from domain.messaging.consent import Consent
from domain.messaging.journeys import MessageChannel
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.messaging import MessagingProfile


@strawberry.input
class SetConsentInput:
    member: MemberRefInput
    channel: MessageChannel
    consent: Consent = strawberry.field(description="OPTED_IN or OPTED_OUT")


@strawberry.type
class ConsentRecorded:
    messaging: MessagingProfile


SetConsentPayload = payload(
    "SetConsentPayload",
    ConsentRecorded,
    failures.MemberNotFound,
    failures.InvalidInput,
)


async def resolve(info: Info, input: SetConsentInput) -> ConsentRecorded:
    ctx = info.context
    principal = ctx.require(Action.SET_CONSENT)
    ref = input.member.to_domain()
    await ctx.check_own(principal, ref)
    result = await preferences.set_consent(
        ctx.ports, ctx.messaging.profiles, ref, input.channel, input.consent
    )
    return ConsentRecorded(messaging=MessagingProfile.of(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=SetConsentPayload,
    description="Opt a member in to or out of a channel; an opt-out stops every message there.",
)
