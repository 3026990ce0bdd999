"""The POS till in a real browser: find a member by what they show, preview then record a
purchase with lines, redeem a reward and use its voucher, record a return, check in; the
card follows the member live; a refused action shows the error's message."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.consoles.conftest import Consoles

TILL_FIND = "Member: card, phone, email or app QR code"


async def found(consoles: Consoles, text: str) -> Page:
    page = await consoles.found_on("pos", consoles.tokens["pos"], TILL_FIND, text)
    await expect(page.get_by_label(TILL_FIND)).to_be_focused()  # the card's actions wait below
    return page


async def test_a_purchase_is_previewed_then_recorded_from_the_keyboard(consoles: Consoles) -> None:
    member = await consoles.enroll(
        "Pia Till",
        "pia.till@example.com",
        identifiers=[
            {"kind": "EMAIL", "value": "pia.till@example.com"},
            {"kind": "POS_CARD", "value": "4000-1111-0001"},
        ],
    )
    # scanned card, spaces instead of dashes: the till finds her
    page = await found(consoles, "4000 1111 0001")
    card = page.locator("#member-card")
    await expect(card).to_contain_text("Pia Till")
    await expect(card.locator("[data-tier]")).to_have_text("Bronze")
    await expect(card.locator('[data-cue="new-member"]')).to_be_visible()
    await expect(card.locator("[data-balance]")).to_have_text("0")

    # two lines, typed; preview first, then record
    await page.get_by_label("SKU, line 1").fill("LATTE")
    await page.get_by_label("Category, line 1").fill("COFFEE")
    await page.get_by_label("Quantity, line 1").fill("2")
    await page.get_by_label("Unit price, line 1").fill("4.50")
    await page.get_by_role("button", name="Add line").click()
    await page.get_by_label("SKU, line 2").fill("BAG")
    await page.get_by_label("Category, line 2").fill("GOODS")
    await page.get_by_label("Unit price, line 2").fill("41.00")
    await expect(page.get_by_role("button", name="Record purchase")).to_be_hidden()
    await page.get_by_label("Unit price, line 2").press("Enter")  # the form's first submit
    points = page.locator("[data-preview-points]")
    await expect(points).to_be_visible()
    previewed = int(await points.get_attribute("data-preview-points") or "-1")
    record = page.get_by_role("button", name="Record purchase")
    await expect(record).to_be_focused()
    await page.keyboard.press("Enter")

    await expect(page.locator("#status")).to_contain_text(f"+{previewed} points")
    await expect(card.locator("[data-balance]")).to_have_text(str(previewed), timeout=1000)
    assert previewed == 50  # 9.00 + 41.00 EUR at 1 point a euro, Bronze
    history = await consoles.graphql(
        consoles.tokens["pos"],
        "query($ref: MemberRef!) { member(ref: $ref) { balance"
        " history(first: 5) { edges { node { kind orderId } } } } }",
        {"ref": {"id": member}},
    )
    assert history["member"]["balance"] == previewed
    assert [e["node"]["kind"] for e in history["member"]["history"]["edges"]][:1] == ["EARNED"]


async def test_redeem_use_the_voucher_return_and_check_in(consoles: Consoles) -> None:
    member = await consoles.enroll("Quin Till", "quin.till@example.com")
    await consoles.purchase(member, "quin-1", "400.00", store="store-001")
    page = await found(consoles, "QUIN.TILL@example.com")
    card = page.locator("#member-card")
    await expect(card.locator("[data-balance]")).to_have_text("400")

    await page.get_by_label("Reward", exact=True).select_option("coffee")
    await page.get_by_role("button", name="Redeem").click()
    status = page.locator("#status")
    await expect(status).to_contain_text("Redeemed Free coffee: voucher ")
    code = re.search(r"voucher (\S+)\.", await status.inner_text())
    assert code is not None
    voucher = card.locator(f'[data-voucher="{code[1]}"]')
    await expect(voucher).to_be_visible()
    await expect(card.locator("[data-balance]")).to_have_text("250")

    await page.get_by_label("Voucher code").fill(code[1].lower())
    await page.get_by_role("button", name="Use voucher").click()
    await expect(status).to_contain_text(f"Voucher {code[1]} used")
    await expect(voucher).to_have_count(0)

    await page.get_by_label("Order returned").fill("quin-1")
    await page.locator("#return-amount").fill("100.00")
    await page.get_by_role("button", name="Record return").click()
    await expect(status).to_contain_text("Return recorded: -100 points")
    await expect(card.locator("[data-balance]")).to_have_text("150")

    await page.get_by_role("button", name="Check in").click()
    await expect(status).to_contain_text("Quin Till checked in.")


async def test_the_card_follows_what_happens_elsewhere_and_refusals_show_their_message(
    consoles: Consoles,
) -> None:
    member = await consoles.enroll("Rui Till", "rui.till@example.com")
    page = await found(consoles, member)  # the app's QR code carries the member's id
    card = page.locator("#member-card")
    await expect(card.locator("[data-balance]")).to_have_text("0")

    # a refused redemption: its expected error's message, as the API words it
    await page.get_by_label("Reward", exact=True).select_option("voucher-10")
    await page.get_by_role("button", name="Redeem").click()
    alert = page.locator("#redeem .form-error")
    await expect(alert).to_contain_text("points")
    await expect(page.locator("#status")).to_have_attribute("role", "alert")

    # an online purchase elsewhere shows on the card without a reload
    await consoles.purchase(member, "rui-web-1", "30.00", channel="WEB")
    await expect(card.locator("[data-balance]")).to_have_text("30", timeout=1000)


async def test_the_till_fits_a_tablet_held_upright(consoles: Consoles) -> None:
    member = await consoles.enroll("Sol Tablet", "sol.tablet@example.com")
    page = await consoles.open("pos", consoles.tokens["pos"], width=768)
    find = page.get_by_label(TILL_FIND)
    await find.fill(member)
    await find.press("Enter")
    await expect(page.locator("#member-card")).to_contain_text("Sol Tablet")

    overflow = await page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"the till is {overflow}px wider than a 768px tablet"
    font = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 16
