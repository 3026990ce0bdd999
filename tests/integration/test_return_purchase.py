"""returnPurchase: points come back in proportion; a clawback may leave a debt."""

from __future__ import annotations

from pathlib import Path

import httpx

from domain.clock import SettableClock
from tests.conftest import Api, running_app
from tests.demo_programs import NO_HOLD
from tests.integration.graphql import RETURN
from tests.integration.steps import bought, enrolled, member, redeemed


def returning(order_id: str, amount: str, key: str) -> dict[str, object]:
    return {"input": {"orderId": order_id, "amount": amount, "idempotencyKey": key}}


async def test_partial_returns_add_up_to_the_whole_order(api: Api) -> None:
    given = await enrolled(api, "returns@example.com")
    await bought(api, given["id"], "o-1", "99.99")  # 99 points

    first = (await api.data(RETURN, returning("o-1", "33.33", "ret-1"), api.pos))["returnPurchase"]
    rest = (await api.data(RETURN, returning("o-1", "66.66", "ret-2"), api.pos))["returnPurchase"]

    assert first["entry"]["points"] == -33  # 33.33 is exactly a third of 99.99
    assert rest["entry"]["points"] == -66
    assert rest["member"]["balance"] == 0
    assert rest["member"]["tierProgress"]["qualifyingPoints"] == 0


async def test_returning_more_than_was_bought_is_refused(api: Api) -> None:
    given = await enrolled(api, "toomuch@example.com")
    await bought(api, given["id"], "o-1", "50.00")

    payload = await api.data(RETURN, returning("o-1", "50.01", "ret-1"), api.pos)
    unknown = await api.data(RETURN, returning("no-such", "1.00", "ret-2"), api.pos)

    assert payload["returnPurchase"]["code"] == "RETURN_EXCEEDS_PURCHASE"
    assert unknown["returnPurchase"]["code"] == "ORDER_NOT_FOUND"
    assert (await member(api, given["id"]))["balance"] == 50


async def test_a_clawback_after_spending_leaves_a_debt_repaid_by_later_earnings(api: Api) -> None:
    given = await enrolled(api, "debt@example.com")
    await bought(api, given["id"], "o-1", "200.00")
    await redeemed(api, given["id"], "coffee", "r-1")  # 50 left

    clawed = await api.data(RETURN, returning("o-1", "200.00", "ret-1"), api.pos)
    repaid = await bought(api, given["id"], "o-2", "180.00")

    assert clawed["returnPurchase"]["member"]["balance"] == -150
    assert repaid["member"]["balance"] == 30
    spend = await redeemed(api, given["id"], "coffee", "r-2")
    assert spend["__typename"] == "InsufficientPoints"


async def test_a_replayed_return_reverses_once(api: Api) -> None:
    given = await enrolled(api, "replay@example.com")
    await bought(api, given["id"], "o-1", "100.00")

    first = await api.data(RETURN, returning("o-1", "40.00", "ret-1"), api.pos)
    again = await api.data(RETURN, returning("o-1", "40.00", "ret-1"), api.pos)

    assert again["returnPurchase"]["entry"]["id"] == first["returnPurchase"]["entry"]["id"]
    assert (await member(api, given["id"]))["balance"] == 60


async def test_a_till_takes_back_only_its_own_stores_orders(api: Api) -> None:
    given = await enrolled(api, "elsewhere@example.com")
    await bought(api, given["id"], "o-1", "40.00")  # recorded at store-001
    other_till = api.token("pos", store="store-002")

    refused = await api.data(RETURN, returning("o-1", "10.00", "ret-1"), other_till)
    unchanged = await member(api, given["id"])
    own_till = await api.data(RETURN, returning("o-1", "10.00", "ret-2"), api.pos)
    head_office = await api.data(RETURN, returning("o-1", "10.00", "ret-3"), api.admin)

    assert refused["returnPurchase"]["code"] == "ORDER_NOT_FOUND"
    assert "store-002" in refused["returnPurchase"]["message"]
    assert (unchanged["balance"], unchanged["version"]) == (40, given["version"] + 1)
    assert own_till["returnPurchase"]["entry"]["points"] == -10
    assert head_office["returnPurchase"]["entry"]["points"] == -10


async def test_a_program_may_let_any_store_take_returns(
    clock: SettableClock, tmp_path: Path
) -> None:
    text = NO_HOLD.read_text().replace("any_store = false", "any_store = true")
    program = tmp_path / "any-store.toml"
    program.write_text(text)
    async with running_app(clock, program=program) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            api = Api(http, app.state.tessera)
            given = await enrolled(api, "anystore@example.com")
            await bought(api, given["id"], "o-1", "40.00")

            payload = await api.data(
                RETURN, returning("o-1", "10.00", "ret-1"), api.token("pos", store="store-002")
            )

    assert payload["returnPurchase"]["entry"]["points"] == -10
