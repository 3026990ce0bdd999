"""The tier-downgrade warning end to end, on both stores: purchases through GraphQL, the clock
moved to 30 days (the demo's lead_days) before `requalifyBy`, the daily pass, the worker, and
the sent-messages provider: sent once, with the points still needed; not sent to a member who
requalified after it was decided."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from tests.conftest import START, Api
from tests.integration.messaging import (
    LATE_EVENING,
    UNTIL_MORNING,
    delivered,
    joined,
    message_for,
    status,
    worker_ran,
)
from tests.integration.steps import bought, member

DAY = timedelta(days=1)
WARNING = "TIER_WILL_DOWNGRADE"


async def test_a_member_short_of_silver_is_warned_once_with_the_points_still_needed(
    api: Api, clock: SettableClock
) -> None:
    # given a member who reached SILVER with 1000 points (they do not count again to keep
    # it) and earned 400 qualifying points since (320 EUR at x1.25)
    max_ = await joined(api, "Max", ("EMAIL", "max@example.com"))
    await bought(api, max_["id"], "o-max-1", "1000.00")
    await worker_ran(api)
    clock.advance(60 * DAY)
    await bought(api, max_["id"], "o-max-2", "320.00")
    await worker_ran(api)
    seen = await member(api, max_["id"])
    assert seen["tier"]["code"] == "SILVER"
    assert seen["tierProgress"]["requalifyBy"].startswith("2027-01-15")
    # when the clock reaches 30 days before requalifyBy, and the daily pass runs
    clock.advance(START + 336 * DAY - clock.now())
    await worker_ran(api)
    clock.advance(DAY)
    await worker_ran(api)  # the next day's pass finds the same warning: still one message
    # then one warning went out, saying the 600 points still needed and by when
    warning = await message_for(api, max_["id"], WARNING)
    assert status(warning) == ("SENT", "EMAIL")
    copy = await delivered(api, warning["_id"])
    assert copy is not None
    assert copy["subject"] == "600 points to keep Silver"
    assert "Earn 600 more qualifying points by then" in copy["body"]
    assert "on 15 January 2027" in copy["body"]
    assert "you will move to Bronze" in copy["body"]


async def test_a_member_who_requalifies_before_the_warning_goes_out_gets_nothing(
    api: Api, clock: SettableClock
) -> None:
    # given a SILVER member short of the 1000 points to keep it
    ivy = await joined(api, "Ivy", ("EMAIL", "ivy@example.com"))
    await bought(api, ivy["id"], "o-ivy-1", "1000.00")
    await worker_ran(api)
    # when the daily pass finds the warning late in a Paris evening (quiet hours: it waits)
    clock.advance(START + 336 * DAY - clock.now() + LATE_EVENING)
    await worker_ran(api)
    waiting = await message_for(api, ivy["id"], WARNING)
    assert waiting["status"] == "PENDING"
    # and the member buys enough to keep SILVER before morning
    await bought(api, ivy["id"], "o-ivy-2", "1000.00")
    await worker_ran(api)
    clock.advance(UNTIL_MORNING)
    await worker_ran(api)
    # then the warning is not sent: its reason is gone
    dropped = await message_for(api, ivy["id"], WARNING)
    assert (dropped["status"], dropped["suppressed_reason"]) == ("SUPPRESSED", "REASON_GONE")
    assert await delivered(api, dropped["_id"]) is None
