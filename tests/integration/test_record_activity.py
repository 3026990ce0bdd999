"""recordActivity through GraphQL on both stores: an activity the program declares gives its
points once per activityId, at most its times a period, and towards the tier only when the
program says so; whatever the program does not allow is refused and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import ERROR, MEMBER_FIELDS, by_id
from tests.integration.steps import enrolled, member

ACTIVITY = f"""mutation($input: RecordActivityInput!) {{ recordActivity(input: $input) {{
  __typename
  ... on ActivityRecorded {{ member {{ {MEMBER_FIELDS} }} entry {{ id kind points reason }} }}
  {ERROR} }} }}"""


def did(member_id: str, kind: str, activity_id: str) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "kind": kind,
            "activityId": activity_id,
            "channel": "APP",
        }
    }


async def recorded(api: Api, member_id: str, kind: str, activity_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await api.data(ACTIVITY, did(member_id, kind, activity_id), api.callcenter)
    )["recordActivity"]
    return payload


async def test_an_activity_gives_its_points_once_per_id(api: Api) -> None:
    given = await enrolled(api, "reviewer@example.com")

    first = await recorded(api, given["id"], "review", "rev-1")
    again = await recorded(api, given["id"], "REVIEW", "rev-1")

    assert first["__typename"] == "ActivityRecorded", first
    assert first["entry"]["kind"] == "ACTIVITY"
    assert first["entry"]["points"] == 50
    assert first["entry"]["reason"] == "REVIEW rev-1"
    assert again == first  # a retry replays the first result
    assert first["member"]["balance"] == 50
    assert first["member"]["tierProgress"]["qualifyingPoints"] == 0  # reviews do not qualify


async def test_an_id_sent_again_after_its_request_is_forgotten_still_counts_once(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "late@example.com")
    await recorded(api, given["id"], "SURVEY", "s-1")

    clock.advance(timedelta(days=40))  # past the 48 hours requests are kept, a new month
    again = await recorded(api, given["id"], "SURVEY", "s-1")

    assert again["code"] == "ACTIVITY_ALREADY_RECORDED"
    assert (await member(api, given["id"]))["balance"] == 100


async def test_copies_sent_at_once_count_once(api: Api) -> None:
    given = await enrolled(api, "racer@example.com")

    copies = await asyncio.gather(*(recorded(api, given["id"], "SURVEY", "s-1") for _ in range(4)))

    kinds = [c["__typename"] for c in copies]
    assert kinds.count("ActivityRecorded") >= 1
    assert set(kinds) <= {"ActivityRecorded", "ActivityAlreadyRecorded"}
    assert (await member(api, given["id"]))["balance"] == 100


async def test_a_kind_counts_at_most_its_times_a_period(api: Api, clock: SettableClock) -> None:
    given = await enrolled(api, "daily@example.com")

    today = await recorded(api, given["id"], "APP_LOGIN", "login-1")
    twice = await recorded(api, given["id"], "APP_LOGIN", "login-2")
    clock.advance(timedelta(days=1))
    tomorrow = await recorded(api, given["id"], "APP_LOGIN", "login-2")  # refused: sent again

    assert today["entry"]["points"] == 5
    assert twice["code"] == "ACTIVITY_LIMIT_REACHED"
    assert tomorrow["entry"]["points"] == 5
    assert tomorrow["member"]["balance"] == 10


async def test_a_qualifying_activity_counts_towards_the_tier(api: Api) -> None:
    given = await enrolled(api, "birthday@example.com")

    birthday = await recorded(api, given["id"], "BIRTHDAY", "2026")

    assert birthday["member"]["tierProgress"]["qualifyingPoints"] == 100


async def test_what_the_program_does_not_allow_is_refused_and_changes_nothing(api: Api) -> None:
    given = await enrolled(api, "nope@example.com")
    other = await enrolled(api, "other@example.com")
    await recorded(api, other["id"], "REVIEW", "rev-9")

    answers = [
        await recorded(api, given["id"], "DANCE", "d-1"),
        await recorded(api, given["id"], "REVIEW", " "),
        await recorded(api, given["id"], "REVIEW", "rev-9"),  # another member's review
    ]
    as_member = await api.raw(
        ACTIVITY, did(given["id"], "REVIEW", "rev-2"), api.token("member", member=given["id"])
    )

    assert [(a["code"], a.get("field")) for a in answers] == [
        ("INVALID_INPUT", "kind"),
        ("INVALID_INPUT", "activityId"),
        ("ACTIVITY_ALREADY_RECORDED", None),
    ]
    assert as_member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await member(api, given["id"]))["balance"] == 0


async def test_the_program_lists_its_activities_for_the_apps(api: Api) -> None:
    query = "{ program { activities { kind points times per qualifying } } }"

    activities = (await api.data(query, token=api.token("member", member="mbr_demo_ada")))[
        "program"
    ]["activities"]

    assert {"kind": "REVIEW", "points": 50, "times": 3, "per": "month", "qualifying": False} in (
        activities
    )
    assert {a["kind"] for a in activities} >= {"SURVEY", "APP_LOGIN", "BIRTHDAY"}
