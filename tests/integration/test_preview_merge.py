"""previewMerge: what mergeMembers would leave, shown to the agent first, writing nothing."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.graphql import ERROR, MEMBER, MEMBER_FIELDS, MERGE, by_id, email
from tests.integration.steps import bought, enrolled, redeemed
from tests.integration.test_merge_members import merge

PREVIEW = f"""query($input: MergeMembersInput!) {{ previewMerge(input: $input) {{
  __typename
  ... on MergePreview {{ member {{ {MEMBER_FIELDS} }} survivor {{ id version balance }}
    duplicate {{ id version balance }} }}
  {ERROR} }} }}"""


async def test_the_preview_is_what_the_merge_then_leaves_and_writes_nothing(api: Api) -> None:
    # given two members with points, one with a voucher
    survivor = await enrolled(api, "main@example.com")
    duplicate = await enrolled(api, "old@example.com")
    await bought(api, survivor["id"], "o-1", "600.00")
    await bought(api, duplicate["id"], "o-2", "500.00")
    await redeemed(api, duplicate["id"], "coffee", "r-1")
    variables = merge(by_id(survivor["id"]), email("old@example.com"))
    # when the agent previews the merge, then merges
    preview = (await api.data(PREVIEW, variables, api.callcenter))["previewMerge"]
    untouched = (await api.data(MEMBER, {"ref": by_id(duplicate["id"])}))["member"]
    merged = (await api.data(MERGE, variables, api.callcenter))["mergeMembers"]["member"]

    # then the preview showed both as they were and the survivor as the merge left it
    assert preview["__typename"] == "MergePreview"
    assert preview["survivor"]["id"] == survivor["id"]
    assert (preview["duplicate"]["id"], preview["duplicate"]["balance"]) == (duplicate["id"], 350)
    assert untouched["id"] == duplicate["id"] and untouched["balance"] == 350
    shown = preview["member"]
    for field in ("id", "balance", "tier", "rewards", "identifiers", "tierProgress"):
        assert shown[field] == merged[field], field
    assert shown["balance"] == 600 + 500 - 150


async def test_a_preview_of_the_same_member_twice_says_so(api: Api) -> None:
    member = await enrolled(api, "one@example.com")

    answer = await api.data(
        PREVIEW, merge(by_id(member["id"]), email("one@example.com")), api.callcenter
    )

    assert answer["previewMerge"]["__typename"] == "InvalidInput"
    assert "same member" in answer["previewMerge"]["message"]


async def test_an_unknown_member_and_a_till_are_refused(api: Api) -> None:
    member = await enrolled(api, "two@example.com")
    variables = merge(by_id(member["id"]), email("nobody@example.com"))

    missing = await api.data(PREVIEW, variables, api.callcenter)
    forbidden = await api.error_code(PREVIEW, variables, api.pos)

    assert missing["previewMerge"]["__typename"] == "MemberNotFound"
    assert forbidden == "FORBIDDEN"
