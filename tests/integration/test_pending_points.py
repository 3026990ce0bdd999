"""Pending points through GraphQL on both stores, with `pending_days = 14`: a purchase's
points show as `pendingBalance` with a POINTS_PENDING countdown, cannot be spent, are taken
first by a return, and are released on the member's next read (written once) or by the
expiry sweep, each release a POINTS_RELEASED entry of 0 points."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.cron import ran, settled
from tests.integration.graphql import (
    ADJUST,
    ENROLL,
    HISTORY,
    MERGE,
    RETURN,
    by_id,
    countdown,
)
from tests.integration.held_program import held_fixture  # noqa: F401  (`held`)
from tests.integration.steps import bought, enrolled, member, redeemed

PENDING = """query($ref: MemberRef!) { member(ref: $ref) { version balance pendingBalance
  countdowns { kind label pointsRemaining deadline } } }"""


async def pending_view(api: Api, member_id: str) -> dict[str, object]:
    found: dict[str, object] = (await api.data(PENDING, {"ref": by_id(member_id)}))["member"]
    return found


async def enrolled_with(api: Api, kind: str, value: str) -> dict[str, Any]:
    variables = {"input": {"identifiers": [{"kind": kind, "value": value}], "channel": "POS"}}
    payload = (await api.data(ENROLL, variables))["enrollMember"]
    assert payload["__typename"] == "MemberEnrolled", payload
    found: dict[str, Any] = payload["member"]
    return found


async def history_kinds(api: Api, member_id: str) -> list[tuple[str, int]]:
    data = await api.data(HISTORY, {"ref": by_id(member_id), "first": 50})
    edges = data["member"]["history"]["edges"]
    return [(e["node"]["kind"], e["node"]["points"]) for e in reversed(edges)]


async def test_a_purchase_is_pending_with_a_countdown(held: Api, clock: SettableClock) -> None:
    given = await enrolled(held, "held@example.com")

    earned = await bought(held, given["id"], "o-1", "120.00")
    shown = await pending_view(held, given["id"])

    assert earned["entry"]["points"] == 120
    assert (shown["balance"], shown["pendingBalance"]) == (0, 120)
    pending = countdown(earned["member"], "POINTS_PENDING")
    assert pending is not None and pending["pointsRemaining"] == 120
    assert pending["deadline"].startswith((clock.now() + timedelta(days=14)).date().isoformat())
    assert pending["label"].startswith("120 pending points spendable from")
    assert earned["member"]["tierProgress"]["qualifyingPoints"] == 120  # at once


async def test_pending_points_cannot_be_spent(held: Api) -> None:
    given = await enrolled(held, "spend@example.com")
    await bought(held, given["id"], "o-1", "500.00")

    redemption = await redeemed(held, given["id"], "coffee", "r-1")
    adjustment = (
        await held.data(
            ADJUST,
            {
                "input": {
                    "member": by_id(given["id"]),
                    "points": -10,
                    "reason": "correction",
                    "idempotencyKey": "a-1",
                }
            },
            held.callcenter,
        )
    )["adjustPoints"]

    assert redemption["__typename"] == "InsufficientPoints"
    assert (redemption["needed"], redemption["balance"]) == (150, 0)
    assert "500 more pending" in redemption["message"]
    assert adjustment["__typename"] == "InsufficientPoints"
    assert (await pending_view(held, given["id"]))["pendingBalance"] == 500


async def test_a_return_inside_the_hold_takes_the_pending_points(
    held: Api, clock: SettableClock
) -> None:
    given = await enrolled(held, "back@example.com")
    await bought(held, given["id"], "o-1", "100.00")
    clock.advance(timedelta(days=15))
    await bought(held, given["id"], "o-2", "300.00")  # o-1 released by this change

    returned = (
        await held.data(
            RETURN,
            {
                "input": {
                    "orderId": "o-2",
                    "amount": "120.00",
                    "idempotencyKey": "back-1",
                }
            },
        )
    )["returnPurchase"]
    shown = await pending_view(held, given["id"])

    assert returned["__typename"] == "PurchaseReturned", returned
    assert returned["entry"]["points"] == -120
    assert (shown["balance"], shown["pendingBalance"]) == (100, 180)


async def test_the_next_read_releases_once(held: Api, clock: SettableClock) -> None:
    given = await enrolled(held, "read@example.com")
    await bought(held, given["id"], "o-1", "80.00")
    clock.advance(timedelta(days=14, minutes=1))

    first = await pending_view(held, given["id"])
    second = await pending_view(held, given["id"])

    assert (first["balance"], first["pendingBalance"]) == (80, 0)
    assert countdown(first, "POINTS_PENDING") is None  # type: ignore[arg-type]
    assert second["version"] == first["version"]  # the release was written once
    kinds = await history_kinds(held, given["id"])
    assert kinds[-2:] == [("EARNED", 80), ("POINTS_RELEASED", 0)]
    assert sum(points for _, points in kinds) == 80


async def test_the_expiry_sweep_releases_what_is_due(held: Api, clock: SettableClock) -> None:
    # A card only: no message is sent, so no dispatch reads (and releases) the member first.
    given = await enrolled_with(held, "POS_CARD", "4000-1111-2222")
    await bought(held, given["id"], "o-1", "40.00")
    before = await member(held, given["id"])
    await settled(held)  # the purchase's jobs are done before time moves on
    clock.advance(timedelta(days=15))

    released = await ran(held, "expire_due")
    stored = await held.tessera.ports.members.get(given["id"])

    assert released == 1
    assert stored is not None
    assert (stored.version, stored.balance, stored.pending_balance) == (
        before["version"] + 1,
        40,
        0,
    )
    assert (await history_kinds(held, given["id"]))[-1] == ("POINTS_RELEASED", 0)
    assert await ran(held, "expire_due") == 0  # released once: nothing more due


async def test_a_redemption_spends_points_whose_hold_ended_unread(
    held: Api, clock: SettableClock
) -> None:
    # A card only: no message is sent, so nothing reads (and releases) the member before.
    given = await enrolled_with(held, "POS_CARD", "4000-3333-4444")
    await bought(held, given["id"], "o-1", "500.00")
    await settled(held)
    clock.advance(timedelta(days=15))
    unread = await held.tessera.ports.members.get(given["id"])

    redemption = await redeemed(held, given["id"], "coffee", "r-1")

    assert unread is not None and (unread.balance, unread.pending_balance) == (0, 500)
    assert redemption["__typename"] == "RewardRedeemed", redemption
    shown = await pending_view(held, given["id"])
    assert (shown["balance"], shown["pendingBalance"]) == (350, 0)


async def test_a_merge_carries_pending_points_over(held: Api) -> None:
    survivor = await enrolled(held, "keep@example.com")
    duplicate = await enrolled(held, "dup@example.com")
    await bought(held, survivor["id"], "o-1", "10.00")
    await bought(held, duplicate["id"], "o-2", "25.00")

    merged = (
        await held.data(
            MERGE,
            {
                "input": {
                    "survivor": by_id(survivor["id"]),
                    "duplicate": by_id(duplicate["id"]),
                }
            },
            held.callcenter,
        )
    )["mergeMembers"]

    assert merged["__typename"] == "MembersMerged", merged
    assert (await pending_view(held, survivor["id"]))["pendingBalance"] == 35
