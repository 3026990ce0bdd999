"""The whole topology as processes (tests/e2e/topology.py): two `tessera serve`, two
`tessera worker`, one FerretDB, one redis-server, a real SMTP server. Each test breaks one
thing the way production breaks it (SIGKILL, a restart) and checks what clients and the
ledger see; each leaves the topology whole again for the next.

The processes start once for the module (about 10 s); every test uses members of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from schema.errors import ServiceUnavailable
from tests.e2e.followers import subscribers
from tests.e2e.held_smtp import HoldingMailbox, smtp_server
from tests.e2e.topology import LEASE, START_UP, WAIT, Api, Topology, until
from tests.integration.graphql import MEMBER, MERGE, PURCHASE, REDEEM, by_id, purchase

pytestmark = pytest.mark.asyncio(loop_scope="module")
SELECTION = 3.0  # the default TESSERA_MONGODB_SERVER_SELECTION_TIMEOUT_SECONDS
READY = 2.0  # the default TESSERA_READY_TIMEOUT_SECONDS
MARGIN = 4.0  # seconds on top of a timeout, for a slow shared machine
RECEIPT, WELCOME = "PURCHASE_RECEIPT", "WELCOME"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def topology(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Topology]:
    mailbox = HoldingMailbox()
    async with smtp_server(mailbox) as smtp_port:
        found = Topology.prepare(tmp_path_factory.mktemp("topology"), mailbox, smtp_port)
        try:
            await found.start()
            yield found
        finally:
            await found.stop()


# --- helpers -------------------------------------------------------------------------------


def redemption(member_id: str, key: str) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "rewardId": "coffee",
            "channel": "POS",
            "idempotencyKey": key,
        }
    }


def merge(survivor: str, duplicate: str) -> dict[str, Any]:
    return {"input": {"survivor": by_id(survivor), "duplicate": by_id(duplicate)}}


async def history(api: Api, member_id: str) -> list[dict[str, Any]]:
    query = """query($id: ID!) { member(ref: {id: $id}) { history(first: 100) {
      edges { node { id kind points orderId } } } } }"""
    edges = (await api.data(query, {"id": member_id}))["member"]["history"]["edges"]
    return [edge["node"] for edge in edges]


# --- the scenarios -------------------------------------------------------------------------


async def test_load_spread_over_both_instances_reaches_every_subscriber_in_order(
    topology: Topology,
) -> None:
    a, b = topology.apis
    # given two members, a duplicate of the first, and subscribers on both instances
    # (known by store cards: no receipts to keep the workers busy for later tests)
    x = await a.enrolled("CARD-SPREAD-X")
    y = await b.enrolled("CARD-SPREAD-Y")
    dup = await a.enrolled("CARD-SPREAD-X-OLD")
    await b.bought(dup, "spread-dup-1", "40")
    subs = await subscribers()
    try:
        on_x = [await subs.add(a, x), await subs.add(b, x)]
        on_y = [await subs.add(a, y), await subs.add(b, y)]
        on_dup = [await subs.add(b, dup)]

        # when purchases, redemptions and a merge go to both instances, two at a time
        for n in range(8):
            await asyncio.gather(
                (a if n % 2 else b).bought(x, f"spread-x-{n}", "30"),
                (b if n % 2 else a).bought(y, f"spread-y-{n}", "25"),
            )
        redeemed = await asyncio.gather(
            a.data(REDEEM, redemption(x, "spread-x-coffee")),
            b.data(REDEEM, redemption(y, "spread-y-coffee")),
        )
        merged = await b.data(MERGE, merge(x, dup))
        final_x, final_y = await a.member(x), await b.member(y)

        # then every subscriber shows its member as it now is, reached in order
        for follower in on_x + on_dup:
            await follower.reaches(final_x)
        for follower in on_y:
            await follower.reaches(final_y)
    finally:
        await subs.close()

    assert [r["redeemReward"]["__typename"] for r in redeemed] == ["RewardRedeemed"] * 2
    assert merged["mergeMembers"]["__typename"] == "MembersMerged"
    assert final_x["balance"] == 8 * 30 + 40 - 150
    assert final_y["balance"] == 8 * 25 - 150
    for follower in on_x + on_y + on_dup:
        follower.check_order()
    # and the duplicate's subscriber was handed over to the survivor
    handed_over = [s for s in on_dup[0].seen if s["cause"]["kind"] == "MERGED"]
    assert handed_over and handed_over[0]["member"]["id"] == x


async def test_a_worker_killed_mid_send_sends_once_more_with_the_same_id(
    topology: Topology,
) -> None:
    a, _ = topology.apis
    mailbox = topology.mailbox
    email = "kill-worker@example.com"
    # given a mail server that will hold its reply to the next email to this member, and
    # only worker 1 taking jobs (worker 2 paused), so that the send is worker 1's
    mailbox.hold_next(to=email)
    topology.pause_worker(1)
    try:
        member_id = await a.enrolled(email)
        await asyncio.wait_for(mailbox.holding.wait(), WAIT)
        [sending] = await topology.messages(member_id, WELCOME)
        assert sending["status"] == "SENDING" and len(sending["attempts"]) == 1
        # when worker 1 is killed while the server holds the email
        await topology.kill_worker(0)
        mailbox.release.set()
    finally:
        topology.resume_worker(1)

    # then once the send's lease is over, a worker (the restarted one, on start-up, or
    # worker 2 on its sweep) sends it again
    await asyncio.sleep(LEASE)
    await topology.start_worker(0)
    try:
        await until(lambda: _status_is(topology, member_id, "SENT"), START_UP)
    except TimeoutError:
        raise AssertionError(f"the welcome was not resent:\n{topology.logs()}") from None

    [sent] = await topology.messages(member_id, WELCOME)  # no second message document
    assert sent["_id"] == sending["_id"]
    assert [attempt["outcome"] for attempt in sent["attempts"]] == ["INTERRUPTED", "SENT"]
    assert sent["rendered"] == sending["rendered"]
    # and the receiver got at most a repeat, under the one Message-ID
    assert mailbox.message_ids(to=email) == [f"<{sent['_id']}@tessera>"] * 2


async def _status_is(topology: Topology, member_id: str, status: str) -> bool:
    messages = await topology.messages(member_id, WELCOME)
    return bool(messages) and messages[0]["status"] == status


async def test_an_api_instance_killed_mid_burst_loses_no_acknowledged_purchase(
    topology: Topology,
) -> None:
    a, b = topology.apis
    member_id = await b.enrolled("CARD-KILL-API")  # no receipts: see the first test
    start = (await b.member(member_id))["balance"]
    orders = [f"burst-{n}" for n in range(24)]
    to_a = {order for n, order in enumerate(orders) if n % 4}  # 18 to A, 6 to B
    answered: dict[str, dict[str, Any]] = {}

    async def buy(order: str) -> None:
        api = a if order in to_a else b
        try:
            body = await api.post(PURCHASE, purchase(by_id(member_id), order, "10"))
        except httpx.TransportError:
            return  # no answer: the client does not know whether it was recorded
        payload = body["data"]["recordPurchase"]
        if payload["__typename"] == "PointsEarned":
            answered[order] = payload["entry"]

    # when instance A is killed once a few of its purchases were acknowledged
    burst = [asyncio.create_task(buy(order)) for order in orders]
    await until(lambda: _acknowledged(answered, to_a, 3))
    await topology.kill_api(0)
    await asyncio.gather(*burst)
    acknowledged = dict(answered)
    assert any(order not in acknowledged for order in to_a), "A finished before it was killed"

    restarting = asyncio.create_task(topology.start_api(0))  # meanwhile, for later tests

    # then every client retries what was not acknowledged on B, with the same key, and
    # retries of acknowledged ones replay the entry they got (on FerretDB, when A died
    # holding the member's write lock, the first retry waits for it to go stale: 10 s)
    retried = {
        order: (await b.bought(member_id, order, "10"))["entry"]
        for order in orders
        if order not in acknowledged
    }
    replays = {order: (await b.bought(member_id, order, "10"))["entry"] for order in acknowledged}
    await restarting

    assert {o: e["id"] for o, e in replays.items()} == {o: e["id"] for o, e in acknowledged.items()}
    entries = {**acknowledged, **retried}
    assert sorted(entries) == sorted(orders)

    # and each purchase is in the ledger once: balance == its entries == what was bought
    async def settled() -> bool:
        return len([e for e in await history(b, member_id) if e["kind"] == "EARNED"]) >= 24

    await until(settled)  # A's last commits are relayed by the sweeps of the others
    ledger = await history(b, member_id)
    earned = [e for e in ledger if e["kind"] == "EARNED"]
    assert sorted(e["orderId"] for e in earned) == sorted(orders)
    assert {e["orderId"]: e["id"] for e in earned} == {o: e["id"] for o, e in entries.items()}
    final = await a.member(member_id)
    assert final["balance"] == sum(e["points"] for e in ledger) == start + 24 * 10


async def _acknowledged(answered: dict[str, Any], orders: set[str], count: int) -> bool:
    return len(orders & answered.keys()) >= count


async def test_a_redis_restart_keeps_mutations_working_and_subscribers_resync(
    topology: Topology,
) -> None:
    a, b = topology.apis
    email = "redis-restart@example.com"
    member_id = await a.enrolled(email)
    await until(lambda: _status_is(topology, member_id, "SENT"))  # its welcome went out
    subs = await subscribers()
    try:
        followers = [await subs.add(a, member_id), await subs.add(b, member_id)]
        workers_before = topology.pids()[2:]

        # when Redis dies
        topology.redis.stop()
        # then purchases on both instances still work (the ledger is in MongoDB)
        first = await a.bought(member_id, "redis-down-1", "20")
        second = await b.bought(member_id, "redis-down-2", "20")
        unready = (await a.http.get("/readyz")).json()

        # when it is back (empty: this one keeps nothing on disk)
        await topology.redis.start()
        after = await b.bought(member_id, "redis-back-1", "20")
        final = await a.member(member_id)
        # then both subscribers resync to the current view (a SNAPSHOT once the bus is back)
        for follower in followers:
            await follower.reaches(final)
    finally:
        await subs.close()

    assert unready["status"] == "unavailable" and unready["checks"]["mongodb"] == "ok"
    assert unready["checks"]["redis"] != "ok"
    assert final["balance"] == after["member"]["balance"] == 60
    assert first["entry"]["points"] == second["entry"]["points"] == 20
    for follower in followers:
        follower.check_order()
        outage = [s for s in follower.seen if s["version"] >= first["member"]["version"]]
        assert any(s["cause"]["kind"] == "SNAPSHOT" for s in outage), follower.seen
    # and the jobs resume: the purchases made while Redis was down get their receipts, from
    # the same worker processes (they waited for Redis instead of exiting)
    try:
        await until(lambda: _receipts_sent(topology, member_id, 3), START_UP)
    except TimeoutError:
        messages = await topology.messages(member_id)
        raise AssertionError(f"messages: {messages}\n{topology.logs()}") from None
    assert topology.pids()[2:] == workers_before
    assert len(topology.mailbox.message_ids(to=email)) >= 2  # the welcome and a receipt


async def _receipts_sent(topology: Topology, member_id: str, count: int) -> bool:
    """`count` receipts recorded, each sent, or merged into a message that was sent (intents
    due at once compete: a welcome held back by an outage carries the receipts)."""
    messages = {m["_id"]: m for m in await topology.messages(member_id)}
    receipts = [m for m in messages.values() if m["journey"] == RECEIPT]

    def sent(message: dict[str, Any]) -> bool:
        if message["status"] == "SENT":
            return True
        if message["status"] != "SUPPRESSED" or message["suppressed_reason"] != "MERGED":
            return False
        carrier = messages.get(message["suppressed_detail"].removeprefix("carried by message "))
        return carrier is not None and carrier["status"] == "SENT"

    return len(receipts) >= count and all(sent(r) for r in receipts)


async def test_a_ferretdb_restart_fails_requests_fast_then_recovers_on_its_own(
    topology: Topology,
) -> None:
    a, b = topology.apis
    member_id = await a.enrolled("ferretdb-restart@example.com")
    await a.bought(member_id, "db-before", "10")
    before = await b.member(member_id)
    pids = topology.pids()

    # when the database dies
    topology.ferretdb.kill()

    # then each instance answers a query, a purchase and /readyz within its timeouts (the
    # first request waits for the server selection timeout; the rest are refused at once)
    async def while_down(api: Api) -> tuple[float, list[Any], httpx.Response]:
        started = time.monotonic()
        query = await api.post(MEMBER, {"ref": by_id(member_id)})
        bought = await api.post(PURCHASE, purchase(by_id(member_id), "db-down", "10"))
        unready = await api.http.get("/readyz")
        return time.monotonic() - started, [query, bought], unready

    for took, bodies, unready in await asyncio.gather(while_down(a), while_down(b)):
        assert took < SELECTION + READY + MARGIN, took
        # with the clear error: a GraphQL answer (200), no 500, no trace, no "Unexpected"
        for body in bodies:
            [error] = body["errors"]
            assert error["message"] == ServiceUnavailable.MESSAGE, body
            assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
        assert unready.status_code == 503
        assert unready.json()["checks"]["mongodb"] != "ok"
        assert unready.json()["checks"]["redis"] == "ok"

    # when it is back, on the same files and port
    topology.ferretdb.start()

    # then everything recovers on its own: readiness, queries, purchases, their receipts
    for api in (a, b):
        await until(api.ready)
    # (ready means answering: an instance refusing during the outage stops when ready)
    assert await b.member(member_id) == before
    assert await a.member(member_id) == before
    after = await b.bought(member_id, "db-down", "10")  # the refused one, retried
    assert after["member"]["balance"] == before["balance"] + 10
    assert after["member"]["version"] == before["version"] + 1
    try:
        await until(lambda: _receipts_sent(topology, member_id, 2), START_UP)
    except TimeoutError:
        messages = await topology.messages(member_id)
        raise AssertionError(f"receipts not sent: {messages}\n{topology.logs()}") from None
    # and no process was restarted
    assert topology.pids() == pids


async def test_races_across_instances_settle_as_in_one(topology: Topology) -> None:
    a, b = topology.apis
    # given a member whose balance covers exactly five coffees
    rush = await a.enrolled("CARD-RACE-RUSH")
    await a.bought(rush, "race-rush-1", "750")

    # when 50 redemptions with distinct keys race, split over both instances
    results = await asyncio.gather(
        *((a if n % 2 else b).data(REDEEM, redemption(rush, f"rush-{n}")) for n in range(50))
    )

    # then exactly five succeed and the balance is exact
    kinds = [r["redeemReward"]["__typename"] for r in results]
    after = await a.member(rush)
    assert kinds.count("RewardRedeemed") == 5, kinds
    assert kinds.count("InsufficientPoints") == 45, kinds
    assert after["balance"] == 0
    assert len({r["code"] for r in after["rewards"]}) == 5

    # given two members each holding points, when two agents merge them opposite ways at once
    p = await a.enrolled("race-p@example.com")
    q = await b.enrolled("race-q@example.com")
    await a.bought(p, "race-p-1", "70")
    await b.bought(q, "race-q-1", "90")
    await asyncio.gather(a.data(MERGE, merge(q, p)), b.data(MERGE, merge(p, q)))

    # then one live member holds everything, whichever way it is asked for (the first read
    # finishes whatever the race left: a merge cut short, or a cycle to break)
    await a.member(p)
    via_p, via_q = await a.member(p), await b.member(q)
    assert via_p == via_q
    assert via_p["id"] in {p, q}
    assert via_p["balance"] == 160
    emails = {i["value"] for i in via_p["identifiers"]}
    assert emails == {"race-p@example.com", "race-q@example.com"}
    ledger = await history(a, via_p["id"])
    assert sorted(e["orderId"] for e in ledger if e["kind"] == "EARNED") == [
        "race-p-1",
        "race-q-1",
    ]
