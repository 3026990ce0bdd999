"""Campaigns through GraphQL on both stores: previewPurchase shows each campaign as its own
rule with its name and why, recordPurchase records the same, a returned line takes its
campaign points back, `program { campaigns }` lists them with what their budget has left, and
concurrent purchases never take more than a budget."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.clock import SettableClock
from tests.conftest import Api, backends, running_app
from tests.demo_programs import NO_HOLD
from tests.integration.graphql import ERROR, by_id
from tests.integration.steps import enrolled

SATURDAY = datetime(2026, 1, 17, 10, 0, tzinfo=UTC)  # 11:00 in Paris

CAMPAIGNS = """
[[campaigns]]
id = "double-weekend"
name = "Double points weekend"
days = ["sat", "sun"]
categories = ["COFFEE"]
multiplier = 2
budget = 100

[[campaigns]]
id = "birthday"
name = "Birthday week treat"
birthday_week = true
bonus = 50
per_member_per_day = 1
qualifying = true
"""

PREVIEW = f"""query($input: PreviewPurchaseInput!) {{ previewPurchase(input: $input) {{
  __typename
  ... on PurchasePreview {{ points rules {{ rule points qualifying why perLine }} }}
  {ERROR} }} }}"""

PURCHASE = f"""mutation($input: RecordPurchaseInput!) {{ recordPurchase(input: $input) {{
  __typename
  ... on PointsEarned {{ entry {{ points reason }} lines {{ sku points }}
    member {{ balance tierProgress {{ qualifyingPoints }} }} }}
  {ERROR} }} }}"""

RETURN = f"""mutation($input: ReturnPurchaseInput!) {{ returnPurchase(input: $input) {{
  __typename ... on PurchaseReturned {{ entry {{ points }} }} {ERROR} }} }}"""

PROGRAM = """{ program { campaigns { id name days categories multiplier bonus
  birthdayWeek stacking qualifying budget budgetLeft perMemberPerDay } } }"""


@pytest.fixture(params=backends())
async def shop(
    request: pytest.FixtureRequest, clock: SettableClock, tmp_path: Path
) -> AsyncIterator[Api]:
    program = tmp_path / "campaigns.toml"
    demo = NO_HOLD.read_text()
    program.write_text(demo[: demo.index("# Campaigns:")] + CAMPAIGNS)  # these, not the demo's
    clock.current = SATURDAY
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    async with running_app(clock, mongodb_url=url, program=program) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            yield Api(http, app.state.tessera)


def cart(member_id: str, order_id: str = "o-1", **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "currency": "EUR",
            "channel": "POS",
            "storeId": "store-001",
            "lines": [
                {"sku": "COF-1", "category": "COFFEE", "quantity": 2, "unitPrice": "15.00"},
                {"sku": "MUG-1", "category": "HOME", "quantity": 1, "unitPrice": "12.00"},
            ],
            **({"orderId": order_id, "idempotencyKey": f"k-{order_id}"} if order_id else {}),
            **extra,
        }
    }


async def test_a_preview_and_the_purchase_show_each_campaign_with_its_why(shop: Api) -> None:
    given = await enrolled(shop, "weekend@example.com")

    preview = await shop.data(PREVIEW, cart(given["id"], order_id=""), shop.pos)
    bought = (await shop.data(PURCHASE, cart(given["id"]), shop.pos))["recordPurchase"]

    shown = preview["previewPurchase"]
    assert shown["__typename"] == "PurchasePreview", shown
    assert shown["rules"] == [
        {
            "rule": "base",
            "points": 42,
            "qualifying": True,
            "why": "BRONZE \u00d71 on 42.00 EUR",
            "perLine": [30, 12],
        },
        {
            "rule": "campaign:double-weekend",
            "points": 30,
            "qualifying": False,
            "why": "Double points weekend: +30 on COFFEE lines",
            "perLine": [30, 0],
        },
    ]
    assert bought["entry"]["points"] == shown["points"] == 72
    assert bought["entry"]["reason"] == (
        "BRONZE \u00d71 on 42.00 EUR; Double points weekend: +30 on COFFEE lines"
    )
    assert bought["lines"] == [{"sku": "COF-1", "points": 60}, {"sku": "MUG-1", "points": 12}]
    assert bought["member"]["tierProgress"]["qualifyingPoints"] == 42  # bonuses do not qualify

    back = await shop.data(
        RETURN,
        {
            "input": {
                "orderId": "o-1",
                "lines": [{"sku": "COF-1", "quantity": 2}],
                "idempotencyKey": "r-1",
            }
        },
        shop.pos,
    )
    assert back["returnPurchase"]["entry"]["points"] == -60  # the line's campaign points too


async def test_the_program_lists_its_campaigns_and_what_a_budget_has_left(shop: Api) -> None:
    given = await enrolled(shop, "budget@example.com")
    await shop.data(PURCHASE, cart(given["id"]), shop.pos)

    campaigns = (await shop.data(PROGRAM, token=shop.pos))["program"]["campaigns"]

    assert campaigns == [
        {
            "id": "double-weekend",
            "name": "Double points weekend",
            "days": ["sat", "sun"],
            "categories": ["COFFEE"],
            "multiplier": "2",
            "bonus": None,
            "birthdayWeek": False,
            "stacking": "additive",
            "qualifying": False,
            "budget": 100,
            "budgetLeft": 70,
            "perMemberPerDay": None,
        },
        {
            "id": "birthday",
            "name": "Birthday week treat",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "categories": [],
            "multiplier": None,
            "bonus": 50,
            "birthdayWeek": True,
            "stacking": "additive",
            "qualifying": True,
            "budget": None,
            "budgetLeft": None,
            "perMemberPerDay": 1,
        },
    ]


async def test_concurrent_purchases_on_different_members_never_exceed_the_budget(
    shop: Api,
) -> None:
    members = [await enrolled(shop, f"m{n}@example.com") for n in range(8)]

    answers = await asyncio.gather(
        *(shop.data(PURCHASE, cart(m["id"], f"o-{n}"), shop.pos) for n, m in enumerate(members))
    )

    extra = [a["recordPurchase"]["entry"]["points"] - 42 for a in answers]
    assert sum(extra) == 100  # 8 wanted 30 each: the budget's 100 and no more
    assert all(0 <= e <= 30 for e in extra)
    left = (await shop.data(PROGRAM, token=shop.pos))["program"]["campaigns"][0]["budgetLeft"]
    assert left == 0


async def test_the_birthday_week_bonus_follows_the_members_birthday(shop: Api) -> None:
    enroll = """mutation($input: EnrollMemberInput!) { enrollMember(input: $input) {
      __typename ... on MemberEnrolled { member { id birthday timeZone } } } }"""
    data = await shop.data(
        enroll,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": "bday@example.com"}],
                "channel": "POS",
                "birthday": "1990-01-14",  # a Wednesday this year: the same ISO week
                "timeZone": "America/New_York",
            }
        },
        shop.pos,
    )
    member = data["enrollMember"]["member"]
    mug_only = cart(member["id"])
    mug_only["input"]["lines"] = mug_only["input"]["lines"][1:]

    first = (await shop.data(PURCHASE, mug_only, shop.pos))["recordPurchase"]
    mug_only["input"].update(orderId="o-2", idempotencyKey="k-2")
    second = (await shop.data(PURCHASE, mug_only, shop.pos))["recordPurchase"]

    assert member["birthday"] == "1990-01-14" and member["timeZone"] == "America/New_York"
    assert first["entry"]["reason"].endswith("Birthday week treat: +50 on the order")
    assert first["entry"]["points"] == 62
    assert first["member"]["tierProgress"]["qualifyingPoints"] == 62  # this one qualifies
    assert second["entry"]["points"] == 12  # once a day
