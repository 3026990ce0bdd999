"""Referrals through GraphQL on both stores: each member has a code; a friend who enrolls
with it is linked; both are rewarded once when the friend's first qualifying purchase
clears its hold (with `pending_days = 14`, by the expiry sweep; with none, at the purchase);
every refusal is an error in the schema that changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import SettableClock
from domain.handlers import reward_referrer
from tests.conftest import Api, backends
from tests.integration.cron import app_with, ran, settled
from tests.integration.graphql import ERROR, HISTORY, by_id
from tests.integration.held_program import held_fixture  # noqa: F401  (`held`)
from tests.integration.steps import bought

ENROLL = f"""mutation($input: EnrollMemberInput!) {{ enrollMember(input: $input) {{
  __typename ... on MemberEnrolled {{ member {{ id referralCode balance }} }} {ERROR} }} }}"""
SHOWN = (
    """query($ref: MemberRef!) { member(ref: $ref) { id referralCode balance pendingBalance } }"""
)


@pytest.fixture(params=backends())
async def at_once(request: pytest.FixtureRequest, clock: SettableClock) -> AsyncIterator[Api]:
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with app_with(clock, url) as api:  # the demo program: no hold
        yield api


async def enroll(api: Api, address: str, code: str | None = None) -> dict[str, Any]:
    variables = {
        "input": {
            "identifiers": [{"kind": "EMAIL", "value": address}],
            "channel": "WEB",
            "referralCode": code,
        }
    }
    payload: dict[str, Any] = (await api.data(ENROLL, variables))["enrollMember"]
    return payload


async def shown(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(SHOWN, {"ref": by_id(member_id)}))["member"]
    return found


async def rewards_of(api: Api, member_id: str) -> list[int]:
    data = await api.data(HISTORY, {"ref": by_id(member_id), "first": 50})
    edges = data["member"]["history"]["edges"]
    return [e["node"]["points"] for e in edges if e["node"]["kind"] == "REFERRAL_REWARDED"]


async def test_both_are_rewarded_once_when_the_hold_ends(held: Api, clock: SettableClock) -> None:
    referrer = (await enroll(held, "ref@example.com"))["member"]
    friend = await enroll(held, "friend@example.com", referrer["referralCode"].lower())
    assert friend["__typename"] == "MemberEnrolled", friend
    friend_id = friend["member"]["id"]
    await bought(held, friend_id, "o-1", "40.00")
    await settled(held)

    clock.advance(timedelta(days=13))
    assert await ran(held, "expire_due") == 0  # not yet
    clock.advance(timedelta(days=1, minutes=1))
    await ran(held, "expire_due")  # the friend's release and reward; the referrer's job
    await ran(held, "expire_due")

    assert (await shown(held, friend_id))["balance"] == 40 + 250
    assert (await shown(held, referrer["id"]))["balance"] == 500
    assert await rewards_of(held, friend_id) == [250]
    assert await rewards_of(held, referrer["id"]) == [500]


async def test_without_a_hold_the_purchase_rewards_both(at_once: Api) -> None:
    referrer = (await enroll(at_once, "ref@example.com"))["member"]
    friend = (await enroll(at_once, "friend@example.com", referrer["referralCode"]))["member"]

    earned = await bought(at_once, friend["id"], "o-1", "40.00")
    await settled(at_once)
    await bought(at_once, friend["id"], "o-2", "10.00")  # the first purchase only
    await settled(at_once)

    assert earned["member"]["balance"] == 40 + 250
    assert (await shown(at_once, referrer["id"]))["balance"] == 500
    assert await rewards_of(at_once, referrer["id"]) == [500]


async def test_the_referrer_is_credited_once_however_often_the_job_runs(at_once: Api) -> None:
    referrer = (await enroll(at_once, "ref@example.com"))["member"]
    friend = (await enroll(at_once, "friend@example.com", referrer["referralCode"]))["member"]
    await bought(at_once, friend["id"], "o-1", "40.00")
    await settled(at_once)

    ports = at_once.tessera.ports
    again = await asyncio.gather(*(reward_referrer.handle(friend["id"], ports) for _ in range(5)))

    assert again == [None] * 5
    assert await rewards_of(at_once, referrer["id"]) == [500]


async def test_a_race_of_jobs_credits_the_referrer_once(at_once: Api) -> None:
    referrer = (await enroll(at_once, "ref@example.com"))["member"]
    friend = (await enroll(at_once, "friend@example.com", referrer["referralCode"]))["member"]
    await bought(at_once, friend["id"], "o-1", "40.00")
    # no wait for the queued job: five more race it
    ports = at_once.tessera.ports
    await asyncio.gather(*(reward_referrer.handle(friend["id"], ports) for _ in range(5)))
    await settled(at_once)

    assert await rewards_of(at_once, referrer["id"]) == [500]
    assert (await shown(at_once, referrer["id"]))["balance"] == 500


async def test_refusals_are_errors_in_the_schema(at_once: Api) -> None:
    referrer = (await enroll(at_once, "ref@example.com"))["member"]
    code = referrer["referralCode"]
    other = (await enroll(at_once, "other@example.com"))["member"]
    friend = (await enroll(at_once, "friend@example.com", code))["member"]

    unknown = await enroll(at_once, "new1@example.com", "ZZZZ-ZZZZ")
    malformed = await enroll(at_once, "new2@example.com", "nope")
    itself = await enroll(at_once, "ref@example.com", code)
    known = await enroll(at_once, "other@example.com", code)
    twice = await enroll(at_once, "friend@example.com", code)

    assert (unknown["__typename"], unknown["code"]) == (
        "ReferralCodeUnknown",
        "REFERRAL_CODE_UNKNOWN",
    )
    assert (malformed["code"], malformed["field"]) == ("INVALID_INPUT", "referralCode")
    assert (itself["__typename"], itself["code"]) == ("SelfReferral", "SELF_REFERRAL")
    assert (known["__typename"], known["code"]) == ("AlreadyMember", "ALREADY_MEMBER")
    assert (twice["__typename"], twice["code"]) == ("AlreadyReferred", "ALREADY_REFERRED")
    # nothing changed: no member was made for the refused addresses, the others are as were
    for address in ("new1@example.com", "new2@example.com"):
        found = await at_once.data(
            "query($ref: MemberRef!) { member(ref: $ref) { id } }",
            {"ref": {"identifier": {"kind": "EMAIL", "value": address}}},
        )
        assert found["member"] is None
    assert (await shown(at_once, other["id"]))["balance"] == 0
    assert (await shown(at_once, friend["id"]))["referralCode"] != code


async def test_a_change_that_finds_the_reward_due_writes_it_first(
    held: Api, clock: SettableClock
) -> None:
    referrer = (await enroll(held, "ref@example.com"))["member"]
    friend = (await enroll(held, "friend@example.com", referrer["referralCode"]))["member"]
    await bought(held, friend["id"], "o-1", "40.00")
    await settled(held)
    clock.advance(timedelta(days=15))

    # the friend's next purchase is the first change since the hold ended: no read, no sweep
    await bought(held, friend["id"], "o-2", "10.00")
    await settled(held)

    data = await held.data(HISTORY, {"ref": by_id(friend["id"]), "first": 10})
    kinds = [e["node"]["kind"] for e in reversed(data["member"]["history"]["edges"])]
    assert kinds[-2:] == ["REFERRAL_REWARDED", "EARNED"]  # its own version, then the purchase
    assert await rewards_of(held, referrer["id"]) == [500]
