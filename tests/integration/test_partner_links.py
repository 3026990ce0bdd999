"""Linking members at partners through GraphQL on both stores: the member's link code is the
consent (single-use, short-lived, for one partner), the partner links its own external id
with it, and either side unlinks; a merge keeps the links."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import MERGE, by_id
from tests.integration.partners import (
    UNLINK,
    UNLINK_MEMBER,
    link_code,
    linked,
    linked_with,
    looked_up,
    partner_token,
)
from tests.integration.steps import enrolled

BEN = "mbr_demo_ben"


async def test_a_member_links_at_a_partner_with_a_code_and_the_partner_finds_them(
    api: Api,
) -> None:
    code = await link_code(api, BEN, "skyways")

    done = await linked_with(api, "skyways", code.lower().replace("-", " "), "SKY-100")
    found = await looked_up(api, "skyways", "SKY-100", "displayName tier balance")

    assert len(code) == 14 and code.count("-") == 2, code  # ABCD-EFGH-JKMN
    assert done == {
        "__typename": "PartnerMember",
        "partner": "skyways",
        "externalId": "SKY-100",
        "tier": "BRONZE",
    }
    assert (found["displayName"], found["tier"], found["balance"]) == ("Ben Okafor", "BRONZE", 320)


async def test_a_code_links_once_and_a_retry_answers_the_same(api: Api) -> None:
    code = await link_code(api, BEN, "skyways")

    first = await linked_with(api, "skyways", code, "SKY-1")
    retry = await linked_with(api, "skyways", code, "SKY-1")
    other = await linked_with(api, "skyways", code, "SKY-2")

    assert first == retry
    assert other["code"] == "LINK_CODE_INVALID", other
    assert (await looked_up(api, "skyways", "SKY-2"))["code"] == "MEMBER_NOT_LINKED"


async def test_a_code_expires_is_replaced_by_a_newer_one_and_names_one_partner(
    api: Api, clock: SettableClock
) -> None:
    old = await link_code(api, BEN, "skyways")
    newer = await link_code(api, BEN, "skyways")
    late = await link_code(api, BEN, "skyways")
    clock.advance(timedelta(minutes=11))

    assert (await linked_with(api, "skyways", old, "SKY-3"))["code"] == "LINK_CODE_INVALID"
    assert (await linked_with(api, "skyways", late, "SKY-3"))["code"] == "LINK_CODE_INVALID"
    assert newer != late
    food = await link_code(api, BEN, "dashfood")
    # A code for dashfood is no code at skyways, and the code for dashfood still works.
    assert (await linked_with(api, "skyways", food, "SKY-3"))["code"] == "LINK_CODE_INVALID"
    assert (await linked_with(api, "dashfood", food, "D-3"))["__typename"] == "PartnerMember"


async def test_bad_codes_are_refused_as_input(api: Api) -> None:
    refused = await linked_with(api, "skyways", "ABCD", "SKY-4")

    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "linkCode")


async def test_an_external_id_links_one_member(api: Api) -> None:
    other = await enrolled(api, "other@example.com", "Other")
    await linked(api, BEN, "skyways", "SKY-5")

    taken = await linked_with(api, "skyways", await link_code(api, other["id"], "skyways"), "SKY-5")

    assert taken["code"] == "EXTERNAL_ID_TAKEN", taken
    assert (await looked_up(api, "skyways", "SKY-5", "displayName"))["displayName"] == "Ben Okafor"


async def test_a_new_link_at_the_same_partner_replaces_the_old(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-OLD")
    await linked(api, BEN, "skyways", "SKY-NEW")

    assert (await looked_up(api, "skyways", "SKY-OLD"))["code"] == "MEMBER_NOT_LINKED"
    assert (await looked_up(api, "skyways", "SKY-NEW"))["__typename"] == "PartnerMember"
    # The old id is free for another member.
    other = await enrolled(api, "next@example.com")
    await linked(api, other["id"], "skyways", "SKY-OLD")


async def test_the_partner_unlinks_and_the_id_finds_no_one(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-6")
    variables = {"input": {"partner": "skyways", "externalId": "SKY-6"}}

    done = await api.data(UNLINK_MEMBER, variables, partner_token(api, "skyways"))
    again = await api.data(UNLINK_MEMBER, variables, partner_token(api, "skyways"))

    assert done["unlinkPartnerMember"] == {
        "__typename": "PartnerMemberUnlinked",
        "partner": "skyways",
        "externalId": "SKY-6",
    }
    assert again["unlinkPartnerMember"]["code"] == "MEMBER_NOT_LINKED"
    assert (await looked_up(api, "skyways", "SKY-6"))["code"] == "MEMBER_NOT_LINKED"


async def test_the_member_sees_its_links_and_unlinks_in_the_app(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-7")
    variables = {"input": {"member": by_id(BEN), "partner": "skyways"}}
    mine = "{ me { partnerLinks { partner externalId linkedAt } } }"

    before = (await api.data(mine, None, api.token("member", BEN)))["me"]["partnerLinks"]
    done = (await api.data(UNLINK, variables, api.token("member", BEN)))["unlinkPartner"]

    assert before == [
        {"partner": "skyways", "externalId": "SKY-7", "linkedAt": before[0]["linkedAt"]}
    ]
    assert done == {
        "__typename": "PartnerUnlinked",
        "partner": "skyways",
        "member": {"id": BEN, "partnerLinks": []},
    }
    assert (await looked_up(api, "skyways", "SKY-7"))["code"] == "MEMBER_NOT_LINKED"
    # Linking again takes a new code: the member's consent again.
    await linked(api, BEN, "skyways", "SKY-7")


async def test_a_member_makes_codes_and_unlinks_for_itself_only(api: Api) -> None:
    ada = api.token("member", "mbr_demo_ada")
    make = {"input": {"member": by_id(BEN), "partner": "skyways"}}

    from tests.integration.partners import CODE

    assert await api.error_code(CODE, make, ada) == "FORBIDDEN"
    assert await api.error_code(UNLINK, make, ada) == "FORBIDDEN"
    assert await api.error_code(CODE, make, partner_token(api, "skyways")) == "FORBIDDEN"


async def test_a_merge_keeps_both_members_partner_links(api: Api) -> None:
    duplicate = await enrolled(api, "ben.again@example.com", "Ben")
    await linked(api, duplicate["id"], "skyways", "SKY-DUP")
    await linked(api, BEN, "dashfood", "D-BEN")

    merged = await api.data(
        MERGE, {"input": {"survivor": by_id(BEN), "duplicate": by_id(duplicate["id"])}}
    )

    assert merged["mergeMembers"]["__typename"] == "MembersMerged", merged
    found = await looked_up(api, "skyways", "SKY-DUP", "displayName balance")
    assert found["balance"] == 320  # Ben's: the survivor's view
    assert (await looked_up(api, "dashfood", "D-BEN"))["__typename"] == "PartnerMember"
