"""programStats through GraphQL over HTTP on both stores: after a scripted set of purchases,
a redemption, a return and an expiry, the figures are the ones worked out by hand; an event
relayed again (a crash before the relay finished, two relays racing) counts once; only
admins may read them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.clock import SettableClock
from domain.events import Commit
from storage.entry_records import outbox_item
from storage.outbox import PENDING
from tests.conftest import Api
from tests.integration.cron import settled
from tests.integration.graphql import MERGE, RETURN
from tests.integration.steps import bought, enrolled, member, redeemed
from tests.integration.test_outbox import unrelayed_purchase

STATS = """query($from: Date, $to: Date) { programStats(from: $from, to: $to) {
  from to currency pointValue
  liability { month points value breakagePoints }
  liabilityPoints liabilityValue pendingPoints breakageRate breakagePoints breakageValue
  pointsIssued pointsRedeemed pointsExpired pointsClawedBack redemptionRate
  purchases repeatPurchases repeatPurchaseRate spend enrolled
  members activeMembers lifetimeSpend averageCltv
  tiers { key count }
  messagesSent sentByChannel { key count } messagesSuppressed suppressedByReason { key count }
} }"""

FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}


async def stats(api: Api, period: dict[str, str] = FEBRUARY) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(STATS, period))["programStats"]
    return found


async def stats_once(api: Api, settled: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The figures once `settled` holds for them (within a second), else as they are."""
    for _ in range(50):
        found = await stats(api)
        if settled(found):
            break
        await asyncio.sleep(0.02)
    return found


def by_key(counts: list[dict[str, Any]]) -> dict[str, int]:
    return {c["key"]: c["count"] for c in counts}


def liability(figures: dict[str, Any]) -> dict[str, int]:
    return {m["month"]: m["points"] for m in figures["liability"]}


