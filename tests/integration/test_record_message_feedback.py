"""recordMessageFeedback: a provider reports what became of a sent message; the message
moves up its delivery ladder and the member's engagement on the channel learns from it.
Reports repeat and arrive out of order: that must be harmless."""

from __future__ import annotations

import asyncio

from domain.messaging.channels import estimate
from domain.messaging.journeys import MessageChannel
from tests.conftest import Api
from tests.integration.graphql import LINK
from tests.integration.messaging import joined, message_for, worker_ran
from tests.integration.messaging_documents import (
    FEEDBACK,
    email_engagement,
    feedback,
    stored,
    welcome_sent,
)
from tests.integration.test_link_identifier import link


async def test_delivery_then_open_move_the_message_up_and_teach_the_channel(api: Api) -> None:
    # given a welcome email that went out
    member_id, message_id = await welcome_sent(api, "Ana", "ana@example.com")
    provider = api.token("provider")
    before = await stored(api, member_id)
    # when the provider reports it delivered, then opened
    delivered = (await api.data(FEEDBACK, feedback(message_id, "DELIVERED"), provider))[
        "recordMessageFeedback"
    ]
    assert email_engagement(await stored(api, member_id)) == (0, 1, 0)  # delivered, not opened
    opened = (await api.data(FEEDBACK, feedback(message_id, "OPENED"), provider))[
        "recordMessageFeedback"
    ]
    # then the message shows the furthest step, and the open counts as engagement
    assert delivered["sentMessage"]["delivery"] == "DELIVERED"
    assert opened["__typename"] == "FeedbackRecorded"
    assert opened["sentMessage"]["id"] == message_id
    assert (opened["sentMessage"]["status"], opened["sentMessage"]["delivery"]) == (
        "SENT",
        "OPENED",
    )
    after = await stored(api, member_id)
    assert email_engagement(after) == (1, 0, 0)
    policy = api.tessera.messaging.policy
    email = next(e for e in after.engagement if e.channel is MessageChannel.EMAIL)
    assert estimate(email, policy) > policy.prior(MessageChannel.EMAIL).mean
    assert before.engagement == ()


async def test_repeated_and_late_reports_change_nothing(api: Api) -> None:
    # given a welcome email reported opened
    member_id, message_id = await welcome_sent(api, "Bo", "bo@example.com")
    await api.data(FEEDBACK, feedback(message_id, "OPENED"))
    # when the open comes again, and the delivery report arrives late
    again = (await api.data(FEEDBACK, feedback(message_id, "OPENED")))["recordMessageFeedback"]
    late = (await api.data(FEEDBACK, feedback(message_id, "DELIVERED")))["recordMessageFeedback"]
    # then both succeed, the message stays opened, and the open counted once
    assert (again["sentMessage"]["delivery"], late["sentMessage"]["delivery"]) == (
        "OPENED",
        "OPENED",
    )
    assert email_engagement(await stored(api, member_id)) == (1, 0, 0)
    # and a click still moves it up, without counting the member twice
    clicked = (await api.data(FEEDBACK, feedback(message_id, "CLICKED")))["recordMessageFeedback"]
    assert clicked["sentMessage"]["delivery"] == "CLICKED"
    assert email_engagement(await stored(api, member_id)) == (1, 0, 0)


async def test_reports_racing_each_other_count_once(api: Api) -> None:
    # given a welcome email
    member_id, message_id = await welcome_sent(api, "Cy", "cy@example.com")
    # when five reports arrive at once, in no particular order
    outcomes = ["OPENED", "DELIVERED", "CLICKED", "DELIVERED", "OPENED"]
    answers = await asyncio.gather(*(api.data(FEEDBACK, feedback(message_id, o)) for o in outcomes))
    # then every one is answered, the message ends clicked, and it counts as one engaged
    assert all(a["recordMessageFeedback"]["__typename"] == "FeedbackRecorded" for a in answers)
    final = (await api.data(FEEDBACK, feedback(message_id, "DELIVERED")))["recordMessageFeedback"]
    assert final["sentMessage"]["delivery"] == "CLICKED"
    assert email_engagement(await stored(api, member_id)) == (1, 0, 0)


