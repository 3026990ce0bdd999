"""Event webhooks against a real HTTP receiver that verifies every request with the
`standardwebhooks` package, as a partner's or the brand's system would; on both stores.
Time is the app's settable clock: 24 hours of retries take no real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.clock import SettableClock
from tests.conftest import Api
from tests.e2e.conftest import serving
from tests.integration.graphql import (
    ERROR,
    MEMBER,
    MERGE,
    PURCHASE,
    REDEEM,
    USE,
    by_id,
    purchase,
)
from workers.webhooks import deliver_webhooks_due

SUBSCRIBE = f"""mutation($input: SubscribeWebhookInput!) {{ subscribeWebhook(input: $input) {{
  __typename ... on WebhookSubscribed {{ secret subscription {{ id url events partner active }} }}
  {ERROR} }} }}"""
UNSUBSCRIBE = f"""mutation($id: ID!) {{ unsubscribeWebhook(input: {{ id: $id }}) {{
  __typename ... on WebhookUnsubscribed {{ subscription {{ id active }} }} {ERROR} }} }}"""
REPLAY = f"""mutation($id: ID!) {{ replayWebhookDelivery(input: {{ id: $id }}) {{
  __typename ... on WebhookDeliveryReplayed {{ delivery {{ id status attempts }} }}
  {ERROR} }} }}"""
DELIVERIES = """query($sub: ID, $status: WebhookDeliveryStatus, $first: Int!, $after: String) {
  webhookDeliveries(subscription: $sub, status: $status, first: $first, after: $after) {
    edges { cursor node { id subscriptionId memberId memberVersion event status attempts
      createdAt nextAttemptAt lastAttemptAt lastStatusCode lastError deliveredAt payload } }
    pageInfo { hasNextPage endCursor } } }"""
SUBSCRIPTIONS = "{ webhookSubscriptions { id url events partner active createdAt } }"
EVERY_EVENT = [
    "POINTS_EARNED",
    "POINTS_SPENT",
    "POINTS_EXPIRED",
    "TIER_CHANGED",
    "REWARD_REDEEMED",
    "REWARD_USED",
    "MEMBER_MERGED",
]


@dataclass
class Receiver:
    """A receiver's endpoint: verify with standardwebhooks, then answer 503 for the first
    `failures` requests (or all, with `failures=-1`), 204 after."""

    secret: str = ""
    failures: int = 0
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (id, payload)
    refused: list[str] = field(default_factory=list)
    requests: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()
        app.post("/hooks")(self.answer)
        return app

    async def answer(self, request: Request) -> Response:
        body = await request.body()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            self.refused.append(str(exc))
            return Response(status_code=401)
        self.requests += 1
        if self.failures == -1 or self.requests <= self.failures:
            return Response("down for maintenance", status_code=503)
        self.received.append((request.headers["webhook-id"], payload))
        return Response(status_code=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    async with serving(found.app()) as address:
        yield found, f"http://{address}/hooks"


async def subscribe(api: Api, receiver: Receiver, url: str, events: list[str]) -> str:
    done = await api.data(SUBSCRIBE, {"input": {"url": url, "events": events}})
    result = done["subscribeWebhook"]
    assert result["__typename"] == "WebhookSubscribed", result
    receiver.secret = result["secret"]
    subscription_id: str = result["subscription"]["id"]
    return subscription_id


async def settle(api: Api) -> None:
    """Let the in-process jobs due now finish (the deliveries they post included)."""
    worker = api.tessera.worker
    assert worker is not None
    await worker.idle()


async def run_due(api: Api) -> None:
    """What the cron job does every 30 s: queue whatever delivery is due, then let it run."""
    await deliver_webhooks_due(api.tessera.messaging)
    await settle(api)


async def deliveries(api: Api, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(DELIVERIES, {"first": 100, **variables})
    return [edge["node"] for edge in data["webhookDeliveries"]["edges"]]


async def buy(api: Api, member: str, order: str, amount: str) -> None:
    done = await api.data(PURCHASE, purchase(by_id(member), order, amount), api.pos)
    assert done["recordPurchase"]["__typename"] == "PointsEarned", done


async def test_a_purchase_is_signed_delivered_and_verified_by_the_receiver(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    subscription = await subscribe(api, endpoint, url, EVERY_EVENT)
    assert subscription.startswith("whs_") and endpoint.secret.startswith("whsec_")

    await buy(api, "mbr_demo_ben", "wh-1", "700.00")  # 320 + 700 qualifying: SILVER
    await settle(api)

    assert endpoint.refused == []
    kinds = [payload["type"] for _, payload in endpoint.received]
    assert kinds == ["POINTS_EARNED", "TIER_CHANGED"]
    earned, tier = (payload for _, payload in endpoint.received)
    assert earned["timestamp"] == earned["data"]["occurredAt"]
    assert earned["data"]["memberId"] == "mbr_demo_ben"
    assert earned["data"]["points"] == 700 and earned["data"]["balance"] == 1020
    assert earned["data"]["entry"]["kind"] == "EARNED"
    assert earned["data"]["entry"]["orderId"] == "wh-1"
    assert earned["data"]["entry"]["storeId"] == "store-001"
    assert tier["data"]["tier"] == "SILVER" and tier["data"]["previousTier"] == "BRONZE"
    assert tier["data"]["memberVersion"] == earned["data"]["memberVersion"]

    stored = await deliveries(api, sub=subscription)
    assert {d["status"] for d in stored} == {"DELIVERED"}
    assert sorted(d["id"] for d in stored) == sorted(i for i, _ in endpoint.received)
    assert all(d["lastStatusCode"] == 204 and d["attempts"] == 1 for d in stored)


async def test_a_receiver_with_another_secret_refuses_the_delivery(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    endpoint.secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="  # not ours
    await buy(api, "mbr_demo_ben", "wh-forged", "10.00")
    await settle(api)
    assert endpoint.received == [] and endpoint.refused == ["No matching signature found"]
    [failed] = await deliveries(api)
    assert failed["status"] == "FAILED" and failed["lastStatusCode"] == 401


async def test_only_the_events_subscribed_are_delivered(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    await subscribe(api, endpoint, url, ["POINTS_SPENT", "REWARD_REDEEMED"])
    await buy(api, "mbr_demo_ben", "wh-2", "10.00")  # earned only: nothing to send
    redeemed = await api.data(
        REDEEM,
        {
            "input": {
                "member": by_id("mbr_demo_ben"),
                "rewardId": "coffee",
                "channel": "POS",
                "idempotencyKey": "wh-redeem",
            }
        },
        api.pos,
    )
    voucher = redeemed["redeemReward"]["memberReward"]
    await settle(api)
    assert [p["type"] for _, p in endpoint.received] == ["POINTS_SPENT", "REWARD_REDEEMED"]
    spent, issued = (p["data"] for _, p in endpoint.received)
    assert spent["points"] == 150 and spent["balance"] == 330 - 150
    assert issued["memberReward"] == {
        "id": voucher["id"],
        "rewardId": "coffee",
        "code": voucher["code"],
    }


async def test_retries_back_off_until_the_receiver_answers(
    api: Api, receiver: tuple[Receiver, str], clock: SettableClock
) -> None:
    endpoint, url = receiver
    endpoint.failures = 3
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    start = clock.now()
    await buy(api, "mbr_demo_ben", "wh-3", "10.00")
    await settle(api)

    waits = []
    for _ in range(3):
        [delivery] = await deliveries(api)
        assert delivery["status"] == "FAILED" and delivery["lastStatusCode"] == 503
        assert "down for maintenance" in delivery["lastError"]
        due = _at(delivery["nextAttemptAt"])
        waits.append(due - _at(delivery["lastAttemptAt"]))
        await run_due(api)  # not due yet: nothing is sent
        assert endpoint.requests == delivery["attempts"]
        clock.advance(due - clock.now())
        await run_due(api)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    [delivered] = await deliveries(api)
    assert delivered["status"] == "DELIVERED" and delivered["attempts"] == 4
    assert _at(delivered["deliveredAt"]) == start + timedelta(seconds=210)
    assert len(endpoint.received) == 1


async def test_after_24_hours_of_failures_a_delivery_is_dead_and_a_replay_delivers_it(
    api: Api, receiver: tuple[Receiver, str], clock: SettableClock
) -> None:
    endpoint, url = receiver
    endpoint.failures = -1
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    await buy(api, "mbr_demo_ben", "wh-4", "10.00")
    await settle(api)
    [delivery] = await deliveries(api)
    created = _at(delivery["createdAt"])
    while delivery["status"] == "FAILED":
        clock.advance(_at(delivery["nextAttemptAt"]) - clock.now())
        await run_due(api)
        [delivery] = await deliveries(api)
    assert delivery["status"] == "DEAD" and delivery["nextAttemptAt"] is None
    # 9 attempts in the first ~2 hours (30 s doubling to 64 min), then every 2 hours, the
    # last one cut short to fall on the 24th hour.
    assert delivery["attempts"] == 20
    assert _at(delivery["lastAttemptAt"]) == created + timedelta(hours=24)
    assert [d["id"] for d in await deliveries(api, status="DEAD")] == [delivery["id"]]
    assert await deliveries(api, status="FAILED") == []

    endpoint.failures = 0
    replayed = await api.data(REPLAY, {"id": delivery["id"]})
    assert replayed["replayWebhookDelivery"]["delivery"]["status"] == "PENDING"
    await settle(api)
    [again] = await deliveries(api)
    assert again["status"] == "DELIVERED" and again["attempts"] == 1
    assert [i for i, _ in endpoint.received] == [delivery["id"]]  # the same webhook-id


async def test_a_later_event_of_a_member_waits_for_an_earlier_one(
    api: Api, receiver: tuple[Receiver, str], clock: SettableClock
) -> None:
    endpoint, url = receiver
    endpoint.failures = 1
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    await buy(api, "mbr_demo_ben", "wh-5", "10.00")
    await settle(api)  # the first attempt failed: it waits 30 s
    await buy(api, "mbr_demo_ben", "wh-6", "20.00")
    await buy(api, "mbr_demo_ada", "wh-7", "30.00")  # another member does not wait
    await settle(api)
    assert [p["data"]["entry"]["orderId"] for _, p in endpoint.received] == ["wh-7"]

    clock.advance(timedelta(seconds=30))
    await run_due(api)
    orders = [p["data"]["entry"]["orderId"] for _, p in endpoint.received]
    assert orders == ["wh-7", "wh-5", "wh-6"]
    bens = [p["data"]["memberVersion"] for _, p in endpoint.received[1:]]
    assert bens == sorted(bens)


async def test_replaying_a_delivered_event_sends_it_again(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    await buy(api, "mbr_demo_ben", "wh-8", "10.00")
    await settle(api)
    [delivery] = await deliveries(api, status="DELIVERED")
    await api.data(REPLAY, {"id": delivery["id"]})
    await settle(api)
    assert [i for i, _ in endpoint.received] == [delivery["id"], delivery["id"]]
    assert endpoint.received[0][1] == endpoint.received[1][1]  # the same payload


async def test_deliveries_page_by_endpoint_and_status_with_cursors(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    first = await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    second = await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    for n in range(3):
        await buy(api, "mbr_demo_ben", f"wh-page-{n}", "10.00")
    await settle(api)
    mine = await deliveries(api, sub=first)
    assert len(mine) == 3 and {d["subscriptionId"] for d in mine} == {first}
    seen, after = [], None
    while True:
        page = await api.data(DELIVERIES, {"first": 2, "after": after})
        seen += [e["node"]["id"] for e in page["webhookDeliveries"]["edges"]]
        info = page["webhookDeliveries"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert len(seen) == len(set(seen)) == 6
    assert len(await deliveries(api, sub=second, status="DELIVERED")) == 3
    bad = await api.raw(DELIVERIES, {"first": 2, "after": "not-a-cursor"}, api.admin)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_unsubscribed_endpoint_hears_nothing_more(
    api: Api, receiver: tuple[Receiver, str], clock: SettableClock
) -> None:
    endpoint, url = receiver
    endpoint.failures = 1
    subscription = await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    await buy(api, "mbr_demo_ben", "wh-9", "10.00")
    await settle(api)  # failed once, waiting
    gone = await api.data(UNSUBSCRIBE, {"id": subscription})
    assert gone["unsubscribeWebhook"]["subscription"] == {"id": subscription, "active": False}
    await buy(api, "mbr_demo_ben", "wh-10", "10.00")
    clock.advance(timedelta(minutes=1))
    await run_due(api)
    assert endpoint.received == []
    [waiting] = await deliveries(api)
    assert waiting["status"] == "DEAD" and waiting["lastError"] == "the subscription was removed"
    assert (await api.data(SUBSCRIPTIONS))["webhookSubscriptions"] == []
    again = await api.data(UNSUBSCRIBE, {"id": "whs_nope"})
    assert again["unsubscribeWebhook"]["code"] == "WEBHOOK_SUBSCRIPTION_NOT_FOUND"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hooks", "url: must be an http:// or https:// URL"),
        ("https://", "url: must name a host"),
        ("example.com/hooks", "url: must be an http:// or https:// URL"),
        ("https://example.com:port/", "url: not a URL"),
        ("https://exa mple.com/", "url: must not contain spaces"),
        ("", "url: must not be empty"),
    ],
)
async def test_a_bad_url_is_refused_in_the_schema_and_nothing_is_subscribed(
    api: Api, url: str, message: str
) -> None:
    done = await api.data(SUBSCRIBE, {"input": {"url": url, "events": ["POINTS_EARNED"]}})
    refused = done["subscribeWebhook"]
    assert refused["__typename"] == "InvalidInput" and refused["field"] == "url"
    assert refused["message"].startswith(message)
    assert (await api.data(SUBSCRIPTIONS))["webhookSubscriptions"] == []


async def test_webhooks_are_for_admins_only(api: Api) -> None:
    variables = {"input": {"url": "https://example.com/h", "events": ["POINTS_EARNED"]}}
    for token in (api.pos, api.callcenter, api.token("member", "mbr_demo_ada")):
        assert await api.error_code(SUBSCRIBE, variables, token) == "FORBIDDEN"
        assert await api.error_code(SUBSCRIPTIONS, None, token) == "FORBIDDEN"
        assert await api.error_code(DELIVERIES, {"first": 1}, token) == "FORBIDDEN"
        assert await api.error_code(REPLAY, {"id": "whd_x"}, token) == "FORBIDDEN"
    no_events = await api.data(SUBSCRIBE, {"input": {**variables["input"], "events": []}})
    assert no_events["subscribeWebhook"]["field"] == "events"
    missing = await api.data(REPLAY, {"id": "whd_nope"})
    assert missing["replayWebhookDelivery"]["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_voucher_used_a_merge_and_points_expiring_reach_the_endpoint(
    api: Api, receiver: tuple[Receiver, str], clock: SettableClock
) -> None:
    endpoint, url = receiver
    await subscribe(api, endpoint, url, ["POINTS_EXPIRED", "REWARD_USED", "MEMBER_MERGED"])
    ada = (await api.data(MEMBER, {"ref": by_id("mbr_demo_ada")}))["member"]
    [voucher] = ada["rewards"]
    use = {"input": {"code": voucher["code"], "channel": "POS", "storeId": "store-001"}}
    assert (await api.data(USE, use, api.pos))["useReward"]["__typename"] == "RewardUsed"
    merge = {"input": {"survivor": by_id("mbr_demo_ben"), "duplicate": by_id("mbr_demo_chloe")}}
    merged = await api.data(MERGE, merge, api.callcenter)
    assert merged["mergeMembers"]["__typename"] == "MembersMerged"
    await settle(api)

    clock.advance(timedelta(days=3 * 365))  # every demo point is past its date
    worker = api.tessera.worker
    assert worker is not None
    await worker.tick()  # expire_due, as the cron runs it
    await settle(api)

    heard = [(p["type"], p["data"]["memberId"]) for _, p in endpoint.received]
    assert heard[:3] == [
        ("REWARD_USED", "mbr_demo_ada"),
        ("MEMBER_MERGED", "mbr_demo_chloe"),  # the duplicate: where it went
        ("MEMBER_MERGED", "mbr_demo_ben"),  # the survivor: what it absorbed
    ]
    assert sorted(heard[3:]) == [
        ("POINTS_EXPIRED", "mbr_demo_ada"),
        ("POINTS_EXPIRED", "mbr_demo_ben"),
    ]
    used, duplicate, survivor = (p["data"] for _, p in endpoint.received[:3])
    assert used["memberReward"] == {
        "id": voucher["id"],
        "rewardId": "coffee",
        "code": voucher["code"],
    }
    assert duplicate["mergedInto"] == "mbr_demo_ben"
    assert survivor["mergedIds"] == ["mbr_demo_chloe"]
    expired = next(
        p["data"]
        for _, p in endpoint.received
        if (p["type"], p["data"]["memberId"]) == ("POINTS_EXPIRED", "mbr_demo_ben")
    )
    assert expired["balance"] == 0 and expired["points"] > 0


async def test_a_delivery_waits_while_an_earlier_change_of_its_member_is_not_relayed(
    api: Api, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    await subscribe(api, endpoint, url, ["POINTS_EARNED"])
    members = api.tessera.collections.members
    ben = await members.find_one({"_id": "mbr_demo_ben"})
    assert ben is not None
    # An earlier version still in the outbox: its relay (on another instance, say) has
    # not stored its deliveries yet.
    stuck = {"version": ben["version"], "entries": [], "requests": [], "event": {}}
    await members.update_one({"_id": "mbr_demo_ben"}, {"$push": {"outbox": stuck}})
    await buy(api, "mbr_demo_ben", "wh-late", "10.00")
    await settle(api)
    assert endpoint.received == []
    [waiting] = await deliveries(api)
    assert waiting["status"] == "PENDING" and waiting["attempts"] == 0

    await members.update_one({"_id": "mbr_demo_ben"}, {"$pullAll": {"outbox": [stuck]}})
    await run_due(api)
    assert [p["data"]["entry"]["orderId"] for _, p in endpoint.received] == ["wh-late"]
