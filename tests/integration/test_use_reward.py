"""useReward: a voucher is consumed once, at the store, while it is valid."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Api
from tests.integration.graphql import USE
from tests.integration.steps import bought, enrolled, member, redeemed


def use(code: str, store: str | None = "store-001") -> dict[str, object]:
    return {"input": {"code": code, "channel": "POS", "storeId": store}}


async def voucher_for(api: Api, address: str) -> tuple[str, str]:
    given = await enrolled(api, address)
    await bought(api, given["id"], "o-1", "300.00")
    issued = await redeemed(api, given["id"], "coffee", "r-1")
    return given["id"], issued["memberReward"]["code"]


async def test_a_voucher_is_used_once(api: Api) -> None:
    member_id, code = await voucher_for(api, "till@example.com")

    typed = code.lower().replace("-", " ")  # read aloud, typed loosely
    first = (await api.data(USE, use(typed), api.pos))["useReward"]
    second = (await api.data(USE, use(code), api.pos))["useReward"]

    assert first["__typename"] == "RewardUsed"
    assert first["memberReward"]["status"] == "USED"
    assert first["member"]["id"] == member_id
    assert second["code"] == "REWARD_NOT_ACTIVE"
    history = (await member(api, member_id))["rewards"]
    assert [r["status"] for r in history] == ["USED"]


async def test_an_expired_voucher_cannot_be_used(api: Api) -> None:
    _, code = await voucher_for(api, "late@example.com")
    api.tessera.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]

    payload = (await api.data(USE, use(code), api.pos))["useReward"]

    assert payload["code"] == "REWARD_NOT_ACTIVE"
    assert "expired" in payload["message"]


async def test_unknown_or_malformed_codes_are_typed_errors(api: Api) -> None:
    unknown = (await api.data(USE, use("ZZZZ-ZZZZ"), api.pos))["useReward"]
    malformed = (await api.data(USE, use("12"), api.pos))["useReward"]

    assert unknown["code"] == "REWARD_NOT_FOUND"
    assert malformed["code"] == "INVALID_INPUT"


async def test_only_the_store_itself_and_admins_use_vouchers(api: Api) -> None:
    _, code = await voucher_for(api, "where@example.com")

    other_store = await api.error_code(USE, use(code, "store-002"), api.pos)
    call_center = await api.error_code(USE, use(code), api.callcenter)

    assert other_store == "FORBIDDEN"
    assert call_center == "FORBIDDEN"
