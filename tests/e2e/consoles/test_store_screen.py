"""The store screen in a real browser: the store's activity appears live, each event with
the member's tier and greeting cues; the token comes from the fragment, or the page asks."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page, expect

from tests.e2e.consoles.conftest import Consoles

PURCHASE = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  __typename ... on Error { message } } }"""
CHECK_IN = """mutation($input: CheckInInput!) { checkIn(input: $input) {
  __typename ... on Error { message } } }"""


async def until_watching(page: Page) -> None:
    """The socket is up and its subscribe sent: storeActivity has no snapshot to wait for,
    so give the server a moment to register it."""
    await expect(page.locator("#live")).to_have_text("live")
    await asyncio.sleep(0.5)


async def test_a_check_in_and_a_purchase_show_within_a_second(consoles: Consoles) -> None:
    member = await consoles.enroll("Dora Store", "dora.store@example.com")
    page = await consoles.open("store", consoles.tokens["pos"])
    await expect(page.get_by_label("Store", exact=True)).to_have_value("store-001")
    await until_watching(page)

    started = time.monotonic()
    await consoles.graphql(
        consoles.tokens["pos"],
        CHECK_IN,
        {"input": {"member": {"id": member}, "storeId": "store-001", "channel": "POS"}},
    )
    check_in = page.locator(f'#activity li[data-member="{member}"][data-kind="CHECKED_IN"]')
    await expect(check_in).to_be_visible(timeout=1000)
    await consoles.graphql(
        consoles.tokens["pos"],
        PURCHASE,
        {
            "input": {
                "member": {"id": member},
                "orderId": "store-screen-1",
                "amount": "25.00",
                "currency": "EUR",
                "channel": "POS",
                "storeId": "store-001",
                "idempotencyKey": "store-screen-1",
            }
        },
    )
    purchase = page.locator(f'#activity li[data-member="{member}"][data-kind="EARNED"]')
    await expect(purchase).to_be_visible(timeout=1000)

    assert time.monotonic() - started < 3
    await expect(purchase).to_contain_text("Purchase")
    await expect(purchase).to_contain_text("Dora Store")
    await expect(purchase.locator("[data-tier]")).to_have_text("Bronze")
    assert "#token" not in page.url  # taken out of the address bar once read


async def test_without_a_token_the_page_asks_for_one(consoles: Consoles) -> None:
    page = await consoles.open("store", None)

    field = page.get_by_label("Bearer token")
    await expect(field).to_be_focused()
    await field.fill(consoles.tokens["pos"])
    await field.press("Enter")

    await expect(page.get_by_label("Store", exact=True)).to_have_value("store-001")
    await expect(page.locator("#live")).to_have_text("live")


async def test_a_refused_subscription_shows_the_error_message(consoles: Consoles) -> None:
    page = await consoles.open("store", consoles.tokens["pos"])
    await page.get_by_label("Store", exact=True).fill("store-999")
    await page.get_by_role("button", name="Watch").click()

    status = page.locator("#status")
    await expect(status).to_contain_text("this POS token is for store store-001")
    await expect(status).to_have_attribute("role", "alert")
