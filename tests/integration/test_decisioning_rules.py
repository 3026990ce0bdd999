"""The rules every message passes, end to end through the worker: consent, quiet hours in
the member's own zone, frequency caps, and the channel choice that learns from feedback.
The demo program: quiet 21:00-08:00, EMAIL 1 a day, all channels 2 a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.clock import SettableClock
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.journeys import MessageChannel
from tests.conftest import START, Api
from tests.integration.messaging import (
    consents,
    delivered,
    joined,
    message_for,
    messages_of,
    status,
    worker_ran,
)
from tests.integration.steps import bought, redeemed

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
EMAIL, PUSH = MessageChannel.EMAIL, MessageChannel.PUSH


async def test_an_opt_out_moves_the_message_to_another_channel(
    api: Api, clock: SettableClock
) -> None:
    # given a member with email and the app, who opts out of email after the welcome
    mo = await joined(api, "Mo", ("EMAIL", "mo@example.com"), ("APP_DEVICE", "device-mo"))
    await worker_ran(api)
    await consents(api, mo["id"], EMAIL="OPTED_OUT")
    clock.advance(DAY)
    # when they buy
    await bought(api, mo["id"], "o-mo-1", "25")
    await worker_ran(api)
    # then the receipt goes to the app, not by email
    receipt = await message_for(api, mo["id"], "PURCHASE_RECEIPT")
    assert status(receipt) == ("SENT", "PUSH")
    copy = await delivered(api, receipt["_id"])
    assert copy is not None and copy["to"] == "device-mo"


async def test_a_member_who_opted_out_of_sms_never_gets_sms(api: Api, clock: SettableClock) -> None:
    # given two members reachable only by phone, holding vouchers; one opted out of SMS
    nia = await joined(api, "Nia", ("PHONE", "+33655501234"))
    oz = await joined(api, "Oz", ("PHONE", "+33655505678"))
    await consents(api, nia["id"], SMS="OPTED_OUT")
    for member in (nia, oz):
        await bought(api, member["id"], f"o-{member['id']}", "200")
        await redeemed(api, member["id"], "coffee", f"redeem-{member['id']}")
    await worker_ran(api)
    # when the voucher reminders fall due
    clock.advance(24 * DAY)
    await worker_ran(api)
    # then the one who said no is not texted; the other is
    nia_reminder = await message_for(api, nia["id"], "REWARD_EXPIRY_REMINDER")
    assert (nia_reminder["status"], nia_reminder["suppressed_reason"]) == (
        "SUPPRESSED",
        "NO_CHANNEL",
    )
    assert await delivered(api, nia_reminder["_id"]) is None
    oz_reminder = await message_for(api, oz["id"], "REWARD_EXPIRY_REMINDER")
    assert status(oz_reminder) == ("SENT", "SMS")
    sms = await api.tessera.collections.sent.find({"channel": "SMS"}).to_list(None)
    assert [s["to"] for s in sms] == ["+33655505678"]


async def test_quiet_hours_follow_each_members_own_time_zone(
    api: Api, clock: SettableClock
) -> None:
    # given a member in Paris (the program's default zone) and one in New York
    paris = await joined(api, "Pia", ("EMAIL", "pia@example.com"))
    york = await joined(api, "Ned", ("EMAIL", "ned@example.com"))
    await worker_ran(api)
    await api.tessera.messaging.profiles.set_preferences(york["id"], "America/New_York", None)
    # when both buy at 20:30 UTC the next day: 21:30 in Paris, 15:30 in New York
    clock.current = datetime(2026, 1, 16, 20, 30, tzinfo=UTC)
    await bought(api, paris["id"], "o-pia-1", "30")
    await bought(api, york["id"], "o-ned-1", "30")
    await worker_ran(api)
    # then New York gets the receipt now; Paris's waits (deferred, not dropped) until 08:00
    assert status(await message_for(api, york["id"], "PURCHASE_RECEIPT")) == ("SENT", "EMAIL")
    waiting = await message_for(api, paris["id"], "PURCHASE_RECEIPT")
    assert status(waiting) == ("PENDING", None)
    morning = datetime(2026, 1, 17, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert waiting["not_before"].replace(tzinfo=UTC) == morning
    assert (waiting["deferred_reason"], waiting["decision"]) == (
        "QUIET_HOURS",
        "quiet hours in Europe/Paris",
    )
    clock.current = morning
    await worker_ran(api)
    assert status(await message_for(api, paris["id"], "PURCHASE_RECEIPT")) == ("SENT", "EMAIL")


async def test_the_email_cap_defers_the_second_email_of_the_day(
    api: Api, clock: SettableClock
) -> None:
    # given a member reachable only by email, welcomed at 10:00
    pat = await joined(api, "Pat", ("EMAIL", "pat@example.com"))
    await worker_ran(api)
    # when they buy two hours later (EMAIL: 1 a day)
    clock.advance(2 * HOUR)
    await bought(api, pat["id"], "o-pat-1", "30")
    await worker_ran(api)
    # then the receipt waits until the welcome leaves the 24-hour window, then goes
    receipt = await message_for(api, pat["id"], "PURCHASE_RECEIPT")
    assert status(receipt) == ("PENDING", None)
    assert receipt["not_before"].replace(tzinfo=UTC) == START + DAY
    assert (receipt["deferred_reason"], receipt["decision"]) == (
        "FREQUENCY_CAP",
        "cap reached: EMAIL 1 per day",
    )
    clock.current = START + DAY
    await worker_ran(api)
    assert status(await message_for(api, pat["id"], "PURCHASE_RECEIPT")) == ("SENT", "EMAIL")


async def test_the_cap_across_channels_holds_a_third_message(
    api: Api, clock: SettableClock
) -> None:
    # given a member with email and the app: welcome by email, then a receipt by push
    quin = await joined(api, "Quin", ("EMAIL", "quin@example.com"), ("APP_DEVICE", "dev-q"))
    await worker_ran(api)
    clock.advance(HOUR)
    await bought(api, quin["id"], "o-quin-1", "30")
    await worker_ran(api)
    assert status(await message_for(api, quin["id"], "PURCHASE_RECEIPT")) == ("SENT", "PUSH")
    # when a second purchase comes an hour later (all channels: 2 a day)
    clock.advance(HOUR)
    await bought(api, quin["id"], "o-quin-2", "30")
    await worker_ran(api)
    # then its receipt waits for the day window, whichever channel
    second = [m for m in await messages_of(api, quin["id"]) if "o-quin-2" in m["key"]]
    assert [status(m) for m in second] == [("PENDING", None)]
    assert second[0]["not_before"].replace(tzinfo=UTC) == START + DAY
    assert "all channels 2 per day" in second[0]["decision"]
    assert (
        len(await api.tessera.collections.sent.find({"member_id": quin["id"]}).to_list(None)) == 2
    )


async def test_channel_choice_follows_what_the_member_engages_with(
    api: Api, clock: SettableClock
) -> None:
    # given a new member: the prior favours email (3 in 10 opened) over push (2 in 10)
    rae = await joined(api, "Rae", ("EMAIL", "rae@example.com"), ("APP_DEVICE", "dev-rae"))
    await worker_ran(api)
    assert status(await message_for(api, rae["id"], "WELCOME")) == ("SENT", "EMAIL")
    # and feedback since: four emails delivered but never opened, two pushes opened
    profiles = api.tessera.messaging.profiles
    for _ in range(4):
        await profiles.record_outcome(rae["id"], EMAIL, None, DeliveryOutcome.DELIVERED)
    for _ in range(2):
        await profiles.record_outcome(rae["id"], PUSH, None, DeliveryOutcome.OPENED)
    clock.advance(DAY)
    # when the next message is due
    await bought(api, rae["id"], "o-rae-1", "30")
    await worker_ran(api)
    # then it goes where the member reads: push estimate (2+2)/(10+2) beats email 3/(10+4)
    receipt = await message_for(api, rae["id"], "PURCHASE_RECEIPT")
    assert status(receipt) == ("SENT", "PUSH")
    assert receipt["attempts"][0]["channel"] == "PUSH"
    assert receipt["decision"] == "PUSH: engagement 0.33"
