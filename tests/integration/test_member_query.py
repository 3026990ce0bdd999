"""member / me / program: one view for every surface, and who may see it."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.graphql import HISTORY, MEMBER, by_id, email
from tests.integration.steps import bought, enrolled

ME = "{ me { id displayName balance tier { code } } }"
PROGRAM = """{ program { name currency earnRate pointValue
  tiers { code name threshold earnMultiplier benefits }
  rewards { id name cost minTier available } } }"""


async def test_staff_find_a_member_by_any_identifier_as_typed(api: Api) -> None:
    by_email = await api.data(MEMBER, {"ref": email("  ADA@Example.com ")}, api.pos)
    by_phone = await api.data(
        MEMBER, {"ref": {"identifier": {"kind": "PHONE", "value": "06 12 34 56 78"}}}, api.pos
    )
    by_card = await api.data(
        MEMBER,
        {"ref": {"identifier": {"kind": "POS_CARD", "value": "4000 0000 0001"}}},
        api.callcenter,
    )

    assert by_email["member"]["id"] == "mbr_demo_ada"
    assert by_phone["member"]["id"] == "mbr_demo_ada"
    assert by_card["member"]["id"] == "mbr_demo_ada"
    assert by_email["member"]["tier"]["code"] == "SILVER"
    assert by_email["member"]["balance"] == 1150  # 1200 + 80 x 1.25 - 150 for a coffee


async def test_an_unknown_member_is_null_for_staff(api: Api) -> None:
    data = await api.data(MEMBER, {"ref": email("nobody@example.com")}, api.pos)

    assert data["member"] is None


async def test_a_member_token_sees_itself_and_nobody_else(api: Api) -> None:
    ada = api.token("member", member="mbr_demo_ada")

    me = await api.data(ME, token=ada)
    own = await api.data(MEMBER, {"ref": email("ada@example.com")}, ada)
    other = await api.error_code(MEMBER, {"ref": by_id("mbr_demo_ben")}, ada)
    unknown = await api.error_code(MEMBER, {"ref": email("nobody@example.com")}, ada)

    assert me["me"]["displayName"] == "Ada Lovelace"
    assert own["member"]["id"] == "mbr_demo_ada"
    assert other == "FORBIDDEN"
    assert unknown == "FORBIDDEN"  # no probing which identifiers exist


async def test_tokens_are_checked(api: Api) -> None:
    assert await api.error_code(PROGRAM) == "UNAUTHENTICATED"
    assert await api.error_code(PROGRAM, token="not-a-jwt") == "UNAUTHENTICATED"
    # A partner runs its trusted documents only, by id: a text is refused before any field.
    skyways = {"authorization": f"Bearer {api.token('partner', partner='skyways')}"}
    text = await api.http.post("/graphql", json={"query": PROGRAM}, headers=skyways)
    assert text.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    assert await api.error_code(ME, token=api.pos) == "FORBIDDEN"


async def test_the_program_lists_tiers_and_rewards_with_stock(api: Api) -> None:
    program = (await api.data(PROGRAM, token=api.pos))["program"]

    assert program["currency"] == "EUR"
    assert program["earnRate"] == "1"
    assert program["pointValue"] == "0.01"
    assert [(t["code"], t["threshold"], t["earnMultiplier"]) for t in program["tiers"]] == [
        ("BRONZE", 0, "1"),
        ("SILVER", 1000, "1.25"),
        ("GOLD", 5000, "1.5"),
    ]
    stock = {r["id"]: r["available"] for r in program["rewards"]}
    assert stock == {"coffee": None, "voucher-10": None, "tote-bag": 100, "lounge-pass": None}


async def test_history_pages_newest_first_through_cursors(api: Api) -> None:
    given = await enrolled(api, "pages@example.com")
    for n in range(5):
        await bought(api, given["id"], f"o-{n}", f"{n + 1}0.00")

    first = (await api.data(HISTORY, {"ref": by_id(given["id"]), "first": 4}))["member"]
    cursor = first["history"]["pageInfo"]["endCursor"]
    rest = await api.data(HISTORY, {"ref": by_id(given["id"]), "first": 4, "after": cursor})

    kinds = [e["node"]["kind"] for e in first["history"]["edges"]]
    later = [e["node"] for e in rest["member"]["history"]["edges"]]
    assert [e["node"]["orderId"] for e in first["history"]["edges"]] == ["o-4", "o-3", "o-2", "o-1"]
    assert kinds == ["EARNED"] * 4
    assert first["history"]["pageInfo"]["hasNextPage"] is True
    assert [(n["kind"], n["orderId"]) for n in later] == [("EARNED", "o-0"), ("ENROLLED", None)]
    assert rest["member"]["history"]["pageInfo"]["hasNextPage"] is False


async def test_a_bad_cursor_or_page_size_is_a_clear_error(api: Api) -> None:
    bad_cursor = {"ref": by_id("mbr_demo_ada"), "first": 2, "after": "garbage"}
    too_many = {"ref": by_id("mbr_demo_ada"), "first": 10_000}

    assert await api.error_code(HISTORY, bad_cursor, api.admin) == "BAD_USER_INPUT"
    assert await api.error_code(HISTORY, too_many, api.admin) == "BAD_USER_INPUT"
