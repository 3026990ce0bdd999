"""messages(member:): the call center sees every message to a member, newest first: what it
said, on which channel, what the provider reported, and why one was held back."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import by_id, email
from tests.integration.messaging import joined, worker_ran
from tests.integration.messaging_documents import FEEDBACK, MESSAGES, feedback
from tests.integration.steps import bought

DAY = timedelta(days=1)


async def test_messages_page_newest_first(api: Api, clock: SettableClock) -> None:
    # given a member welcomed, then sent a receipt on each of the next two days
    ivy = await joined(api, "Ivy", ("EMAIL", "ivy@example.com"))
    await worker_ran(api)
    for order in ("o-ivy-1", "o-ivy-2"):
        clock.advance(DAY)
        await bought(api, ivy["id"], order, "20")
        await worker_ran(api)
    # when the call center reads them two at a time
    first = (await api.data(MESSAGES, {"member": by_id(ivy["id"]), "first": 2}, api.callcenter))[
        "messages"
    ]
    after = first["pageInfo"]["endCursor"]
    rest = (
        await api.data(
            MESSAGES,
            {"member": email("ivy@example.com"), "first": 2, "after": after},
            api.callcenter,
        )
    )["messages"]
    # then the newest come first, and the second page ends the list
    nodes = [e["node"] for e in first["edges"] + rest["edges"]]
    assert [n["journey"] for n in nodes] == ["PURCHASE_RECEIPT", "PURCHASE_RECEIPT", "WELCOME"]
    assert [n["createdAt"] for n in nodes] == sorted((n["createdAt"] for n in nodes), reverse=True)
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    welcome = nodes[-1]
    assert (welcome["status"], welcome["channel"], welcome["memberId"]) == (
        "SENT",
        "EMAIL",
        ivy["id"],
    )
    assert welcome["subject"] == "Welcome to Tessera Demo Rewards, Ivy"
    assert welcome["sentAt"] is not None and welcome["delivery"] == "SENT"
    assert welcome["renderedVersion"] == ivy["version"]
    assert [a["outcome"] for a in welcome["attempts"]] == ["SENT"]


async def test_a_held_message_says_why(api: Api) -> None:
    # given a member with only a store card: no channel a welcome could use
    jo = await joined(api, "Jo", ("POS_CARD", "4000-0000-0077"), channel="POS")
    await worker_ran(api)
    # when the call center looks
    page = (await api.data(MESSAGES, {"member": by_id(jo["id"]), "first": 5}, api.callcenter))[
        "messages"
    ]
    # then the welcome is there, suppressed, with the reason and what it means
    [welcome] = [e["node"] for e in page["edges"]]
    assert (welcome["status"], welcome["suppressedReason"]) == ("SUPPRESSED", "NO_CHANNEL")
    assert welcome["detail"]
    assert (welcome["subject"], welcome["sentAt"], welcome["delivery"]) == (None, None, None)


async def test_provider_feedback_shows_in_the_list(api: Api) -> None:
    kim = await joined(api, "Kim", ("EMAIL", "kim@example.com"))
    await worker_ran(api)
    page = (await api.data(MESSAGES, {"member": by_id(kim["id"]), "first": 1}))["messages"]
    message_id = page["edges"][0]["node"]["id"]

    await api.data(FEEDBACK, feedback(message_id, "CLICKED"))

    again = (await api.data(MESSAGES, {"member": by_id(kim["id"]), "first": 1}))["messages"]
    assert again["edges"][0]["node"]["delivery"] == "CLICKED"


async def test_bad_pages_and_unknown_members_are_client_errors(api: Api) -> None:
    ben = by_id("mbr_demo_ben")
    cases = [
        {"member": ben, "first": 2, "after": "not-a-cursor"},
        {"member": ben, "first": 2, "after": "OTk5OTk5OTk5OTk5OTk5OTk5OTl8eA=="},  # year 10^10
        {"member": ben, "first": 1000},
        {"member": ben, "first": -1},
        {"member": email("nobody@example.com"), "first": 2},
        {"member": {}, "first": 2},
    ]

    for variables in cases:
        assert await api.error_code(MESSAGES, variables, api.callcenter) == "BAD_USER_INPUT"


async def test_only_staff_behind_the_scenes_see_messages(api: Api) -> None:
    variables = {"member": by_id("mbr_demo_ben"), "first": 5}
    ben = api.token("member", member="mbr_demo_ben")

    assert await api.error_code(MESSAGES, variables, ben) == "FORBIDDEN"
    assert await api.error_code(MESSAGES, variables, api.pos) == "FORBIDDEN"
    assert await api.error_code(MESSAGES, variables, api.token("provider")) == "FORBIDDEN"
    seen = (await api.data(MESSAGES, variables, api.callcenter))["messages"]["edges"]
    assert "WELCOME" in {e["node"]["journey"] for e in seen}  # the demo load welcomed Ben
