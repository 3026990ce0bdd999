"""Push, SMS and wallet-pass updates as signed HTTPS webhooks to a provider URL per channel.

Each request is a POST with a JSON body (the `OutgoingMessage` fields, keys sorted) and:

    Idempotency-Key: <message_id>            the same on every retry: receivers drop repeats
    X-Tessera-Timestamp: <unix seconds>      when this attempt was signed
    X-Tessera-Signature: sha256=<hex>        HMAC-SHA256(secret, f"{timestamp}.{body}")

The signing scheme follows Stripe's: the signed payload is the timestamp, a literal ".", and
the raw request body bytes, so a receiver must verify before parsing the JSON. The timestamp
is inside the signature, and receivers reject one outside a tolerance (five minutes by
default), so a captured request cannot be replayed later; the Idempotency-Key covers
legitimate retries, which are re-signed with a fresh timestamp. During a secret rotation the
header may carry several comma-separated `sha256=` values; one match is enough.
`verify_signature` implements the receiver's side, with a constant-time comparison.

Responses: 2xx accepted; 4xx except 408 and 429 permanent (the provider refuses this message:
invalid token or number); 5xx, 408, 429, redirects and network errors transient.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx
import orjson

from domain.clock import Clock, SystemClock
from domain.messaging.journeys import MessageChannel
from workers.providers.base import Delivery, OutgoingMessage

IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Tessera-Timestamp"
SIGNATURE_HEADER = "X-Tessera-Signature"
SCHEME = "sha256"
DEFAULT_TOLERANCE_SECONDS = 300.0
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The `X-Tessera-Signature` value for this timestamp and raw body."""
    digest = hmac.new(_key(secret), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"{SCHEME}={digest.hexdigest()}"


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """For receivers: true when `signature` signs `timestamp.body` with `secret` and the
    timestamp is within `tolerance_seconds` of `now` (default: the system clock)."""
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - signed_at) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).encode()
    # Check every candidate, so the time taken does not say which one matched.
    matched = False
    for candidate in signature.split(","):
        matched |= hmac.compare_digest(expected, candidate.strip().encode())
    return matched


def payload(message: OutgoingMessage) -> bytes:
    return orjson.dumps(
        {"message_id": message.message_id, **message.content()},
        option=orjson.OPT_SORT_KEYS,
    )


class WebhookProvider:
    """One provider for every webhook channel; `urls` says where each channel goes.

    Pass an `httpx.AsyncClient` to share its connection pool; otherwise one is created here
    and closed by `aclose()` (or `async with`).
    """

    def __init__(
        self,
        urls: Mapping[MessageChannel, str],
        secret: str | bytes,
        *,
        client: httpx.AsyncClient | None = None,
        timeout_seconds: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self._urls = dict(urls)
        self._secret = _key(secret)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self._clock: Clock = clock or SystemClock()

    async def send(self, message: OutgoingMessage) -> Delivery:
        url = self._urls.get(message.channel)
        if url is None:
            # Retrying cannot help; the dispatcher should fall back to another channel.
            return Delivery.rejected(f"no webhook URL configured for {message.channel.value}")
        body = payload(message)
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: message.message_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return Delivery.transient(f"webhook unavailable: {type(error).__name__}: {error}")
        return _by_status(response)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> WebhookProvider:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _by_status(response: httpx.Response) -> Delivery:
    status = response.status_code
    detail = f"HTTP {status} {response.text[:200]}".rstrip()
    if 200 <= status < 300:
        return Delivery.sent(_provider_ref(response), detail=f"HTTP {status}")
    if 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS:
        return Delivery.rejected(detail)
    return Delivery.transient(detail)


def _provider_ref(response: httpx.Response) -> str | None:
    """The provider's id for the message, when its JSON answer has one (`{"id": ...}`)."""
    try:
        answer: Any = response.json()
    except ValueError:
        return None
    ref = answer.get("id") if isinstance(answer, dict) else None
    return ref if isinstance(ref, str) else None