async def test_a_bounce_counts_against_the_address(api: Api) -> None:
    member_id, message_id = await welcome_sent(api, "Di", "di@example.com")

    bounced = (await api.data(FEEDBACK, feedback(message_id, "BOUNCED")))["recordMessageFeedback"]

    assert bounced["sentMessage"]["delivery"] == "BOUNCED"
    assert email_engagement(await stored(api, member_id)) == (0, 0, 1)


async def test_a_new_address_wipes_the_bounces_of_the_old_one(api: Api) -> None:
    # given a member whose email bounced
    member_id, message_id = await welcome_sent(api, "Eve", "eve@example.com")
    await api.data(FEEDBACK, feedback(message_id, "BOUNCED"))
    assert email_engagement(await stored(api, member_id)) == (0, 0, 1)
    # when the call center links a phone: the email's bounce still counts
    await api.data(LINK, link(member_id, "PHONE", "+33612345678"), api.callcenter)
    await worker_ran(api)
    assert email_engagement(await stored(api, member_id)) == (0, 0, 1)
    # and when it links a new email address
    linked = await api.data(LINK, link(member_id, "EMAIL", "eve@new.example.com"), api.callcenter)
    assert linked["linkIdentifier"]["__typename"] == "IdentifierLinked"
    await worker_ran(api)
    # then the old address's bounces no longer count against email
    assert email_engagement(await stored(api, member_id)) == (0, 0, 0)


async def test_reports_on_unknown_or_unsent_messages_are_typed_errors(api: Api) -> None:
    # given a member with no address a welcome could use: the welcome is suppressed
    fay = await joined(api, "Fay", ("POS_CARD", "4000-0000-0042"))
    await worker_ran(api)
    held = await message_for(api, fay["id"], "WELCOME")
    _, sent_id = await welcome_sent(api, "Gus", "gus@example.com")

    unknown = (await api.data(FEEDBACK, feedback("msg_nope", "OPENED")))["recordMessageFeedback"]
    unsent = (await api.data(FEEDBACK, feedback(held["_id"], "OPENED")))["recordMessageFeedback"]
    sent = (await api.data(FEEDBACK, feedback(sent_id, "SENT")))["recordMessageFeedback"]
    blank = (await api.data(FEEDBACK, feedback("  ", "OPENED")))["recordMessageFeedback"]

    assert held["status"] == "SUPPRESSED"
    assert unknown["__typename"] == "MessageNotFound"
    assert (unsent["__typename"], unsent["code"]) == ("MessageNotSent", "MESSAGE_NOT_SENT")
    assert (sent["code"], sent["field"]) == ("INVALID_INPUT", "outcome")
    assert (blank["code"], blank["field"]) == ("INVALID_INPUT", "messageId")
    assert (await api.tessera.messaging.messages.get(held["_id"])) is not None


async def test_only_providers_and_admins_report_feedback(api: Api) -> None:
    _, message_id = await welcome_sent(api, "Hal", "hal@example.com")
    variables = feedback(message_id, "DELIVERED")

    assert await api.error_code(FEEDBACK, variables, api.callcenter) == "FORBIDDEN"
    assert await api.error_code(FEEDBACK, variables, api.pos) == "FORBIDDEN"
    member = api.token("member", member="mbr_demo_ada")
    assert await api.error_code(FEEDBACK, variables, member) == "FORBIDDEN"
    skyways = api.token("partner", partner="skyways")  # by id, from its manifest
    assert await api.error_code(FEEDBACK, variables, skyways) == "FORBIDDEN"
    answer = (await api.data(FEEDBACK, variables, api.token("provider")))["recordMessageFeedback"]
    assert answer["sentMessage"]["delivery"] == "DELIVERED"
