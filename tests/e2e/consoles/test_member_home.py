"""The member home in a real browser: balance, tier progress, rewards and countdowns (the
same as the API's, which the emails quote), onboarding and "we miss you", challenges and
redeeming; and a purchase at the till shows on the member home and on the store screen
within a second, without a reload."""

from __future__ import annotations

import time

from playwright.async_api import expect

from tests.e2e.consoles.conftest import Consoles
from tests.e2e.consoles.test_pos_till import TILL_FIND
from tests.e2e.consoles.test_store_screen import until_watching

COUNTDOWNS = """query($ref: MemberRef!) { member(ref: $ref) {
  countdowns { kind label } engagement { onboarding { complete } } } }"""


async def test_a_purchase_at_the_till_shows_at_home_and_on_the_store_screen_within_a_second(
    consoles: Consoles,
) -> None:
    member = await consoles.enroll("Sam Home", "sam.home@example.com")
    home = await consoles.open("member", consoles.member_token(member))
    await expect(home.locator("#balance [data-balance]")).to_have_text("0")
    store = await consoles.open("store", consoles.tokens["pos"])
    await until_watching(store)
    till = await consoles.found_on("pos", consoles.tokens["pos"], TILL_FIND, "sam.home@example.com")
    await expect(till.locator("#member-card")).to_contain_text("Sam Home")
    await till.get_by_label("SKU, line 1").fill("BEANS-1KG")
    await till.get_by_label("Category, line 1").fill("COFFEE")
    await till.get_by_label("Unit price, line 1").fill("120.00")
    await till.get_by_role("button", name="Preview points").click()
    record = till.get_by_role("button", name="Record purchase")

    await record.click()
    clicked = time.monotonic()
    await expect(home.locator("#balance [data-balance]")).not_to_have_text("0", timeout=1000)
    await expect(store.locator(f'#activity li[data-member="{member}"]')).to_be_visible(timeout=1000)
    assert time.monotonic() - clicked < 1.5  # both, one after the other, within the second
    balance = await home.locator("#balance [data-balance]").inner_text()
    await expect(till.locator("#member-card [data-balance]")).to_have_text(balance)
    await expect(store.locator(f'#activity li[data-member="{member}"]')).to_contain_text("Purchase")


async def test_the_home_shows_what_the_api_and_the_emails_say_and_redeems(
    consoles: Consoles,
) -> None:
    member = await consoles.enroll("Tess Home", "tess.home@example.com")
    await consoles.purchase(member, "tess-1", "200.00", channel="WEB")
    api = await consoles.graphql(consoles.tokens["admin"], COUNTDOWNS, {"ref": {"id": member}})
    page = await consoles.open("member", consoles.member_token(member))

    await expect(page.locator("#balance [data-balance]")).to_have_text("200")
    await expect(page.get_by_label("800 points to Silver")).to_have_attribute("value", "200")
    shown = page.locator("#balance [data-countdown]")
    await expect(shown).to_have_count(len(api["member"]["countdowns"]))
    assert await shown.all_inner_texts() != []
    for countdown in api["member"]["countdowns"]:
        label = page.locator(f'#balance [data-countdown="{countdown["kind"]}"]')
        await expect(label).to_contain_text(countdown["label"])
    assert api["member"]["engagement"]["onboarding"]["complete"] is False
    await expect(page.locator('#onboarding [data-step="FIRST_PURCHASE"]')).to_have_attribute(
        "data-done", "true"
    )
    await expect(page.locator("#we-miss-you")).to_have_count(0)

    await page.get_by_role("button", name="Redeem Free coffee").click()
    await expect(page.locator("#status")).to_contain_text("Redeemed Free coffee: your code is")
    await expect(page.locator("#balance [data-balance]")).to_have_text("50")
    await expect(page.locator("[data-voucher]")).to_have_count(1)

    # refused: not enough points, in the API's own words
    await page.get_by_role("button", name="Redeem Limited tote bag").click()
    await expect(page.locator("#status")).to_have_attribute("role", "alert")
    await expect(page.locator("#status")).to_contain_text("points")


async def test_a_page_that_cannot_start_says_why(consoles: Consoles) -> None:
    staff = await consoles.open("member", consoles.tokens["pos"])
    stranger = await consoles.open("pos", "not-a-token")

    await expect(staff.locator("#status")).to_contain_text("`me` is for member tokens")
    await expect(stranger.locator("#status")).to_have_attribute("role", "alert")
    await expect(stranger.locator("#status")).not_to_be_empty()
