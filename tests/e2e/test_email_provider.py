"""Email over SMTP against a real aiosmtpd server started by the test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from domain.messaging.journeys import MessageChannel
from tests.e2e.net import free_port
from workers.providers.base import OutgoingMessage
from workers.providers.email import SmtpEmailProvider

SENDER = "rewards@tessera.example"


@dataclass
class RecordingMailbox:
    """An aiosmtpd handler: refuses some mailboxes as a real server would, keeps the rest."""

    received: list[Message] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        email = message_from_bytes(envelope.content)
        if email["Subject"] == "spam":
            return "554 5.7.1 message refused"
        self.received.append(email)
        return "250 2.0.0 queued"


@pytest.fixture
def mailbox() -> Iterator[tuple[RecordingMailbox, int]]:
    handler = RecordingMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def provider(port: int) -> SmtpEmailProvider:
    return SmtpEmailProvider(hostname="127.0.0.1", port=port, sender=SENDER, timeout_seconds=5)


def an_email(
    to: str = "ada@example.com", subject: str = "You earned 120 points"
) -> OutgoingMessage:
    return OutgoingMessage(
        message_id="msg-0001",
        channel=MessageChannel.EMAIL,
        to=to,
        subject=subject,
        body="Your balance is 1,120 points.",
        member_id="m-ada",
        member_version=7,
    )


async def test_the_email_carries_the_stable_message_id(
    mailbox: tuple[RecordingMailbox, int],
) -> None:
    # given a running SMTP server
    handler, port = mailbox
    # when an email is sent
    delivery = await provider(port).send(an_email())
    # then it was accepted, and its headers name the message
    assert delivery.accepted and not delivery.permanent
    assert delivery.provider_ref == "<msg-0001@tessera>"
    [received] = handler.received
    assert received["Message-ID"] == "<msg-0001@tessera>"
    assert received["X-Tessera-Message-Id"] == "msg-0001"
    assert received["To"] == "ada@example.com"
    assert received["Subject"] == "You earned 120 points"
    assert "1,120 points" in received.get_payload()


async def test_a_resend_after_a_crash_carries_the_same_message_id(
    mailbox: tuple[RecordingMailbox, int],
) -> None:
    # given an email already sent once
    handler, port = mailbox
    await provider(port).send(an_email())
    # when the worker crashed before recording it and sends it again
    await provider(port).send(an_email())
    # then the receiver sees the same Message-ID twice, and can drop the repeat
    assert [email["Message-ID"] for email in handler.received] == ["<msg-0001@tessera>"] * 2


async def test_an_unknown_mailbox_is_a_permanent_failure(
    mailbox: tuple[RecordingMailbox, int],
) -> None:
    _, port = mailbox
    delivery = await provider(port).send(an_email(to="gone@example.com"))
    assert not delivery.accepted and delivery.permanent
    assert "550" in delivery.detail


async def test_a_refused_message_body_is_a_permanent_failure(
    mailbox: tuple[RecordingMailbox, int],
) -> None:
    _, port = mailbox
    delivery = await provider(port).send(an_email(subject="spam"))
    assert not delivery.accepted and delivery.permanent
    assert "554" in delivery.detail


async def test_a_4xx_reply_is_a_transient_failure(mailbox: tuple[RecordingMailbox, int]) -> None:
    _, port = mailbox
    delivery = await provider(port).send(an_email(to="busy@example.com"))
    assert not delivery.accepted and not delivery.permanent
    assert "451" in delivery.detail


async def test_a_server_that_is_down_is_a_transient_failure() -> None:
    # given no server listening on the port
    port = free_port()
    # when an email is sent, then the failure comes back, not raised, and is retryable
    delivery = await provider(port).send(an_email())
    assert not delivery.accepted and not delivery.permanent
    assert "unavailable" in delivery.detail
