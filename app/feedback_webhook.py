"""POST /webhooks/messages/feedback: providers report what became of a message they carried.

The body is JSON, `{"message_id": "msg_...", "outcome": "OPENED"}` (DELIVERED, OPENED,
CLICKED, BOUNCED or FAILED), signed the way Tessera signs its own outgoing webhooks and with
the same secret (`TESSERA_WEBHOOK_SECRET`): `X-Tessera-Timestamp` and `X-Tessera-Signature:
sha256=HMAC(secret, f"{timestamp}.{raw body}")`, checked on the raw bytes before parsing and
within five minutes of the timestamp. It calls the same handler as `recordMessageFeedback`,
so a repeated or late report is a 200 that changes nothing.

Answers, all JSON: 200 the message's delivery now; 400 a body that is not such a report;
401 a missing or wrong signature; 404 no such message; 409 the message was never sent;
503 too many reports racing, or the database unavailable (retry, as providers do on 5xx).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.errors import InvalidInput, LoyaltyError, MemberBusy, MessageNotFound, MessageNotSent
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.feedback import record_feedback
from schema.errors import ServiceUnavailable
from storage.availability import is_unavailable
from workers.context import Messaging
from workers.providers.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

PATH = "/webhooks/messages/feedback"

_STATUS: dict[type[LoyaltyError], int] = {
    InvalidInput: 400,
    MessageNotFound: 404,
    MessageNotSent: 409,
    MemberBusy: 503,
}


def _error(status: int, code: str, message: str, **extra: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status)


def parse_report(body: bytes) -> tuple[str, DeliveryOutcome]:
    try:
        report: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("body", "not JSON") from None
    if not isinstance(report, dict):
        raise InvalidInput("body", 'a JSON object: {"message_id": ..., "outcome": ...}')
    message_id, outcome = report.get("message_id"), report.get("outcome")
    if not isinstance(message_id, str):
        raise InvalidInput("message_id", "a string: the id Tessera sent the message with")
    if not isinstance(outcome, str) or outcome not in DeliveryOutcome.__members__:
        names = ", ".join(o.value for o in DeliveryOutcome if o is not DeliveryOutcome.SENT)
        raise InvalidInput("outcome", f"one of {names}")
    return message_id, DeliveryOutcome[outcome]


def feedback_route(messaging: Messaging, secret: str) -> Route:
    async def receive(request: Request) -> Response:
        body = await request.body()
        signed = verify_signature(
            secret,
            request.headers.get(TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(SIGNATURE_HEADER, ""),
            # The signer's clock is Tessera's own (and the tests' movable one).
            now=messaging.clock.now().timestamp(),
        )
        if not signed:
            return _error(401, "BAD_SIGNATURE", "missing, wrong or stale X-Tessera-Signature")
        try:
            message_id, outcome = parse_report(body)
            message = await record_feedback(
                messaging.messages, messaging.profiles, message_id, outcome
            )
        except LoyaltyError as exc:
            status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 400)
            extra = {"field": exc.field} if isinstance(exc, InvalidInput) else {}
            return _error(status, exc.code.value, exc.message, **extra)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            unavailable = _error(503, "SERVICE_UNAVAILABLE", ServiceUnavailable.MESSAGE)
            unavailable.headers["retry-after"] = "1"
            return unavailable
        delivery = message.delivery.value if message.delivery else None
        return JSONResponse({"message_id": message.id, "delivery": delivery})

    return Route(PATH, receive, methods=["POST"])
