"""member.greeting through the API, on both stores: what the till and the store screen greet
a member with, as the clock moves and the member buys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import START, Api
from tests.integration.graphql import by_id
from tests.integration.steps import bought

ENROLL = """mutation($input: EnrollMemberInput!) { enrollMember(input: $input) {
  __typename ... on MemberEnrolled { member { id } } } }"""
CUES = """query($ref: MemberRef!) { member(ref: $ref) { tier { code } greeting {
  newMember birthdayWeek winBack tierReachedAt tierChangedRecently } } }"""


async def cues(api: Api, member_id: str) -> dict[str, Any]:
    data = await api.data(CUES, {"ref": by_id(member_id)}, api.pos)
    found: dict[str, Any] = data["member"]
    return found


async def test_greeting_cues_follow_the_member_and_the_clock(
    api: Api, clock: SettableClock
) -> None:
    # given Gia, enrolled at the till today, her birthday tomorrow (same week)
    enrolled = await api.data(
        ENROLL,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": "gia@example.com"}],
                "displayName": "Gia",
                "channel": "POS",
                "birthday": (START + timedelta(days=1)).date().replace(year=1990).isoformat(),
            }
        },
        api.pos,
    )
    gia = enrolled["enrollMember"]["member"]["id"]
    first = await cues(api, gia)
    # when she buys enough for Silver, then three weeks pass, then four months more
    await bought(api, gia, "o-gia-1", "1200.00")
    upgraded = await cues(api, gia)
    clock.advance(timedelta(days=21))
    weeks_later = await cues(api, gia)
    clock.advance(timedelta(days=120))
    months_later = await cues(api, gia)

    # then she is new in her birthday week, celebrated on reaching Silver, then neither,
    # and once quiet for months, one to welcome back
    assert first["greeting"] == {
        "newMember": True,
        "birthdayWeek": True,
        "winBack": False,
        "tierReachedAt": None,
        "tierChangedRecently": False,
    }
    assert upgraded["tier"] == {"code": "SILVER"}
    assert upgraded["greeting"]["tierChangedRecently"] is True
    assert upgraded["greeting"]["tierReachedAt"].startswith(START.date().isoformat())
    assert weeks_later["greeting"] == {
        **upgraded["greeting"],
        "birthdayWeek": False,
        "tierChangedRecently": False,
    }
    assert months_later["greeting"]["newMember"] is False
    assert months_later["greeting"]["winBack"] is True
