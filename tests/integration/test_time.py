"""What time changes: points and vouchers expire, tiers requalify, each as one new version."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import HISTORY, by_id, countdown
from tests.integration.steps import bought, enrolled, member, redeemed


async def test_points_expire_a_year_after_they_were_earned(api: Api, clock: SettableClock) -> None:
    given = await enrolled(api, "expire@example.com")
    await bought(api, given["id"], "o-1", "100.00")
    clock.advance(timedelta(days=200))
    await bought(api, given["id"], "o-2", "40.00")
    before = await member(api, given["id"])
    expiry = countdown(before, "POINTS_EXPIRY")
    assert expiry is not None and expiry["pointsRemaining"] == 100

    clock.advance(timedelta(days=170))  # past the first batch's 12 months
    after = await member(api, given["id"])

    assert after["balance"] == 40
    assert after["version"] == before["version"] + 1
    history = await api.data(HISTORY, {"ref": by_id(given["id"]), "first": 1})
    assert history["member"]["history"]["edges"][0]["node"]["kind"] == "EXPIRED"
    assert history["member"]["history"]["edges"][0]["node"]["points"] == -100


async def test_spending_takes_the_soonest_expiring_points_first(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "fifo@example.com")
    await bought(api, given["id"], "o-1", "100.00")
    clock.advance(timedelta(days=100))
    await bought(api, given["id"], "o-2", "100.00")

    await redeemed(api, given["id"], "coffee", "r-1")
    clock.advance(timedelta(days=270))  # the first batch's expiry date has passed
    after = await member(api, given["id"])

    assert after["balance"] == 50  # the 100 older points went first: nothing of them expired


async def test_a_tier_is_kept_a_year_then_drops_one_step(api: Api, clock: SettableClock) -> None:
    given = await enrolled(api, "gold@example.com")
    await bought(api, given["id"], "o-1", "5000.00")
    assert (await member(api, given["id"]))["tier"]["code"] == "GOLD"

    clock.advance(timedelta(days=364))
    still = await member(api, given["id"])
    clock.advance(timedelta(days=2))
    dropped = await member(api, given["id"])

    assert still["tier"]["code"] == "GOLD"
    requalification = countdown(still, "TIER_REQUALIFICATION")
    assert requalification is not None and requalification["pointsRemaining"] == 5000
    assert dropped["tier"]["code"] == "SILVER"


async def test_an_unused_voucher_expires(api: Api, clock: SettableClock) -> None:
    given = await enrolled(api, "voucher@example.com")
    await bought(api, given["id"], "o-1", "200.00")
    await redeemed(api, given["id"], "coffee", "r-1")

    clock.advance(timedelta(days=30, seconds=1))
    after = await member(api, given["id"])

    assert [r["status"] for r in after["rewards"]] == ["EXPIRED"]
    assert countdown(after, "REWARD_EXPIRY") is None