def move_to(clock: SettableClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def returned(api: Api, order_id: str, amount: str) -> None:
    variables = {"input": {"orderId": order_id, "amount": amount, "idempotencyKey": order_id}}
    payload = (await api.data(RETURN, variables, api.pos))["returnPurchase"]
    assert payload["__typename"] == "PurchaseReturned", payload


async def test_the_figures_are_the_ones_worked_out_by_hand(api: Api, clock: SettableClock) -> None:
    # Given the demo's members (enrolled on 15 January), and February's script on the 2nd:
    move_to(clock, datetime(2026, 2, 2, 10, tzinfo=UTC))
    before = await stats(api)
    ann = await enrolled(api, "ann@example.com")
    bob = await enrolled(api, "bob@example.com")
    await bought(api, ann["id"], "a-1", "100.00")  # 100 points, her first purchase
    await bought(api, ann["id"], "a-2", "50.00")  # 50 more: a repeat purchase
    await bought(api, bob["id"], "b-1", "1000.00")  # 1,000 points: Silver
    assert (await redeemed(api, ann["id"], "coffee", "r-1"))["__typename"] == "RewardRedeemed"
    await returned(api, "b-1", "200.00")  # 200 points clawed back, 200.00 refunded
    await settled(api)  # the welcome messages decided and sent

    after = await stats(api)

    # Flows: February only (the demo's January is outside the period).
    assert before["pointsIssued"] == before["purchases"] == 0
    assert after["pointsIssued"] == 100 + 50 + 1000
    assert after["pointsRedeemed"] == 150  # the coffee
    assert after["pointsClawedBack"] == 200
    assert after["pointsExpired"] == 0
    assert Decimal(after["redemptionRate"]) == Decimal("0.1304")  # 150 / 1,150
    assert (after["purchases"], after["repeatPurchases"]) == (3, 1)
    assert Decimal(after["repeatPurchaseRate"]) == Decimal("0.3333")
    assert Decimal(after["spend"]) == Decimal("950.00")  # 1,150.00 less the 200.00 returned
    assert after["enrolled"] == 2
    # Gauges, as February ended: two more members, both buyers in February; Ann spent all
    # her points, Bob holds 800 expiring on 2 February 2027 (a rolling year, Paris day).
    assert after["members"] == before["members"] + 2
    assert after["activeMembers"] == 2
    gained = {
        month: points - liability(before).get(month, 0)
        for month, points in liability(after).items()
        if points != liability(before).get(month, 0)
    }
    assert gained == {"2027-02": 800}
    assert after["liabilityPoints"] == before["liabilityPoints"] + 800
    assert Decimal(after["liabilityValue"]) == Decimal(after["liabilityPoints"]) * Decimal("0.01")
    tiers_before, tiers_after = by_key(before["tiers"]), by_key(after["tiers"])
    assert tiers_after["BRONZE"] == tiers_before["BRONZE"] + 1  # Ann
    assert tiers_after["SILVER"] == tiers_before["SILVER"] + 1  # Bob (a return keeps the tier)
    assert sum(tiers_after.values()) == after["members"]
    lifetime = Decimal(after["lifetimeSpend"])
    assert lifetime == Decimal(before["lifetimeSpend"]) + Decimal("950.00")
    assert Decimal(after["averageCltv"]) == (lifetime / after["members"]).quantize(Decimal("0.01"))
    # Breakage: what the program's history says members leave unspent.
    rate = Decimal(after["breakageRate"])
    assert 0 < rate < 1
    assert after["breakagePoints"] == sum(m["breakagePoints"] for m in after["liability"])
    for month in after["liability"]:
        assert month["breakagePoints"] == round(month["points"] * rate)
    # Messages: February's, by channel and by reason, as the message store has them.
    outcomes = await messages_since(api, datetime(2026, 2, 1, tzinfo=UTC))
    assert after["messagesSent"] == outcomes.get("SENT", 0) > 0
    assert after["messagesSuppressed"] == outcomes.get("SUPPRESSED", 0)
    assert sum(by_key(after["sentByChannel"]).values()) == after["messagesSent"]


async def messages_since(api: Api, start: datetime) -> dict[str, int]:
    found: dict[str, int] = {}
    async for doc in api.tessera.collections.messages.find({"updated_at": {"$gte": start}}):
        found[doc["status"]] = found.get(doc["status"], 0) + 1
    return found


async def test_a_merge_moves_points_and_leaves_the_totals(api: Api, clock: SettableClock) -> None:
    move_to(clock, datetime(2026, 2, 2, 10, tzinfo=UTC))
    eve = (await enrolled(api, "eve@example.com"))["id"]
    twin = (await enrolled(api, "eve.twin@example.com"))["id"]
    await bought(api, eve, "e-1", "40.00")
    await bought(api, twin, "e-2", "60.00")
    before = await stats(api)

    variables = {"input": {"survivor": {"id": eve}, "duplicate": {"id": twin}}}
    merged = (await api.data(MERGE, variables, api.callcenter))["mergeMembers"]
    # The survivor may absorb its duplicate in the live feed's task (it heard the freeze),
    # whose relay can end just after the answer: the figures follow within moments.
    after = await stats_once(api, lambda found: liability(found) == liability(before))

    assert merged["__typename"] == "MembersMerged"
    assert merged["member"]["balance"] == 100
    assert after["members"] == before["members"] - 1
    assert liability(after) == liability(before)
    assert after["lifetimeSpend"] == before["lifetimeSpend"]
    assert sum(by_key(after["tiers"]).values()) == after["members"]
    assert after["activeMembers"] == before["activeMembers"] - 1  # one buyer now, not two


async def test_points_that_expire_leave_the_liability_for_the_expired(
    api: Api, clock: SettableClock
) -> None:
    move_to(clock, datetime(2026, 2, 2, 10, tzinfo=UTC))
    cid = (await enrolled(api, "cid@example.com"))["id"]
    await bought(api, cid, "c-1", "30.00")
    held = liability(await stats(api, {"from": "2027-02-01", "to": "2027-02-02"}))

    move_to(clock, datetime(2027, 2, 10, 10, tzinfo=UTC))
    assert (await member(api, cid))["balance"] == 0  # read as of now: the expiry is written
    later = await stats(api, {"from": "2027-02-01", "to": "2027-02-28"})

    assert held["2027-02"] >= 30
    assert later["pointsExpired"] >= 30  # Cid's, with whatever of the demo's lapsed too
    assert liability(later).get("2027-02", 0) == held["2027-02"] - 30


async def relayed_again(api: Api, commit: Commit) -> None:
    """The relay ran, then the process died before it took the item out of the outbox: the
    next sweep relays the same item again."""
    members = api.tessera.collections.members
    await members.update_one(
        {"_id": commit.member.id},
        {"$push": {"outbox": outbox_item(commit)}, "$set": {PENDING: True}},
    )
    assert await api.tessera.outbox.sweep() == 1


async def test_an_event_relayed_again_is_counted_once(api: Api, clock: SettableClock) -> None:
    move_to(clock, datetime(2026, 2, 2, 10, tzinfo=UTC))
    dee = (await enrolled(api, "dee@example.com"))["id"]
    commit = await unrelayed_purchase(api, dee, "d-1")  # 25.00: 25 points
    # Two instances relay the same item at once: the request's own relay and a sweep.
    await asyncio.gather(api.tessera.outbox.deliver(commit), api.tessera.outbox.sweep())
    await settled(api)  # the welcome message sent: the figures stand still
    once = await stats(api)
    await relayed_again(api, commit)
    await relayed_again(api, commit)
    await settled(api)
    again = await stats(api)

    assert (once["purchases"], once["pointsIssued"], Decimal(once["spend"])) == (
        1,
        25,
        Decimal("25.00"),
    )
    assert again == once


async def test_only_admins_read_the_figures(api: Api) -> None:
    for token in (api.pos, api.callcenter, api.token("member", member="mbr_x"), None):
        assert await api.error_code(STATS, FEBRUARY, token) in {"FORBIDDEN", "UNAUTHENTICATED"}
    assert await api.error_code(STATS, FEBRUARY, api.pos) == "FORBIDDEN"


async def test_a_period_that_ends_before_it_starts_is_refused(api: Api) -> None:
    period = {"from": "2026-03-01", "to": "2026-02-01"}
    assert await api.error_code(STATS, period, api.admin) == "BAD_USER_INPUT"


async def test_the_default_period_is_the_last_30_days(api: Api, clock: SettableClock) -> None:
    found = (await api.data("{ programStats { from to } }"))["programStats"]
    today = clock.now().date()
    assert (found["from"], found["to"]) == (str(today - timedelta(days=29)), str(today))
