"""GraphQL documents and steps for the messaging surface: consent, preferences, provider
feedback, the staff message list and the member's engagement modules."""

from __future__ import annotations

from typing import Any

from domain.messaging.journeys import MessageChannel
from domain.messaging.profile_store import MemberMessaging
from tests.conftest import Api
from tests.integration.graphql import ERROR
from tests.integration.messaging import joined, message_for, worker_ran

PROFILE_FIELDS = "consents { channel consent } timeZone preferredChannels reachableChannels"

MESSAGING = f"""query($ref: MemberRef!) {{ member(ref: $ref) {{
  messaging {{ {PROFILE_FIELDS} }} }} }}"""

SET_CONSENT = f"""mutation($input: SetConsentInput!) {{ setConsent(input: $input) {{
  __typename ... on ConsentRecorded {{ messaging {{ {PROFILE_FIELDS} }} }} {ERROR} }} }}"""

SET_PREFERENCES = f"""mutation($input: SetPreferencesInput!) {{ setPreferences(input: $input) {{
  __typename ... on PreferencesChanged {{ messaging {{ {PROFILE_FIELDS} }} }} {ERROR} }} }}"""

MESSAGE_FIELDS = """id memberId journey channel status subject body renderedVersion
  createdAt updatedAt notBefore sentAt suppressedReason detail delivery providerRef
  attempts { channel startedAt endedAt outcome detail }"""

FEEDBACK = f"""mutation($input: RecordMessageFeedbackInput!) {{
  recordMessageFeedback(input: $input) {{
    __typename ... on FeedbackRecorded {{ sentMessage {{ {MESSAGE_FIELDS} }} }} {ERROR} }} }}"""

MESSAGES = f"""query($member: MemberRef!, $first: Int!, $after: String) {{
  messages(member: $member, first: $first, after: $after) {{
    edges {{ cursor node {{ {MESSAGE_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }} }} }}"""


def consent_of(profile: dict[str, Any], channel: str) -> str:
    found: str = next(c["consent"] for c in profile["consents"] if c["channel"] == channel)
    return found


def feedback(message_id: str, outcome: str) -> dict[str, Any]:
    return {"input": {"messageId": message_id, "outcome": outcome}}


async def welcome_sent(api: Api, name: str, address: str) -> tuple[str, str]:
    """Given a member who joined with an email address and was welcomed by email: their id
    and the welcome message's id."""
    member = await joined(api, name, ("EMAIL", address))
    await worker_ran(api)
    welcome = await message_for(api, member["id"], "WELCOME")
    assert (welcome["status"], welcome["channel"]) == ("SENT", "EMAIL")
    return member["id"], welcome["_id"]


async def stored(api: Api, member_id: str) -> MemberMessaging:
    """What decisioning will read for the member (engagement counts included)."""
    return await api.tessera.messaging.profiles.get(member_id)


def email_engagement(record: MemberMessaging) -> tuple[int, int, int]:
    """(engaged, ignored, failures in a row) on EMAIL."""
    found = next((e for e in record.engagement if e.channel is MessageChannel.EMAIL), None)
    return (0, 0, 0) if found is None else (found.engaged, found.ignored, found.failures_in_a_row)
