"""The program dashboard in a real browser: the figures programStats answers, drawn by the
vendored Chart.js, updated live when a purchase happens elsewhere; a token that is not an
admin's sees the refusal's message."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.consoles.conftest import Consoles

STATS = """{ programStats { from to liabilityPoints liabilityValue purchases activeMembers
  members tiers { key count } } }"""
PURCHASE = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  __typename ... on Error { message } } }"""


async def figures(consoles: Consoles) -> dict[str, Any]:
    found: dict[str, Any] = (await consoles.graphql(consoles.tokens["admin"], STATS))[
        "programStats"
    ]
    return found


def value_of(page: Page, figure: str) -> Any:
    return page.locator(f'[data-figure="{figure}"] [data-value]')


async def chart_total(page: Page, chart: str) -> int:
    """What a Chart.js chart on the page holds, summed over its datasets."""
    total: int = await page.evaluate(
        """(id) => window.Chart.getChart(id).data.datasets
             .flatMap((set) => set.data).reduce((sum, n) => sum + n, 0)""",
        f"{chart}-chart",
    )
    return total


async def test_the_dashboard_shows_the_figures_and_follows_a_purchase(
    consoles: Consoles,
) -> None:
    member = await consoles.enroll("Ida Admin", "ida.admin@example.com")
    page = await consoles.open("admin", consoles.tokens["admin"])
    await expect(page.locator("#period")).to_have_attribute("data-updates", "1")
    before = await figures(consoles)

    # The figures are programStats's, for its default period (the last 30 days).
    await expect(page.get_by_label("From")).to_have_value(before["from"])
    await expect(page.get_by_label("To")).to_have_value(before["to"])
    await expect(value_of(page, "purchases")).to_have_attribute(
        "data-value", str(before["purchases"])
    )
    await expect(value_of(page, "liability")).to_have_attribute(
        "data-value", before["liabilityValue"]
    )
    assert await chart_total(page, "liability") == before["liabilityPoints"]
    assert await chart_total(page, "tiers") == before["members"]
    await expect(page.locator("#tiers-table")).to_contain_text("GOLD")

    started = time.monotonic()
    await consoles.graphql(
        consoles.tokens["pos"],
        PURCHASE,
        {
            "input": {
                "member": {"id": member},
                "orderId": "admin-dashboard-1",
                "amount": "80.00",
                "currency": "EUR",
                "channel": "POS",
                "storeId": "store-001",
                "idempotencyKey": "admin-dashboard-1",
            }
        },
    )

    # Without a reload: one more purchase, 80 more open points (Bronze, 1 point a euro).
    await expect(value_of(page, "purchases")).to_have_attribute(
        "data-value", str(before["purchases"] + 1), timeout=2000
    )
    assert time.monotonic() - started < 2
    after = await figures(consoles)
    assert after["liabilityPoints"] == before["liabilityPoints"] + 80
    worth = Decimal(before["liabilityValue"]) + Decimal("0.80")
    await expect(value_of(page, "liability")).to_have_attribute("data-value", str(worth))
    assert await chart_total(page, "liability") == after["liabilityPoints"]
    await expect(value_of(page, "activeMembers")).to_have_attribute(
        "data-value", str(after["activeMembers"])
    )


async def test_a_token_that_is_not_an_admins_sees_why(consoles: Consoles) -> None:
    page = await consoles.open("admin", consoles.tokens["callcenter"])

    status = page.locator("#status")
    await expect(status).to_contain_text("may not view the program's figures")
    await expect(status).to_have_attribute("role", "alert")
