from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import RecordActivity
from domain.handlers import record_activity
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import LedgerEntry, Member


@strawberry.input
class RecordActivityInput:
    member: MemberRefInput
    kind: str = strawberry.field(description="a kind the program declares, e.g. REVIEW")
    activity_id: str = strawberry.field(
        description="the activity's own id (the review's, the survey answer's): it counts once"
    )
    channel: Channel


@strawberry.type
class ActivityRecorded:
    member: Member
    entry: LedgerEntry


RecordActivityPayload = payload(
    "RecordActivityPayload",
    ActivityRecorded,
    failures.MemberNotFound,
    failures.ActivityLimitReached,
    failures.ActivityAlreadyRecorded,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RecordActivityInput) -> ActivityRecorded:
    ctx = info.context
    ctx.require(Action.RECORD_ACTIVITY)
    cmd = RecordActivity(
        member=input.member.to_domain(),
        kind=input.kind,
        activity_id=input.activity_id,
        channel=input.channel,
    )
    result = await record_activity.handle(cmd, ctx.ports)
    return ActivityRecorded(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordActivityPayload,
    description=(
        "Give the points of an activity that is not a purchase (a review, a survey, an app "
        "login): as the program declares it, at most its times a period, once per activityId."
    ),
)
