"""The operations the benchmark sends: what a POS or call-center surface asks for."""

from __future__ import annotations

from typing import Any

TIER = "code name threshold earnMultiplier benefits"

# The full member view, as a surface asks for it.
MEMBER_FIELDS = f"""
    id
    version
    displayName
    balance
    identifiers {{ kind value }}
    tier {{ {TIER} }}
    tierProgress {{
      qualifyingPoints
      nextTier {{ {TIER} }}
      pointsToNextTier
      requalifyBy
    }}
    rewards {{
      id code status issuedAt expiresAt usedAt
      reward {{ id name cost minTier available }}
    }}
    countdowns {{ kind label pointsRemaining deadline }}
    history(first: 10) {{
      edges {{
        cursor
        node {{ id kind points channel storeId orderId reason createdAt }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
"""

MEMBER_VIEW = f"""
query MemberView($id: ID!) {{
  member(ref: {{id: $id}}) {{{MEMBER_FIELDS}  }}
}}
"""

MEMBER_VIEW_BY_EMAIL = f"""
query MemberViewByEmail($email: String!) {{
  member(ref: {{identifier: {{kind: EMAIL, value: $email}}}}) {{{MEMBER_FIELDS}  }}
}}
"""

RECORD_PURCHASE = """
mutation RecordPurchase($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    __typename
    ... on PointsEarned {
      member { id version balance pendingBalance tier { code name } }
      entry { id kind points channel storeId orderId reason createdAt }
    }
    ... on Error { code message }
  }
}
"""

ENROLL_MEMBER = """
mutation Enroll($input: EnrollMemberInput!) {
  enrollMember(input: $input) {
    __typename
    ... on MemberEnrolled { member { id } }
    ... on Error { code message }
  }
}
"""

HISTORY_PAGE = 10  # the `first:` above; the bare endpoint reads the same page


def purchase_input(member_id: str, order_id: str, amount: str) -> dict[str, Any]:
    """The same JSON object is the GraphQL variable and the bare endpoint's body."""
    return {
        "member": {"id": member_id},
        "orderId": order_id,
        "amount": amount,
        "currency": "EUR",
        "channel": "POS",
        "storeId": "store-001",
        "idempotencyKey": f"bench:{order_id}",
    }
