"""The outage state behind "refused at once while the database is down": it begins with a
call no database answered, and ends when a ping gets through (one at a time)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pymongo.errors import DuplicateKeyError, ServerSelectionTimeoutError

from storage.availability import Outage, log_failure


async def test_an_outage_lasts_from_an_unreachable_call_until_a_ping_answers() -> None:
    pings: list[str] = []
    database_up = asyncio.Event()

    async def ping() -> None:
        pings.append("ping")
        if not database_up.is_set():
            raise ServerSelectionTimeoutError("no server")

    outage = Outage(ping, every=0.01)
    assert not outage.ongoing
    # a refused write is no outage
    outage.report(DuplicateKeyError("taken"))
    assert not outage.ongoing

    outage.report(ServerSelectionTimeoutError("no server"))
    outage.report(ServerSelectionTimeoutError("no server"))  # the same outage
    assert outage.ongoing
    while len(pings) < 3:
        await asyncio.sleep(0.01)
    assert outage.ongoing

    database_up.set()
    async with asyncio.timeout(5):
        while outage.ongoing:
            await asyncio.sleep(0.01)
    await outage.close()


async def test_a_database_that_answers_with_an_error_ends_the_outage() -> None:
    async def ping() -> None:
        raise DuplicateKeyError("an answer, if not the one hoped for")

    outage = Outage(ping, every=0.01)
    outage.report(ServerSelectionTimeoutError("no server"))
    async with asyncio.timeout(5):
        while outage.ongoing:
            await asyncio.sleep(0.01)


async def test_a_ping_for_readiness_ends_or_begins_an_outage_too() -> None:
    database_up = False

    async def ping() -> None:
        if not database_up:
            raise ServerSelectionTimeoutError("no server")

    outage = Outage(ping, every=60)  # its own watch would not look again for a minute
    with pytest.raises(ServerSelectionTimeoutError):
        await outage.check()
    assert outage.ongoing

    database_up = True
    await outage.check()
    assert not outage.ongoing


def test_background_failures_log_a_trace_unless_the_database_was_only_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("tests.outage")

    log_failure(log, ServerSelectionTimeoutError("no server, Timeout: 3s, Topology: ..."), "job")
    log_failure(log, ValueError("a bug"), "job %s", "j-1")

    away, bug = caplog.records
    assert (away.levelname, away.exc_info, away.getMessage()) == (
        "WARNING",
        None,
        "job (ServerSelectionTimeoutError: no server)",
    )
    assert (bug.levelname, bug.getMessage()) == ("ERROR", "job j-1")
    assert bug.exc_info is not None
