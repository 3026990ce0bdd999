"""Each journey end to end: a GraphQL event (or the clock) → the journey's decision → the
worker's jobs → the provider. The embedded default runs the jobs in-process and hands every
channel to the sent-messages provider, which keeps what it was given, keyed by message id."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from domain.events import MemberChanged
from domain.ledger import EntryKind
from tests.conftest import Api
from tests.integration.graphql import MEMBER, USE, by_id, countdown
from tests.integration.messaging import (
    consents,
    delivered,
    joined,
    message_for,
    status,
    worker_ran,
)
from tests.integration.steps import bought, redeemed

DAY = timedelta(days=1)


async def test_welcome_goes_out_on_enrolment_with_the_member_view_numbers(api: Api) -> None:
    # given a customer who joins on the web with an email address
    dana = await joined(api, "Dana", ("EMAIL", "dana@example.com"))
    # when the worker runs
    await worker_ran(api)
    # then one welcome went out by email, rendered from the member as it stands
    welcome = await message_for(api, dana["id"], "WELCOME")
    assert status(welcome) == ("SENT", "EMAIL")
    copy = await delivered(api, welcome["_id"])
    assert copy is not None
    assert copy["to"] == "dana@example.com"
    assert copy["subject"] == "Welcome to Tessera Demo Rewards, Dana"
    assert "You are Bronze and have 0 points." in copy["body"]
    assert "150 points to Free coffee." in copy["body"]
    assert copy["member_version"] == welcome["rendered_version"] == dana["version"]


async def test_purchase_receipt_shows_what_the_app_shows(api: Api, clock: SettableClock) -> None:
    # given a member welcomed yesterday
    eli = await joined(api, "Eli", ("EMAIL", "eli@example.com"))
    await worker_ran(api)
    clock.advance(DAY)
    # when they buy for 120 EUR
    await bought(api, eli["id"], "o-eli-1", "120")
    await worker_ran(api)
    # then the receipt carries the points, the new balance and the next-reward countdown,
    # the same as the member view the app reads, at the same version
    receipt = await message_for(api, eli["id"], "PURCHASE_RECEIPT")
    assert status(receipt) == ("SENT", "EMAIL")
    copy = await delivered(api, receipt["_id"])
    assert copy is not None
    view = (await api.data(MEMBER, {"ref": by_id(eli["id"])}))["member"]
    next_reward = countdown(view, "NEXT_REWARD")
    assert next_reward is not None
    assert copy["subject"] == "You earned 120 points"
    assert f"Your balance is now {view['balance']} points." in copy["body"]
    assert f"{next_reward['label']}." in copy["body"]
    assert copy["member_version"] == view["version"] == receipt["rendered_version"]


async def test_tier_upgrade_celebrates_and_carries_the_receipt(
    api: Api, clock: SettableClock
) -> None:
    # given a Bronze member welcomed yesterday
    fay = await joined(api, "Fay", ("EMAIL", "fay@example.com"))
    await worker_ran(api)
    clock.advance(DAY)
    # when one purchase earns enough for Silver (the receipt and the upgrade compete)
    await bought(api, fay["id"], "o-fay-1", "1000")
    await worker_ran(api)
    # then one message goes: the celebration wins and the receipt rides along inside it
    upgrade = await message_for(api, fay["id"], "TIER_UPGRADE")
    receipt = await message_for(api, fay["id"], "PURCHASE_RECEIPT")
    assert status(upgrade) == ("SENT", "EMAIL")
    assert (receipt["status"], receipt["suppressed_reason"]) == ("SUPPRESSED", "MERGED")
    assert receipt["suppressed_detail"] == f"carried by message {upgrade['_id']}"
    assert await delivered(api, receipt["_id"]) is None
    copy = await delivered(api, upgrade["_id"])
    assert copy is not None
    assert copy["subject"] == "You are now Silver!"
    assert "Order o-fay-1 earned 1000 points; your balance is 1000 points." in copy["body"]


async def test_voucher_reminder_goes_before_expiry(api: Api, clock: SettableClock) -> None:
    # given a member holding a coffee voucher valid 30 days
    hal = await joined(api, "Hal", ("EMAIL", "hal@example.com"))
    await bought(api, hal["id"], "o-hal-1", "200")
    voucher = (await redeemed(api, hal["id"], "coffee", "redeem-hal"))["memberReward"]
    await worker_ran(api)
    # when 24 days pass (the demo reminds 7 days before)
    clock.advance(24 * DAY)
    await worker_ran(api)
    # then the reminder names the voucher and its expiry date
    reminder = await message_for(api, hal["id"], "REWARD_EXPIRY_REMINDER")
    assert status(reminder) == ("SENT", "EMAIL")
    copy = await delivered(api, reminder["_id"])
    assert copy is not None
    assert voucher["code"] in copy["body"]
    assert "14 February 2026" in copy["subject"]


async def test_voucher_used_in_store_cancels_the_waiting_reminder(
    api: Api, clock: SettableClock
) -> None:
    # given a voucher whose reminder became due late in the evening, so it waits for morning
    ivy = await joined(api, "Ivy", ("EMAIL", "ivy@example.com"))
    await bought(api, ivy["id"], "o-ivy-1", "200")
    voucher = (await redeemed(api, ivy["id"], "coffee", "redeem-ivy"))["memberReward"]
    await worker_ran(api)
    clock.advance(24 * DAY + timedelta(hours=11))  # 21:00 UTC, 22:00 in Paris
    await worker_ran(api)
    reminder = await message_for(api, ivy["id"], "REWARD_EXPIRY_REMINDER")
    assert status(reminder) == ("PENDING", None)
    # when the member uses the voucher at the till that evening
    used = await api.data(
        USE,
        {"input": {"code": voucher["code"], "channel": "POS", "storeId": "store-001"}},
        api.pos,
    )
    assert used["useReward"]["__typename"] == "RewardUsed", used
    await worker_ran(api)
    # then the reminder is dropped at once, saying why, and never sent in the morning
    reminder = await message_for(api, ivy["id"], "REWARD_EXPIRY_REMINDER")
    assert (reminder["status"], reminder["suppressed_reason"]) == ("SUPPRESSED", "REASON_GONE")
    assert reminder["suppressed_detail"] == f"voucher {voucher['code']} was used in store-001"
    clock.advance(timedelta(hours=11))
    await worker_ran(api)
    assert await delivered(api, reminder["_id"]) is None


async def test_points_expiry_reminder_and_the_expiry_itself(api: Api, clock: SettableClock) -> None:
    # given a member whose 80 points expire 12 months after the purchase
    jo = await joined(api, "Jo", ("EMAIL", "jo@example.com"))
    await bought(api, jo["id"], "o-jo-1", "80")
    await worker_ran(api)
    # when 11 months pass (the demo reminds 30 days before)
    clock.advance(340 * DAY)
    await worker_ran(api)
    # then the reminder says how many points expire and when
    reminder = await message_for(api, jo["id"], "POINTS_EXPIRY_REMINDER")
    assert status(reminder) == ("SENT", "EMAIL")
    copy = await delivered(api, reminder["_id"])
    assert copy is not None
    assert copy["subject"] == "80 points expire on 15 January 2027"
    # and when the day passes, the cron expires them and every surface hears EXPIRED,
    # without anyone reading the member first
    clock.advance(26 * DAY)
    async with api.tessera.bus.listen() as heard:
        await worker_ran(api)
        events = [heard.get_nowait() for _ in range(heard.qsize())]
    expired = [
        e
        for e in events
        if isinstance(e, MemberChanged) and e.member_id == jo["id"] and e.cause is EntryKind.EXPIRED
    ]
    assert len(expired) == 1
    doc = await api.tessera.collections.members.find_one({"_id": jo["id"]})
    assert doc is not None and doc["batches"] == [] and doc["version"] == expired[0].version


async def test_win_back_for_a_lapsed_member_who_opted_in(api: Api, clock: SettableClock) -> None:
    # given two members who bought once: one opted in to marketing email, one never said
    kim = await joined(api, "Kim", ("EMAIL", "kim@example.com"))
    lou = await joined(api, "Lou", ("EMAIL", "lou@example.com"))
    await consents(api, kim["id"], EMAIL="OPTED_IN")
    for member in (kim, lou):
        await bought(api, member["id"], f"o-{member['id']}", "30")
    await worker_ran(api)
    # when 100 days pass without an order (the churn score crosses 0.6)
    clock.advance(100 * DAY)
    await worker_ran(api)
    clock.advance(DAY)
    await worker_ran(api)  # scored again the next day: still one win-back
    # then the opted-in member is won back by email, the other is not contacted
    kim_back = await message_for(api, kim["id"], "WIN_BACK")
    assert status(kim_back) == ("SENT", "EMAIL")
    copy = await delivered(api, kim_back["_id"])
    assert copy is not None and copy["subject"] == "We miss you, Kim"
    lou_back = await message_for(api, lou["id"], "WIN_BACK")
    assert (lou_back["status"], lou_back["suppressed_reason"]) == ("SUPPRESSED", "NO_CHANNEL")
    # and the app shows both of them the "we miss you" module
    flags = "query($ref: MemberRef!) { member(ref: $ref) { engagement { weMissYou } } }"
    for lapsed in (kim, lou):
        shown = await api.data(flags, {"ref": by_id(lapsed["id"])})
        assert shown["member"]["engagement"]["weMissYou"] is True
