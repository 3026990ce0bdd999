"""Given/then steps for the journeys: enrol with chosen addresses, let the worker run, and
read what was decided (messages) and what the provider was handed (the sent-messages provider)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.messaging.consent import Consent
from domain.messaging.journeys import MessageChannel
from tests.conftest import Api
from tests.integration.graphql import ENROLL

# From the tests' start (10:00 UTC, 11:00 in Paris, the demo's zone) to 23:00 in Paris, inside
# the demo's quiet hours (21:00-08:00), then to 08:00 there: a message due in between waits.
# A test that acts "before the message goes out" needs this: a message due at once goes out
# while the next request is served, on a real server at least.
LATE_EVENING = timedelta(hours=12)
UNTIL_MORNING = timedelta(hours=9)


async def joined(
    api: Api, name: str, *identifiers: tuple[str, str], channel: str = "WEB"
) -> dict[str, Any]:
    """Enrol through GraphQL with these (kind, value) identifiers."""
    data = await api.data(
        ENROLL,
        {
            "input": {
                "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
                "displayName": name,
                "channel": channel,
            }
        },
    )
    payload = data["enrollMember"]
    assert payload["__typename"] == "MemberEnrolled", payload
    member: dict[str, Any] = payload["member"]
    return member


async def worker_ran(api: Api) -> None:
    """The scheduled jobs ran once (as the cron would) and every job due now finished."""
    assert api.tessera.worker is not None, "the embedded default runs the jobs in-process"
    await api.tessera.worker.idle()
    await api.tessera.worker.tick()


async def messages_of(api: Api, member_id: str) -> list[dict[str, Any]]:
    found = api.tessera.collections.messages.find({"member_id": member_id})
    docs: list[dict[str, Any]] = await found.sort([("created_at", 1), ("_id", 1)]).to_list(None)
    return docs


async def message_for(api: Api, member_id: str, journey: str) -> dict[str, Any]:
    docs = [d for d in await messages_of(api, member_id) if d["journey"] == journey]
    assert len(docs) == 1, f"{len(docs)} {journey} messages for {member_id}"
    return docs[0]


async def delivered(api: Api, message_id: str) -> dict[str, Any] | None:
    """What the sent-messages provider (the embedded default for every channel) was handed."""
    doc: dict[str, Any] | None = await api.tessera.collections.sent.find_one({"_id": message_id})
    return doc


async def consents(api: Api, member_id: str, **by_channel: str) -> None:
    """Given the member's consents, e.g. consents(api, id, EMAIL="OPTED_OUT")."""
    for channel, consent in by_channel.items():
        await api.tessera.messaging.profiles.set_consent(
            member_id, MessageChannel(channel), Consent(consent)
        )


def status(message: dict[str, Any]) -> tuple[str, str | None]:
    return message["status"], message["channel"]
