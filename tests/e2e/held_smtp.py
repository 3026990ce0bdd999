"""A real SMTP server (aiosmtpd) in the test's event loop that can hold its reply to an email,
so a test knows its sender is mid-send: the server has the content, the sender no answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP


@dataclass
class HoldingMailbox:
    """Keeps every email it is handed, as a receiving system does before it answers (a
    sender that dies after this point cannot know whether the email arrived). After
    `hold_next()`, the reply to the next email waits until `release` is set."""

    received: list[EmailMessage] = field(default_factory=list)
    holding: asyncio.Event = field(default_factory=asyncio.Event)  # an email's reply is held
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)  # its sender said QUIT
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _hold: bool = False
    _hold_to: str | None = None  # only an email to this address is held
    _held_on: object = None  # the connection whose reply is held

    def hold_next(self, to: str | None = None) -> None:
        """Hold the reply to the next email (the next one to `to`, when given: other emails
        still flow, as they do when several workers send)."""
        self._hold, self._hold_to = True, to
        self.release.clear()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        email = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(email, EmailMessage)
        self.received.append(email)
        if self._hold and self._hold_to in (None, *envelope.rcpt_tos):
            self._hold, self._held_on = False, server
            self.holding.set()
            await self.release.wait()
        return "250 2.0.0 queued"

    def heard(self, connection: object, data: bytes) -> None:
        """A sender that says QUIT without waiting for the reply to its email gave up on it
        (a cancelled send does that), so the reply can no longer reach it."""
        if connection is self._held_on and data.upper().startswith(b"QUIT"):
            self.abandoned.set()

    def message_ids(self, to: str | None = None) -> list[str]:
        """The Message-ID of every email received (to `to`, when given), in order."""
        return [
            str(email["Message-ID"])
            for email in self.received
            if to is None or str(email["To"]) == to
        ]


class _ListeningSmtp(SMTP):
    """aiosmtpd's server, telling the mailbox what a sender says while a reply is held (the
    server itself reads the next command only after the reply)."""

    def __init__(self, mailbox: HoldingMailbox, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(mailbox, hostname="mail.tessera.test", loop=loop)
        self._mailbox = mailbox

    def data_received(self, data: bytes) -> None:
        self._mailbox.heard(self, data)
        super().data_received(data)


@asynccontextmanager
async def smtp_server(mailbox: HoldingMailbox) -> AsyncIterator[int]:
    """Serve `mailbox` on a free loopback port (yielded) until the block ends."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _ListeningSmtp(mailbox, loop), "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    try:
        yield port
    finally:
        mailbox.release.set()  # a held reply must not outlive the test
        server.close()
        await server.wait_closed()
