"""Frequency caps hold when two dispatches of one member run at once, on both stores with the
in-process jobs and a real SMTP server (test_worker_crash.py has the same on arq).

A welcome is mid-send (the SMTP server holds its reply) when the member buys: the receipt's
dispatch starts while the welcome is not yet counted. The program allows EMAIL 1 a day, so the
receipt must wait for tomorrow, not go as a second email today.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, timedelta

import httpx
import pytest

from domain.clock import SettableClock
from tests.conftest import START, Api, backends, running_app
from tests.e2e.held_smtp import HoldingMailbox, smtp_server
from tests.integration.messaging import joined, message_for, status, worker_ran
from tests.integration.steps import bought
from workers.queue import InProcessQueue

WAIT = 10.0  # seconds; each step takes well under one
DAY = timedelta(days=1)


async def until(check: Callable[[], bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


@pytest.fixture(params=backends())
async def mailed(
    request: pytest.FixtureRequest, clock: SettableClock
) -> AsyncIterator[tuple[Api, HoldingMailbox]]:
    """The app on the demo program (EMAIL 1 a day), its emails to a real SMTP server."""
    url = request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None
    mailbox = HoldingMailbox()
    async with (
        smtp_server(mailbox) as port,
        running_app(clock, mongodb_url=url, smtp_host="127.0.0.1", smtp_port=port) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://tessera.test"
        ) as http,
    ):
        yield Api(http, app.state.tessera, app.state.persisted), mailbox


async def test_a_receipt_waits_for_the_cap_while_the_welcome_is_still_being_sent(
    mailed: tuple[Api, HoldingMailbox],
) -> None:
    api, mailbox = mailed
    jobs = api.tessera.messaging.queue
    assert isinstance(jobs, InProcessQueue)
    await worker_ran(api)  # the start-up sweeps and the demo members' messages are done
    # given a member reachable only by email, whose welcome is mid-send
    mailbox.hold_next(to="pat@example.com")
    pat = await joined(api, "Pat", ("EMAIL", "pat@example.com"))
    async with asyncio.timeout(WAIT):
        await mailbox.holding.wait()
    # when they buy, and the receipt's dispatch has run while the welcome is still held
    await bought(api, pat["id"], "o-pat-1", "30")
    await until(lambda: jobs.running() == 1)  # only the held welcome's job is left
    assert len(to_pat(mailbox)) == 1
    # and the welcome's send then completes
    mailbox.release.set()
    await worker_ran(api)

    # then the welcome is the day's one email, and the receipt waits for the next day
    assert status(await message_for(api, pat["id"], "WELCOME")) == ("SENT", "EMAIL")
    receipt = await message_for(api, pat["id"], "PURCHASE_RECEIPT")
    assert status(receipt) == ("PENDING", None)
    assert (receipt["deferred_reason"], receipt["decision"]) == (
        "FREQUENCY_CAP",
        "cap reached: EMAIL 1 per day",
    )
    assert receipt["not_before"].replace(tzinfo=UTC) == START + DAY
    assert len(to_pat(mailbox)) == 1


def to_pat(mailbox: HoldingMailbox) -> list[str]:
    """The emails Pat received (the demo members get their own)."""
    return mailbox.message_ids(to="pat@example.com")
