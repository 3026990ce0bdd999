"""GraphQL documents the integration tests share, as a client would write them."""

from __future__ import annotations

from typing import Any

MEMBER_FIELDS = """
  id version displayName balance
  identifiers { kind value }
  tier { code name earnMultiplier benefits }
  tierProgress { qualifyingPoints nextTier { code name } pointsToNextTier requalifyBy }
  rewards { id code status expiresAt reward { id name } }
  countdowns { kind label pointsRemaining deadline }
"""

MEMBER = f"query($ref: MemberRef!) {{ member(ref: $ref) {{ {MEMBER_FIELDS} }} }}"

ERROR = "... on Error { __typename code message } ... on InvalidInput { field }"

ENROLL = f"""mutation($input: EnrollMemberInput!) {{ enrollMember(input: $input) {{
  __typename ... on MemberEnrolled {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"""

PURCHASE = f"""mutation($input: RecordPurchaseInput!) {{ recordPurchase(input: $input) {{
  __typename
  ... on PointsEarned {{ member {{ {MEMBER_FIELDS} }}
    entry {{ id kind points channel storeId orderId createdAt }} }}
  {ERROR} }} }}"""

REDEEM = f"""mutation($input: RedeemRewardInput!) {{ redeemReward(input: $input) {{
  __typename
  ... on RewardRedeemed {{ member {{ {MEMBER_FIELDS} }}
    memberReward {{ id code status expiresAt reward {{ id name }} }} }}
  ... on InsufficientPoints {{ needed balance }}
  {ERROR} }} }}"""

USE = f"""mutation($input: UseRewardInput!) {{ useReward(input: $input) {{
  __typename
  ... on RewardUsed {{ member {{ {MEMBER_FIELDS} }} memberReward {{ id code status }} }}
  {ERROR} }} }}"""

ADJUST = f"""mutation($input: AdjustPointsInput!) {{ adjustPoints(input: $input) {{
  __typename
  ... on PointsAdjusted {{ member {{ {MEMBER_FIELDS} }} entry {{ id kind points reason }} }}
  ... on InsufficientPoints {{ needed balance }}
  {ERROR} }} }}"""

RETURN = f"""mutation($input: ReturnPurchaseInput!) {{ returnPurchase(input: $input) {{
  __typename
  ... on PurchaseReturned {{ member {{ {MEMBER_FIELDS} }} entry {{ id kind points orderId }} }}
  {ERROR} }} }}"""

LINK = f"""mutation($input: LinkIdentifierInput!) {{ linkIdentifier(input: $input) {{
  __typename ... on IdentifierLinked {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"""

MERGE = f"""mutation($input: MergeMembersInput!) {{ mergeMembers(input: $input) {{
  __typename ... on MembersMerged {{ member {{ {MEMBER_FIELDS} }} }} {ERROR} }} }}"""

HISTORY = """query($ref: MemberRef!, $first: Int, $after: String) { member(ref: $ref) {
  history(first: $first, after: $after) {
    edges { cursor node { id kind points channel storeId orderId reason createdAt } }
    pageInfo { hasNextPage endCursor } } } }"""


def email(value: str) -> dict[str, Any]:
    return {"identifier": {"kind": "EMAIL", "value": value}}


def by_id(member_id: str) -> dict[str, Any]:
    return {"id": member_id}


def purchase(
    member: dict[str, Any], order_id: str, amount: str, key: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "input": {
            "member": member,
            "orderId": order_id,
            "amount": amount,
            "currency": "EUR",
            "channel": "POS",
            "storeId": "store-001",
            "idempotencyKey": key or f"key-{order_id}",
            **extra,
        }
    }


def countdown(member: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in member["countdowns"] if c["kind"] == kind), None)
