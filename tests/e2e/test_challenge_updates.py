"""A challenge's progress reaches every follower live, over a real WebSocket: each purchase
that moves it is a memberUpdated with the new progress, and the one that completes it
carries the reward in the balance, once."""

from __future__ import annotations

from gql import GraphQLRequest

from tests.conftest import Api
from tests.e2e.conftest import subscriber
from tests.e2e.test_member_updated import next_of
from tests.integration.graphql import PURCHASE, by_id
from tests.integration.test_challenges import COFFEE, cart

UPDATES = """subscription($ref: MemberRef!) { memberUpdated(ref: $ref) {
  version cause { kind } member { balance challenges { id progress target completed } } } }"""


async def test_followers_see_the_progress_and_the_completion(http_api: Api, live: str) -> None:
    request = GraphQLRequest(UPDATES, variable_values={"ref": by_id("mbr_demo_ben")})
    async with subscriber(live, http_api.token("member", member="mbr_demo_ben")) as app:
        updates = app.subscribe(request)
        snapshot = await next_of(updates)
        for n in range(3):
            await http_api.data(PURCHASE, cart("mbr_demo_ben", f"live-{n}", COFFEE))
        seen = [await next_of(updates) for _ in range(3)]

    assert snapshot["member"]["challenges"][0] == {
        "id": "coffee-trio",
        "progress": 0,
        "target": 3,
        "completed": False,
    }
    progress = [
        (u["member"]["challenges"][0]["progress"], u["member"]["challenges"][0]["completed"])
        for u in seen
    ]
    assert progress == [(1, False), (2, False), (3, True)]
    assert [u["cause"]["kind"] for u in seen] == ["EARNED"] * 3
    assert [u["member"]["balance"] for u in seen] == [332, 344, 456]  # 320, +12 a coffee, +100
    assert [u["version"] for u in seen] == [snapshot["version"] + n for n in (1, 2, 3)]


VOUCHERS = """subscription($ref: MemberRef!) { memberUpdated(ref: $ref) {
  version cause { kind } member { rewards { reward { id } } challenges { id completed } } } }"""


async def test_a_challenge_voucher_is_pushed_as_its_own_update(http_api: Api, live: str) -> None:
    request = GraphQLRequest(VOUCHERS, variable_values={"ref": by_id("mbr_demo_ben")})
    async with subscriber(live, http_api.pos) as till:
        updates = till.subscribe(request)
        snapshot = await next_of(updates)
        for n, store in enumerate(("store-001", "store-002")):
            bought = cart("mbr_demo_ben", f"hop-{n}", COFFEE)
            bought["input"]["storeId"] = store
            await http_api.data(PURCHASE, bought, http_api.admin)
        seen = [await next_of(updates) for _ in range(3)]

    assert snapshot["member"]["rewards"] == []
    assert [u["cause"]["kind"] for u in seen] == ["EARNED", "EARNED", "CHALLENGE_COMPLETED"]
    assert seen[1]["member"]["challenges"][1] == {"id": "two-stores", "completed": True}
    assert seen[2]["member"]["rewards"] == [{"reward": {"id": "coffee"}}]
