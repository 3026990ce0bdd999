"""cancelRedemption through GraphQL on both stores: before its voucher is used, a redemption
is undone: the points go back to the batches they came from with their own expiry, the
stock is given back, and the voucher can no longer be used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import ERROR, MEMBER_FIELDS, USE, countdown
from tests.integration.steps import bought, enrolled, member, redeemed

CANCEL = f"""mutation($input: CancelRedemptionInput!) {{ cancelRedemption(input: $input) {{
  __typename
  ... on RedemptionCancelled {{ member {{ {MEMBER_FIELDS} }}
    memberReward {{ id code status reward {{ id }} }} entry {{ kind points reason }} }}
  {ERROR} }} }}"""

STOCK = "{ program { rewards { id available } } }"


def cancelling(key: str, **voucher: str) -> dict[str, Any]:
    return {"input": {"idempotencyKey": key, **voucher}}


async def available(api: Api, reward_id: str) -> int:
    rewards = (await api.data(STOCK))["program"]["rewards"]
    found: int = next(r["available"] for r in rewards if r["id"] == reward_id)
    return found


async def test_a_cancelled_redemption_gives_the_points_back_with_their_own_expiry(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "cancel@example.com")
    await bought(api, given["id"], "o-1", "100.00")
    clock.advance(timedelta(days=40))
    before = (await bought(api, given["id"], "o-2", "100.00"))["member"]
    issued = await redeemed(api, given["id"], "coffee", "r-1")  # 100 of o-1's, 50 of o-2's
    code = issued["memberReward"]["code"]

    done = await api.data(CANCEL, cancelling("c-1", code=code), api.callcenter)
    again = await api.data(CANCEL, cancelling("c-1", code=code), api.callcenter)

    payload = done["cancelRedemption"]
    assert payload["__typename"] == "RedemptionCancelled", payload
    assert payload["entry"]["kind"] == "REDEMPTION_CANCELLED"
    assert payload["entry"]["points"] == 150
    assert payload["memberReward"]["status"] == "CANCELLED"
    assert payload["member"]["balance"] == before["balance"] == 200
    # The soonest points expire on the day they did before the redemption, not a year on.
    assert countdown(payload["member"], "POINTS_EXPIRY") == countdown(before, "POINTS_EXPIRY")
    assert again == done  # a retry replays the cancel


async def test_a_cancelled_voucher_cannot_be_used_or_cancelled_again(api: Api) -> None:
    given = await enrolled(api, "twice@example.com")
    await bought(api, given["id"], "o-1", "300.00")
    first = (await redeemed(api, given["id"], "coffee", "r-1"))["memberReward"]
    second = (await redeemed(api, given["id"], "coffee", "r-2"))["memberReward"]
    await api.data(CANCEL, cancelling("c-1", code=first["code"]), api.callcenter)
    await api.data(USE, {"input": {"code": second["code"], "channel": "POS"}}, api.pos)

    use = await api.data(USE, {"input": {"code": first["code"], "channel": "POS"}}, api.pos)
    again = await api.data(CANCEL, cancelling("c-2", code=first["code"]), api.callcenter)
    used = await api.data(CANCEL, cancelling("c-3", code=second["code"]), api.callcenter)

    assert use["useReward"]["code"] == "REWARD_NOT_ACTIVE"
    assert again["cancelRedemption"]["code"] == "REWARD_NOT_ACTIVE"
    assert "cancelled" in again["cancelRedemption"]["message"]
    assert used["cancelRedemption"]["code"] == "REWARD_NOT_ACTIVE"
    assert (await member(api, given["id"]))["balance"] == 300 - 150


async def test_cancelling_by_the_vouchers_id_gives_its_stock_back(api: Api) -> None:
    given = await enrolled(api, "tote@example.com")
    await bought(api, given["id"], "o-1", "600.00")
    at_first = await available(api, "tote-bag")
    issued = (await redeemed(api, given["id"], "tote-bag", "r-1"))["memberReward"]
    taken = await available(api, "tote-bag")

    done = await api.data(CANCEL, cancelling("c-1", memberRewardId=issued["id"]), api.pos)

    assert done["cancelRedemption"]["memberReward"]["id"] == issued["id"]
    assert (taken, await available(api, "tote-bag")) == (at_first - 1, at_first)
    assert done["cancelRedemption"]["member"]["balance"] == 600


async def test_a_cancel_that_names_no_voucher_is_refused_and_changes_nothing(api: Api) -> None:
    given = await enrolled(api, "none@example.com")
    await bought(api, given["id"], "o-1", "200.00")
    code = (await redeemed(api, given["id"], "coffee", "r-1"))["memberReward"]["code"]

    answers = [
        await api.data(CANCEL, cancelling("c-1"), api.callcenter),
        await api.data(CANCEL, cancelling("c-2", code=code, memberRewardId="rwd_x"), api.admin),
        await api.data(CANCEL, cancelling("c-3", code="ZZZZ-9999"), api.callcenter),
        await api.data(CANCEL, cancelling("c-4", memberRewardId="rwd_nope"), api.callcenter),
        await api.data(CANCEL, cancelling("c-5", code="not a code!"), api.callcenter),
    ]
    forbidden = await api.raw(
        CANCEL, cancelling("c-6", code=code), api.token("member", member=given["id"])
    )

    assert [a["cancelRedemption"]["code"] for a in answers] == [
        "INVALID_INPUT",
        "INVALID_INPUT",
        "REWARD_NOT_FOUND",
        "REWARD_NOT_FOUND",
        "INVALID_INPUT",
    ]
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await member(api, given["id"]))["balance"] == 50
