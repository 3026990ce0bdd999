"""The points-expiry reminder under the inactivity policy, end to end on both stores: a
reminder waiting out quiet hours is dropped when a purchase moves the deadline, and the
reminder for the new deadline goes out once, with the new date."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.clock import SettableClock
from tests.conftest import backends
from tests.integration.expiry import move_to, under
from tests.integration.messaging import delivered, joined, messages_of, status, worker_ran
from tests.integration.steps import bought

REMINDER = "POINTS_EXPIRY_REMINDER"


@pytest.fixture(params=backends())
def store(request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None


async def test_a_reminder_for_a_deadline_a_purchase_moved_is_dropped_and_the_next_is_sent(
    store: str | None, clock: SettableClock, tmp_path: Path
) -> None:
    async with under(clock, store, tmp_path, 'policy = "inactivity"\nmonths = 6') as api:
        # given 80 points bought on 15 January: they expire at the end of 15 July in Paris
        jo = await joined(api, "Jo", ("EMAIL", "jo@example.com"))
        await bought(api, jo["id"], "o-jo-1", "80.00")
        await worker_ran(api)
        # when the reminder comes due 30 days before, at midnight in Paris (quiet hours)
        await move_to(clock, datetime(2026, 6, 15, 22, 10, tzinfo=UTC))
        await worker_ran(api)
        (waiting,) = [m for m in await messages_of(api, jo["id"]) if m["journey"] == REMINDER]
        assert waiting["status"] == "PENDING"
        # and Jo buys before morning (16 June in Paris): every point now lasts to 16 December
        await bought(api, jo["id"], "o-jo-2", "10.00")
        await worker_ran(api)
        await move_to(clock, datetime(2026, 6, 16, 7, tzinfo=UTC))
        await worker_ran(api)
        # then the reminder of the old date is not sent
        (dropped,) = [m for m in await messages_of(api, jo["id"]) if m["journey"] == REMINDER]
        assert (dropped["status"], dropped["suppressed_reason"]) == ("SUPPRESSED", "REASON_GONE")
        assert await delivered(api, dropped["_id"]) is None
        # and 30 days before the new deadline, the reminder of it goes out, once
        await move_to(clock, datetime(2026, 11, 16, 9, tzinfo=UTC))
        await worker_ran(api)
        await move_to(clock, datetime(2026, 11, 17, 9, tzinfo=UTC))
        await worker_ran(api)
        found = [m for m in await messages_of(api, jo["id"]) if m["journey"] == REMINDER]
        assert [m["status"] for m in found] == ["SUPPRESSED", "SENT"]
        assert status(found[1]) == ("SENT", "EMAIL")
        copy = await delivered(api, found[1]["_id"])
        assert copy is not None and copy["subject"] == "90 points expire on 16 December 2026"
