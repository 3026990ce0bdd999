"""Messages <-> MongoDB documents. Times are cut to milliseconds, as MongoDB stores them, so a
message read back equals the one written and compare-and-set filters match exactly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.messaging.channels import DeliveryOutcome
from domain.messaging.decide import DeferReason, SuppressReason
from domain.messaging.journeys import Intent, Journey, MessageChannel
from domain.messaging.message import (
    Attempt,
    AttemptOutcome,
    Message,
    MessageStatus,
    Rendered,
)
from storage.documents import utc


def mongo_time(value: datetime) -> datetime:
    return utc(value).replace(microsecond=value.microsecond // 1000 * 1000)


def _opt_time(value: datetime | None) -> datetime | None:
    return None if value is None else mongo_time(value)


def _attempt_to_doc(attempt: Attempt) -> dict[str, Any]:
    return {
        "channel": attempt.channel.value,
        "started_at": mongo_time(attempt.started_at),
        "outcome": None if attempt.outcome is None else attempt.outcome.value,
        "detail": attempt.detail,
        "ended_at": _opt_time(attempt.ended_at),
    }


def _attempt_from_doc(doc: dict[str, Any]) -> Attempt:
    return Attempt(
        channel=MessageChannel(doc["channel"]),
        started_at=utc(doc["started_at"]),
        outcome=None if doc["outcome"] is None else AttemptOutcome(doc["outcome"]),
        detail=doc["detail"],
        ended_at=None if doc["ended_at"] is None else utc(doc["ended_at"]),
    )


def message_to_doc(message: Message) -> dict[str, Any]:
    intent = message.intent
    rendered = message.rendered
    return {
        "_id": message.id,
        "key": intent.key,  # for people and ad-hoc queries; the id is its hash
        "member_id": intent.member_id,
        "journey": intent.journey.name,
        "reason": intent.reason.to_doc(),
        # Full precision, like the reason: the intent is compared by value.
        "due_at": intent.due_at.isoformat(),
        "status": message.status.value,
        "channel": None if message.channel is None else message.channel.value,
        "fallbacks": [ch.value for ch in message.fallbacks],
        "attempts": [_attempt_to_doc(a) for a in message.attempts],
        "attempt_count": len(message.attempts),  # part of the compare-and-set filter
        "rendered": None
        if rendered is None
        else {"subject": rendered.subject, "body": rendered.body},
        "rendered_version": message.rendered_version,
        "created_at": mongo_time(message.created_at),
        "updated_at": mongo_time(message.updated_at),
        "not_before": mongo_time(message.not_before),
        "suppressed_reason": (
            None if message.suppressed_reason is None else message.suppressed_reason.value
        ),
        "suppressed_detail": message.suppressed_detail,
        "provider_ref": message.provider_ref,
        "delivery": None if message.delivery is None else message.delivery.value,
        "deferred_reason": (
            None if message.deferred_reason is None else message.deferred_reason.value
        ),
        "decision": message.decision,
    }


def message_from_doc(doc: dict[str, Any]) -> Message:
    intent = Intent(
        doc["member_id"],
        Journey.reason_from_doc(doc["reason"]),
        datetime.fromisoformat(doc["due_at"]),
    )
    rendered = doc["rendered"]
    suppressed = doc["suppressed_reason"]
    return Message(
        id=doc["_id"],
        intent=intent,
        status=MessageStatus(doc["status"]),
        created_at=utc(doc["created_at"]),
        updated_at=utc(doc["updated_at"]),
        not_before=utc(doc["not_before"]),
        channel=None if doc["channel"] is None else MessageChannel(doc["channel"]),
        fallbacks=tuple(MessageChannel(ch) for ch in doc["fallbacks"]),
        attempts=tuple(_attempt_from_doc(a) for a in doc["attempts"]),
        rendered=None if rendered is None else Rendered(rendered["subject"], rendered["body"]),
        rendered_version=doc["rendered_version"],
        suppressed_reason=None if suppressed is None else SuppressReason(suppressed),
        suppressed_detail=doc["suppressed_detail"],
        provider_ref=doc["provider_ref"],
        delivery=DeliveryOutcome(doc["delivery"]) if doc.get("delivery") else None,
        deferred_reason=DeferReason(doc["deferred_reason"]) if doc.get("deferred_reason") else None,
        decision=doc.get("decision"),
    )
