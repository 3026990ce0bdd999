from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.messaging import preferences
from domain.messaging.journeys import MessageChannel
from resolvers.context import Info
from resolvers.mutations.update_member_profile import channel_for
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.messaging import MessagingProfile


@strawberry.input
class SetPreferencesInput:
    member: MemberRefInput
    time_zone: str | None = strawberry.field(
        default=None, description="IANA name, e.g. Europe/Paris; null leaves it as it is"
    )
    preferred_channels: list[MessageChannel] | None = strawberry.field(
        default=None,
        description="most wanted first, each at most once; [] clears, null leaves as it is",
    )


@strawberry.type
class PreferencesChanged:
    messaging: MessagingProfile


SetPreferencesPayload = payload(
    "SetPreferencesPayload",
    PreferencesChanged,
    failures.MemberNotFound,
    failures.InvalidInput,
)


async def resolve(info: Info, input: SetPreferencesInput) -> PreferencesChanged:
    ctx = info.context
    principal = ctx.require(Action.SET_CONSENT)
    ref = input.member.to_domain()
    await ctx.check_own(principal, ref)
    preferred = None if input.preferred_channels is None else tuple(input.preferred_channels)
    channel = channel_for(principal, None)
    result = await preferences.set_preferences(
        ctx.ports, ctx.messaging.profiles, ref, input.time_zone, preferred, channel
    )
    return PreferencesChanged(messaging=MessagingProfile.of(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=SetPreferencesPayload,
    description="Set the member's time zone (for quiet hours) and preferred channel order.",
)
