"""Steps and documents the partner tests share: a member's link code, a partner's link, its
lookup and its activities, each as the app or the partner would send them."""

from __future__ import annotations

from typing import Any

from app.auth import issue_token
from domain.access import Role
from tests.conftest import SECRET, Api
from tests.integration.graphql import ERROR, by_id

CODE = f"""mutation($input: CreatePartnerLinkCodeInput!) {{
  createPartnerLinkCode(input: $input) {{
    __typename ... on PartnerLinkCode {{ partner linkCode expiresAt }} {ERROR} }} }}"""

LINK = f"""mutation($input: LinkPartnerMemberInput!) {{ linkPartnerMember(input: $input) {{
  __typename ... on PartnerMember {{ partner externalId tier }} {ERROR} }} }}"""

LOOKUP = f"""query($partner: String!, $externalId: String!) {{
  partnerMember(partner: $partner, externalId: $externalId) {{
    __typename ... on PartnerMember {{ partner externalId linkedAt {{fields}} }} {ERROR} }} }}"""

EARN = f"""mutation($input: RecordPartnerActivityInput!) {{
  recordPartnerActivity(input: $input) {{
    __typename
    ... on PartnerActivityRecorded {{ member {{ externalId tier }}
      entry {{ id kind points partner reason channel }} }}
    ... on PartnerBudgetExhausted {{ left }}
    {ERROR} }} }}"""

UNLINK_MEMBER = f"""mutation($input: UnlinkPartnerMemberInput!) {{
  unlinkPartnerMember(input: $input) {{
    __typename ... on PartnerMemberUnlinked {{ partner externalId }} {ERROR} }} }}"""

UNLINK = f"""mutation($input: UnlinkPartnerInput!) {{ unlinkPartner(input: $input) {{
  __typename ... on PartnerUnlinked {{ partner member {{ id partnerLinks {{ partner }} }} }}
  {ERROR} }} }}"""


def partner_token(api: Api, partner: str) -> str:
    return issue_token(SECRET, Role.PARTNER, partner=partner, now=api.tessera.clock.now())


def lookup(fields: str = "displayName tier balance") -> str:
    return LOOKUP.replace("{fields}", fields)


async def link_code(api: Api, member_id: str, partner: str) -> str:
    """The member, in the app, makes a code for the partner."""
    variables = {"input": {"member": by_id(member_id), "partner": partner}}
    made = (await api.data(CODE, variables, api.token("member", member_id)))[
        "createPartnerLinkCode"
    ]
    assert made["__typename"] == "PartnerLinkCode", made
    code: str = made["linkCode"]
    return code


async def linked_with(
    api: Api, partner: str, code: str, external_id: str, token: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"partner": partner, "linkCode": code, "externalId": external_id}}
    found: dict[str, Any] = (await api.data(LINK, variables, token or partner_token(api, partner)))[
        "linkPartnerMember"
    ]
    return found


async def linked(api: Api, member_id: str, partner: str, external_id: str) -> dict[str, Any]:
    """The member makes a code and the partner links with it."""
    done = await linked_with(api, partner, await link_code(api, member_id, partner), external_id)
    assert done["__typename"] == "PartnerMember", done
    return done


async def looked_up(
    api: Api, partner: str, external_id: str, fields: str = "tier", token: str | None = None
) -> dict[str, Any]:
    variables = {"partner": partner, "externalId": external_id}
    found: dict[str, Any] = (
        await api.data(lookup(fields), variables, token or partner_token(api, partner))
    )["partnerMember"]
    return found


def activity(partner: str, external_id: str, activity_id: str, **given: Any) -> dict[str, Any]:
    return {
        "input": {
            "partner": partner,
            "externalId": external_id,
            "activityId": activity_id,
            **given,
        }
    }


async def earned(
    api: Api, partner: str, external_id: str, activity_id: str, **given: Any
) -> dict[str, Any]:
    variables = activity(partner, external_id, activity_id, **given)
    found: dict[str, Any] = (await api.data(EARN, variables, partner_token(api, partner)))[
        "recordPartnerActivity"
    ]
    return found
