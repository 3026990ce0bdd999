"""setPreferences: the member's time zone (quiet hours are theirs) and the order of channels
they want; a bad value is refused and changes nothing."""

from __future__ import annotations

from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import by_id
from tests.integration.messaging import (
    LATE_EVENING,
    UNTIL_MORNING,
    joined,
    message_for,
    status,
    worker_ran,
)
from tests.integration.messaging_documents import MESSAGING, SET_PREFERENCES


def preferences(member_id: str, **fields: Any) -> dict[str, Any]:
    return {"input": {"member": by_id(member_id), **fields}}


async def shown(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(MESSAGING, {"ref": by_id(member_id)}))["member"][
        "messaging"
    ]
    return found


async def test_a_member_sets_time_zone_and_channel_order(api: Api) -> None:
    ben = api.token("member", member="mbr_demo_ben")

    payload = (
        await api.data(
            SET_PREFERENCES,
            preferences(
                "mbr_demo_ben", timeZone="America/New_York", preferredChannels=["PUSH", "EMAIL"]
            ),
            ben,
        )
    )["setPreferences"]

    assert payload["__typename"] == "PreferencesChanged"
    assert payload["messaging"]["timeZone"] == "America/New_York"
    assert payload["messaging"]["preferredChannels"] == ["PUSH", "EMAIL"]
    assert await shown(api, "mbr_demo_ben") == payload["messaging"]


async def test_what_is_not_given_stays_and_an_empty_order_clears(api: Api) -> None:
    # given a time zone and an order of channels
    await api.data(
        SET_PREFERENCES,
        preferences("mbr_demo_ada", timeZone="Asia/Tokyo", preferredChannels=["SMS"]),
    )
    # when only the order is cleared
    await api.data(SET_PREFERENCES, preferences("mbr_demo_ada", preferredChannels=[]))
    # then the time zone is still there
    after = await shown(api, "mbr_demo_ada")
    assert (after["timeZone"], after["preferredChannels"]) == ("Asia/Tokyo", [])


async def test_bad_values_are_refused_and_change_nothing(api: Api) -> None:
    # given Chloé in Paris, wanting email first
    await api.data(
        SET_PREFERENCES,
        preferences("mbr_demo_chloe", timeZone="Europe/Paris", preferredChannels=["EMAIL"]),
    )
    before = await shown(api, "mbr_demo_chloe")
    # when a zone the tz database does not know, an absurd one, and a channel twice come in
    # (each with an otherwise valid change alongside)
    mars = (
        await api.data(
            SET_PREFERENCES,
            preferences("mbr_demo_chloe", timeZone="Mars/Olympus_Mons", preferredChannels=["SMS"]),
        )
    )["setPreferences"]
    huge = (
        await api.data(SET_PREFERENCES, preferences("mbr_demo_chloe", timeZone="Europe/" * 2000))
    )["setPreferences"]
    twice = (
        await api.data(
            SET_PREFERENCES,
            preferences("mbr_demo_chloe", timeZone="Asia/Tokyo", preferredChannels=["SMS", "SMS"]),
        )
    )["setPreferences"]
    # then each is an error on its field, and nothing changed
    assert (mars["code"], mars["field"]) == ("INVALID_INPUT", "timeZone")
    assert (huge["code"], huge["field"]) == ("INVALID_INPUT", "timeZone")
    assert (twice["code"], twice["field"]) == ("INVALID_INPUT", "preferredChannels")
    assert await shown(api, "mbr_demo_chloe") == before


async def test_only_the_own_member_or_the_call_center(api: Api) -> None:
    variables = preferences("mbr_demo_ben", timeZone="Asia/Tokyo")
    ada = api.token("member", member="mbr_demo_ada")

    assert await api.error_code(SET_PREFERENCES, variables, ada) == "FORBIDDEN"
    assert await api.error_code(SET_PREFERENCES, variables, api.pos) == "FORBIDDEN"
    done = (await api.data(SET_PREFERENCES, variables, api.callcenter))["setPreferences"]
    assert done["messaging"]["timeZone"] == "Asia/Tokyo"


async def test_the_preferred_channel_is_tried_first(api: Api, clock: SettableClock) -> None:
    # given a member with email and the app, who joins late in the evening (the welcome waits
    # for the morning) and says they want the app first
    clock.advance(LATE_EVENING)
    lou = await joined(api, "Lou", ("EMAIL", "lou@example.com"), ("APP_DEVICE", "device-lou"))
    await api.data(SET_PREFERENCES, preferences(lou["id"], preferredChannels=["PUSH", "EMAIL"]))
    # when the welcome goes out
    clock.advance(UNTIL_MORNING)
    await worker_ran(api)
    # then it goes by push, although the program lists email first
    assert status(await message_for(api, lou["id"], "WELCOME")) == ("SENT", "PUSH")
