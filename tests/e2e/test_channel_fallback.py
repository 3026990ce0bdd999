"""Fallback when the chosen channel fails: the email goes to a real SMTP server (aiosmtpd)
that refuses some mailboxes; the next allowed channel (push, here the sent-messages provider)
takes the message, and once one channel succeeds no other repeats it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from aiosmtpd.controller import Controller

from app.factory import create_app
from app.settings import Settings
from domain.clock import SettableClock
from tests.conftest import SECRET, Api
from tests.e2e.net import free_port
from tests.e2e.test_email_provider import RecordingMailbox
from tests.integration.messaging import delivered, joined, message_for, status, worker_ran


@pytest.fixture
async def mail_api(clock: SettableClock) -> AsyncIterator[tuple[Api, RecordingMailbox]]:
    handler = RecordingMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(
        mongodb_database=f"tessera_test_{secrets.token_hex(4)}",
        secret=SECRET,  # type: ignore[arg-type]
        demo=False,
        relay_interval_seconds=3600,
        smtp_host="127.0.0.1",
        smtp_port=port,
    )
    app = create_app(settings, clock=clock)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:
                yield Api(http, app.state.tessera), handler
    finally:
        controller.stop()


async def test_email_goes_by_smtp_with_the_message_id(
    mail_api: tuple[Api, RecordingMailbox],
) -> None:
    api, mailbox = mail_api
    # given a member with a working mailbox
    sam = await joined(api, "Sam", ("EMAIL", "sam@example.com"), ("APP_DEVICE", "dev-sam"))
    # when the welcome is dispatched
    await worker_ran(api)
    # then the SMTP server got it, with the message's stable id, and push stayed quiet
    welcome = await message_for(api, sam["id"], "WELCOME")
    assert status(welcome) == ("SENT", "EMAIL")
    assert [m["Message-ID"] for m in mailbox.received] == [f"<{welcome['_id']}@tessera>"]
    assert mailbox.received[0]["Subject"] == "Welcome to Tessera Demo Rewards, Sam"
    assert await delivered(api, welcome["_id"]) is None


async def test_a_bounced_email_falls_back_to_push_at_once(
    mail_api: tuple[Api, RecordingMailbox],
) -> None:
    api, mailbox = mail_api
    # given a member whose mailbox the server refuses (550)
    tom = await joined(api, "Tom", ("EMAIL", "gone@example.com"), ("APP_DEVICE", "dev-tom"))
    # when the welcome is dispatched
    await worker_ran(api)
    # then it went to the app instead, once, and the attempts say why
    welcome = await message_for(api, tom["id"], "WELCOME")
    assert status(welcome) == ("SENT", "PUSH")
    assert [(a["channel"], a["outcome"]) for a in welcome["attempts"]] == [
        ("EMAIL", "PERMANENT_FAILURE"),
        ("PUSH", "SENT"),
    ]
    assert "550" in welcome["attempts"][0]["detail"]
    assert mailbox.received == []
    copy = await delivered(api, welcome["_id"])
    assert copy is not None and copy["to"] == "dev-tom" and copy["attempts"] == 1
    # and the bounce counts against the email address for the next messages
    profile = await api.tessera.messaging.profiles.get(tom["id"])
    failures = {e.channel.value: e.failures_in_a_row for e in profile.engagement}
    assert failures.get("EMAIL") == 1 and failures.get("PUSH", 0) == 0


async def test_a_busy_server_is_retried_before_falling_back(
    mail_api: tuple[Api, RecordingMailbox], clock: SettableClock
) -> None:
    api, mailbox = mail_api
    # given a member whose mail server answers "try again later" (451)
    uma = await joined(api, "Uma", ("EMAIL", "busy@example.com"), ("APP_DEVICE", "dev-uma"))
    await worker_ran(api)
    # then the message waits a minute for a second try on email
    welcome = await message_for(api, uma["id"], "WELCOME")
    assert (welcome["status"], welcome["channel"]) == ("PENDING", "EMAIL")
    # when the second try fails too, it falls back to push
    clock.advance(timedelta(minutes=1))
    await worker_ran(api)
    welcome = await message_for(api, uma["id"], "WELCOME")
    assert status(welcome) == ("SENT", "PUSH")
    assert [a["outcome"] for a in welcome["attempts"]] == [
        "TRANSIENT_FAILURE",
        "TRANSIENT_FAILURE",
        "SENT",
    ]
    assert mailbox.received == []
