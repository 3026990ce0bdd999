"""A partner's lookup through GraphQL on both stores: by its own external id only (never
another partner's ids, nor an email, phone or card), for its own partner only, and showing
only what the program's field policy allows: a field beyond it is an error, not data."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.partners import linked, looked_up, lookup, partner_token

BEN = "mbr_demo_ben"


async def test_a_partner_sees_the_fields_its_policy_allows(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-42")

    found = await looked_up(api, "skyways", "SKY-42", "displayName tier balance")

    assert found["__typename"] == "PartnerMember"
    assert (found["partner"], found["externalId"]) == ("skyways", "SKY-42")
    assert (found["displayName"], found["tier"], found["balance"]) == ("Ben Okafor", "BRONZE", 320)


async def test_a_field_beyond_the_policy_is_an_error_not_data(api: Api) -> None:
    await linked(api, BEN, "dashfood", "D-42")  # dashfood sees the tier only
    variables = {"partner": "dashfood", "externalId": "D-42"}

    body = await api.raw(lookup("tier alias: balance"), variables, partner_token(api, "dashfood"))

    (error,) = body["errors"]
    assert error["extensions"] == {"code": "FIELD_NOT_ALLOWED", "field": "balance"}
    assert "dashfood's field policy does not allow balance (it allows tier)" in error["message"]
    assert body["data"]["partnerMember"]["alias"] is None  # no balance, under any name
    assert body["data"]["partnerMember"]["tier"] == "BRONZE"


async def test_a_partner_cannot_reach_another_partners_ids_or_a_members_identifiers(
    api: Api,
) -> None:
    await linked(api, BEN, "skyways", "SKY-43")

    for external_id in ("SKY-43", "ben@example.com", "mbr_demo_ben", "EMAIL:ben@example.com"):
        found = await looked_up(api, "dashfood", external_id)
        assert found["code"] == "MEMBER_NOT_LINKED", (external_id, found)
    # Ada's card, phone and id are nobody's external ids at skyways.
    for external_id in ("4000-0000-0001", "+33612345678", "mbr_demo_ada"):
        assert (await looked_up(api, "skyways", external_id))["code"] == "MEMBER_NOT_LINKED"


async def test_a_partner_token_acts_for_its_own_partner_only(api: Api) -> None:
    await linked(api, BEN, "skyways", "SKY-44")
    variables = {"partner": "skyways", "externalId": "SKY-44"}

    as_other = await api.error_code(lookup("tier"), variables, partner_token(api, "dashfood"))
    as_pos = await api.error_code(lookup("tier"), variables, api.pos)
    as_member = await api.error_code(lookup("tier"), variables, api.token("member", BEN))
    as_admin = await looked_up(api, "skyways", "SKY-44", token=api.admin)

    assert (as_other, as_pos, as_member) == ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN")
    assert as_admin["tier"] == "BRONZE"  # an admin sees what the partner would


async def test_an_unknown_partner_is_bad_input(api: Api) -> None:
    found = await looked_up(api, "nowhere", "X-1", token=api.admin)

    assert (found["code"], found["field"]) == ("INVALID_INPUT", "partner")
    assert "it has skyways, dashfood" in found["message"]
