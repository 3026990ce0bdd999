"""Push, SMS and wallet webhooks against a local HTTP receiver that checks signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request, Response

from domain.clock import SettableClock
from domain.messaging.journeys import MessageChannel
from tests.e2e.conftest import serving
from tests.e2e.net import free_port
from workers.providers.base import OutgoingMessage
from workers.providers.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookProvider,
    sign,
    verify_signature,
)

SECRET = "whsec-test-shared-secret"


@dataclass
class Receiver:
    """What a provider's endpoint would do: verify, then answer with `status`."""

    status: int = 200
    idempotency_keys: list[str] = field(default_factory=list)
    payloads: list[dict[str, object]] = field(default_factory=list)
    refused_signatures: int = 0
    last: tuple[str, bytes, str] | None = None  # timestamp, raw body, signature

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/{channel}")
        async def hook(channel: str, request: Request) -> Response:
            body = await request.body()
            timestamp = request.headers.get(TIMESTAMP_HEADER, "")
            signature = request.headers.get(SIGNATURE_HEADER, "")
            if not verify_signature(SECRET, timestamp, body, signature):
                self.refused_signatures += 1
                return Response(status_code=401)
            self.last = (timestamp, body, signature)
            self.idempotency_keys.append(request.headers[IDEMPOTENCY_HEADER])
            self.payloads.append(orjson.loads(body))
            answer = orjson.dumps({"id": f"{channel}-ref-1"})
            return Response(answer, status_code=self.status, media_type="application/json")

        return app


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with serving(receiver.app()) as address:
        yield receiver, f"http://{address}/hooks"


def urls(base: str) -> dict[MessageChannel, str]:
    return {channel: f"{base}/{channel.value.lower()}" for channel in MessageChannel}


def a_push(message_id: str = "msg-0042") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        channel=MessageChannel.PUSH,
        to="device-token-abc",
        subject="Gold tier!",
        body="You reached Gold.",
        member_id="m-ada",
        member_version=12,
    )


async def test_a_signed_push_is_accepted(receiver: tuple[Receiver, str]) -> None:
    # given a receiver that verifies signatures
    hooks, base = receiver
    # when a push is sent
    async with WebhookProvider(urls(base), SECRET) as provider:
        delivery = await provider.send(a_push())
    # then the signature held, the idempotency key is the message id, the payload is whole
    assert delivery.accepted and delivery.provider_ref == "push-ref-1"
    assert hooks.refused_signatures == 0
    assert hooks.idempotency_keys == ["msg-0042"]
    assert hooks.payloads == [
        {
            "message_id": "msg-0042",
            "channel": "PUSH",
            "to": "device-token-abc",
            "subject": "Gold tier!",
            "body": "You reached Gold.",
            "member_id": "m-ada",
            "member_version": 12,
        }
    ]


async def test_a_resend_carries_the_same_idempotency_key(receiver: tuple[Receiver, str]) -> None:
    hooks, base = receiver
    async with WebhookProvider(urls(base), SECRET) as provider:
        await provider.send(a_push())
        await provider.send(a_push())
    assert hooks.idempotency_keys == ["msg-0042", "msg-0042"]


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (404, True), (410, True), (408, False), (429, False), (500, False)],
)
async def test_failures_are_sorted_into_permanent_and_transient(
    receiver: tuple[Receiver, str], status: int, permanent: bool
) -> None:
    hooks, base = receiver
    hooks.status = status
    async with WebhookProvider(urls(base), SECRET) as provider:
        delivery = await provider.send(a_push())
    assert not delivery.accepted
    assert delivery.permanent is permanent
    assert str(status) in delivery.detail


async def test_a_receiver_that_is_down_is_a_transient_failure() -> None:
    base = f"http://127.0.0.1:{free_port()}/hooks"
    async with WebhookProvider(urls(base), SECRET) as provider:
        delivery = await provider.send(a_push())
    assert not delivery.accepted and not delivery.permanent


async def test_a_channel_without_a_url_is_a_permanent_failure() -> None:
    async with WebhookProvider({}, SECRET) as provider:
        delivery = await provider.send(a_push())
    assert not delivery.accepted and delivery.permanent


class TamperingTransport(httpx.AsyncHTTPTransport):
    """A man in the middle: changes the body after it was signed."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content.replace(b"You reached Gold.", b"You reached Platinum.")
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        forged = httpx.Request(request.method, request.url, headers=headers, content=body)
        return await super().handle_async_request(forged)


async def test_a_tampered_body_fails_the_signature_check(receiver: tuple[Receiver, str]) -> None:
    # given a body changed in transit
    hooks, base = receiver
    async with httpx.AsyncClient(transport=TamperingTransport()) as client:
        delivery = await WebhookProvider(urls(base), SECRET, client=client).send(a_push())
    # then the receiver refuses it
    assert hooks.refused_signatures == 1 and hooks.payloads == []
    assert not delivery.accepted and "401" in delivery.detail


async def test_a_replayed_old_request_fails_the_signature_check(
    receiver: tuple[Receiver, str],
) -> None:
    # given a request signed ten minutes ago (a captured request replayed later)
    hooks, base = receiver
    clock = SettableClock(datetime.now(UTC) - timedelta(minutes=10))
    async with WebhookProvider(urls(base), SECRET, clock=clock) as provider:
        delivery = await provider.send(a_push())
    # then it is outside the tolerance and refused
    assert hooks.refused_signatures == 1 and not delivery.accepted


async def test_verify_signature_checks_body_secret_and_time(
    receiver: tuple[Receiver, str],
) -> None:
    # given a request the receiver accepted
    hooks, base = receiver
    async with WebhookProvider(urls(base), SECRET) as provider:
        await provider.send(a_push())
    assert hooks.last is not None
    timestamp, body, signature = hooks.last
    now = float(timestamp)
    # then only the exact body, secret and a recent time verify
    assert verify_signature(SECRET, timestamp, body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, body + b" ", signature, now=now)
    assert not verify_signature("another-secret", timestamp, body, signature, now=now)
    assert not verify_signature(SECRET, str(int(now) + 1), body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, body, signature, 300, now=now + 301)
    assert not verify_signature(SECRET, "not-a-number", body, signature, now=now)
    # and during a secret rotation either signature is enough
    rotated = f"{sign('old-secret', timestamp, body)}, {signature}"
    assert verify_signature(SECRET, timestamp, body, rotated, now=now)
