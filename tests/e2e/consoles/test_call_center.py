"""The call center in a real browser: search by any identifier, history with cursors,
messages with why, adjust, link, consent and preferences; a merge, previewed first, moves
the card a till shows; a refused action shows the error's message."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.consoles.conftest import Consoles
from tests.e2e.consoles.test_pos_till import TILL_FIND

SEARCH = "Member: id, email, phone, card or app device"


async def agent_on(consoles: Consoles, text: str) -> Page:
    return await consoles.found_on("callcenter", consoles.tokens["callcenter"], SEARCH, text)


async def test_history_with_cursors_messages_and_an_adjustment_live(consoles: Consoles) -> None:
    member = await consoles.enroll(
        "Uma Agent",
        "uma.agent@example.com",
        identifiers=[
            {"kind": "EMAIL", "value": "uma.agent@example.com"},
            {"kind": "PHONE", "value": "+33 6 11 22 33 44"},
        ],
    )
    for n in range(11):
        await consoles.adjust(member, n + 1, f"goodwill {n + 1}", f"uma-{n}")
    page = await agent_on(consoles, "06 11 22 33 44")  # as the customer says it
    card = page.locator("#member-card")
    await expect(card).to_contain_text("Uma Agent")
    await expect(card.locator("[data-balance]")).to_have_text("66")

    rows = page.locator("#history tbody tr")
    await expect(rows).to_have_count(10)
    await page.get_by_role("button", name="Older entries").click()
    await expect(rows).to_have_count(12)  # eleven adjustments and the enrolment
    await expect(page.get_by_role("button", name="Older entries")).to_be_hidden()
    messages = page.locator("#messages li[data-message]")
    await expect(messages.first).to_be_visible()
    await expect(messages.first.locator(".why")).not_to_be_empty()

    await page.get_by_label("Points (negative to take back)").fill("-6")
    await page.get_by_label("Reason").fill("double credit on the phone")
    await page.get_by_label("Reason").press("Enter")

    await expect(card.locator("[data-balance]")).to_have_text("60", timeout=1000)
    newest = rows.first
    await expect(newest).to_contain_text("double credit on the phone")
    await expect(newest).to_contain_text("-6")
    # The live refresh keeps the older page the agent opened: 12 rows and the new one.
    await expect(rows).to_have_count(13)
    await page.wait_for_timeout(1600)  # and so does the second look, 1.5 s after the change
    await expect(rows).to_have_count(13)


async def test_a_merge_previewed_then_made_moves_the_card_at_the_till(consoles: Consoles) -> None:
    survivor = await consoles.enroll("Vic Main", "vic.main@example.com")
    duplicate = await consoles.enroll("Vic Old", "vic.old@example.com")
    for member, points in ((survivor, 100), (duplicate, 40)):
        await consoles.adjust(member, points, "welcome gift", f"vic-{member}")
    till = await consoles.found_on("pos", consoles.tokens["pos"], TILL_FIND, "vic.old@example.com")
    till_card = till.locator("#member-card .member-card")
    await expect(till_card).to_have_attribute("data-member", duplicate)
    page = await agent_on(consoles, "vic.main@example.com")
    await expect(page.locator("#member-card")).to_contain_text("Vic Main")

    await page.get_by_label("Duplicate: id, email, phone or card").fill("vic.old@example.com")
    await page.get_by_role("button", name="Preview merge").click()
    preview = page.locator("#merge-preview")
    await expect(preview.locator("[data-merged-balance]")).to_have_text("140 points")
    await expect(preview).to_contain_text("vic.old@example.com")
    unchanged = await consoles.graphql(
        consoles.tokens["callcenter"],
        "query($ref: MemberRef!) { member(ref: $ref) { id balance } }",
        {"ref": {"id": duplicate}},
    )
    assert unchanged["member"] == {"id": duplicate, "balance": 40}  # a preview writes nothing
    await page.get_by_role("button", name="Merge into Vic Main").click()

    await expect(till_card).to_have_attribute("data-member", survivor, timeout=1000)
    await expect(till_card.locator("[data-balance]")).to_have_text("140")
    await expect(page.locator("#member-card [data-balance]")).to_have_text("140")
    await expect(page.locator("#identifiers")).to_contain_text("vic.old@example.com")


async def test_consent_and_preferences_and_a_refused_link(consoles: Consoles) -> None:
    wes = await consoles.enroll("Wes Agent", "wes.agent@example.com")
    await consoles.enroll("Xia Agent", "xia.agent@example.com")
    page = await agent_on(consoles, "wes.agent@example.com")
    await expect(page.locator("#member-card")).to_contain_text("Wes Agent")

    email = page.get_by_label("EMAIL", exact=True)
    await email.select_option("OPTED_IN")
    # A live change while the agent edits (another surface credits Wes) keeps the edit.
    await consoles.adjust(wes, 5, "goodwill", "wes-live")
    await expect(page.locator("#member-card [data-balance]")).to_have_text("5")
    await expect(email).to_have_value("OPTED_IN")
    await page.get_by_label("Time zone (IANA, e.g. Europe/Paris)").fill("Europe/Lisbon")
    await page.get_by_label("Preferred channels, most wanted first (e.g. PUSH, EMAIL)").fill(
        "email"
    )
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator('[data-consent="EMAIL:OPTED_IN"]')).to_be_visible()
    await expect(page.locator("#member-card")).to_contain_text("Time zone: Europe/Lisbon")

    await page.get_by_label("Kind").select_option("EMAIL")
    await page.get_by_label("Identifier", exact=True).fill("xia.agent@example.com")
    await page.get_by_role("button", name="Link").click()
    alert = page.locator("#link .form-error")
    await expect(alert).to_contain_text("xia.agent@example.com")
    await expect(page.locator("#identifiers")).not_to_contain_text("xia.agent@example.com")
