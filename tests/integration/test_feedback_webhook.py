"""POST /webhooks/messages/feedback: providers report delivery, opens and clicks, signed
like Tessera's own webhooks. Only a signed report counts; every refusal is a clear 4xx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.messaging import joined, message_for, worker_ran
from tests.integration.messaging_documents import email_engagement, stored, welcome_sent
from workers.providers.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

PATH = "/webhooks/messages/feedback"


def signed(
    api: Api, body: bytes, *, secret: str | None = None, signed_at: int | None = None
) -> dict[str, str]:
    """The headers a provider holding the webhook secret sends with `body`, signed now (or
    at `signed_at`)."""
    key = secret or api.tessera.settings.webhook_secret.get_secret_value()
    timestamp = str(signed_at or int(api.tessera.clock.now().timestamp()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(key, timestamp, body)}


async def post(
    api: Api, body: bytes, *, secret: str | None = None, signed_at: int | None = None
) -> httpx.Response:
    headers = {
        "content-type": "application/json",
        **signed(api, body, secret=secret, signed_at=signed_at),
    }
    return await api.http.post(PATH, content=body, headers=headers)


def report(message_id: str, outcome: str) -> bytes:
    return orjson.dumps({"message_id": message_id, "outcome": outcome})


def error_of(response: httpx.Response) -> dict[str, Any]:
    found: dict[str, Any] = response.json()["error"]
    return found


async def test_a_signed_report_moves_the_message_and_repeats_are_harmless(api: Api) -> None:
    # given a welcome email that went out
    member_id, message_id = await welcome_sent(api, "Lea", "lea@example.com")
    # when the provider reports the open, twice, and then the delivery, late
    first = await post(api, report(message_id, "OPENED"))
    again = await post(api, report(message_id, "OPENED"))
    late = await post(api, report(message_id, "DELIVERED"))
    # then each is a 200 with the message's delivery as it stands, and the open counted once
    assert [r.status_code for r in (first, again, late)] == [200, 200, 200]
    assert first.json() == {"message_id": message_id, "delivery": "OPENED"}
    assert late.json()["delivery"] == "OPENED"
    assert email_engagement(await stored(api, member_id)) == (1, 0, 0)


async def test_unsigned_wrongly_signed_and_stale_reports_are_refused(
    api: Api, clock: SettableClock
) -> None:
    member_id, message_id = await welcome_sent(api, "Max", "max@example.com")
    body = report(message_id, "CLICKED")
    ten_minutes_ago = int((clock.now() - timedelta(minutes=10)).timestamp())

    unsigned = await api.http.post(PATH, content=body)
    forged = await post(api, body, secret="not-the-secret")
    stale = await post(api, body, signed_at=ten_minutes_ago)
    # a body other than the one signed
    tampered = await api.http.post(
        PATH, content=report(message_id, "OPENED"), headers=signed(api, body)
    )

    for refused in (unsigned, forged, stale, tampered):
        assert refused.status_code == 401
        assert error_of(refused)["code"] == "BAD_SIGNATURE"
    message = await api.tessera.messaging.messages.get(message_id)
    assert message is not None and message.delivery is not None
    assert message.delivery.value == "SENT"
    assert email_engagement(await stored(api, member_id)) == (0, 0, 0)


async def test_reports_that_are_not_reports_are_400s(api: Api) -> None:
    _, message_id = await welcome_sent(api, "Ned", "ned@example.com")

    broken = await post(api, b"{not json")
    listed = await post(api, b"[]")
    no_id = await post(api, orjson.dumps({"outcome": "OPENED"}))
    made_up = await post(api, report(message_id, "READ"))
    sent = await post(api, report(message_id, "SENT"))

    assert [r.status_code for r in (broken, listed, no_id, made_up, sent)] == [400] * 5
    assert {error_of(r)["code"] for r in (broken, listed, no_id, made_up, sent)} == {
        "INVALID_INPUT"
    }
    assert error_of(no_id)["field"] == "message_id"
    assert error_of(made_up)["field"] == "outcome"
    assert "CLICKED" in error_of(made_up)["message"]
    assert error_of(sent)["field"] == "outcome"


async def test_unknown_and_unsent_messages(api: Api) -> None:
    # given a member no welcome could reach: their welcome was suppressed
    ora = await joined(api, "Ora", ("POS_CARD", "4000-0000-0055"))
    await worker_ran(api)
    held = await message_for(api, ora["id"], "WELCOME")

    unknown = await post(api, report("msg_nope", "DELIVERED"))
    unsent = await post(api, report(held["_id"], "DELIVERED"))

    assert (unknown.status_code, error_of(unknown)["code"]) == (404, "MESSAGE_NOT_FOUND")
    assert (unsent.status_code, error_of(unsent)["code"]) == (409, "MESSAGE_NOT_SENT")


async def test_only_post(api: Api) -> None:
    assert (await api.http.get(PATH)).status_code == 405
