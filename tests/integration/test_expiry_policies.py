"""Expiry policies through GraphQL on both stores: the POINTS_EXPIRY countdown a member sees
under each policy (the end of a Paris day), and the expiry sweep taking exactly the points
whose deadline passed, when it passed, with the settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.clock import SettableClock
from tests.conftest import Api, backends
from tests.integration.cron import ran
from tests.integration.expiry import move_to, under
from tests.integration.graphql import HISTORY, by_id, countdown
from tests.integration.steps import bought, enrolled, member, redeemed

MS = timedelta(milliseconds=1)


@pytest.fixture(params=backends())
def store(request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def paris_end_of(year: int, month: int, day: int, utc_offset_hours: int) -> datetime:
    """The last millisecond of a Paris day (UTC+1 in winter, UTC+2 in summer), in UTC."""
    return datetime(year, month, day, 24 - utc_offset_hours, tzinfo=UTC) - MS


async def last_entry(api: Api, member_id: str) -> tuple[str, int]:
    history = await api.data(HISTORY, {"ref": by_id(member_id), "first": 1})
    node = history["member"]["history"]["edges"][0]["node"]
    return node["kind"], node["points"]


async def test_rolling_points_are_good_through_their_last_paris_day(
    store: str | None, clock: SettableClock, tmp_path: Path
) -> None:
    async with under(clock, store, tmp_path) as api:
        # given 100 points earned on 15 January 2026 (11:00 in Paris)
        given = await enrolled(api, "rolling@example.com")
        after = (await bought(api, given["id"], "o-1", "100.00"))["member"]
        # then they expire at the end of 15 January 2027 in Paris, and the member sees it
        deadline = paris_end_of(2027, 1, 15, 1)
        expiry = countdown(after, "POINTS_EXPIRY")
        assert expiry is not None and at(expiry["deadline"]) == deadline
        assert expiry["label"] == "100 points expire on 2027-01-15"
        # a millisecond before, nothing is due; at it, the sweep takes the 100 points
        await move_to(clock, deadline - MS)
        assert await ran(api, "expire_due") == 0
        await move_to(clock, deadline)
        assert await ran(api, "expire_due") == 1
        assert (await member(api, given["id"]))["balance"] == 0
        assert await last_entry(api, given["id"]) == ("EXPIRED", -100)


async def test_calendar_points_of_a_year_expire_together_at_the_end_of_the_next(
    store: str | None, clock: SettableClock, tmp_path: Path
) -> None:
    expiry = 'policy = "calendar"\nmonths = 12\nperiod = "year"'
    async with under(clock, store, tmp_path, expiry) as api:
        # given points earned in January and November 2026, then in February 2027
        given = await enrolled(api, "calendar@example.com")
        await bought(api, given["id"], "o-1", "100.00")
        await move_to(clock, datetime(2026, 11, 1, 9, tzinfo=UTC))
        await bought(api, given["id"], "o-2", "40.00")
        await move_to(clock, datetime(2027, 2, 1, 9, tzinfo=UTC))
        seen = (await bought(api, given["id"], "o-3", "25.00"))["member"]
        # (the apps read the policy from the program)
        shown = await api.data("{ program { pointsExpiry { policy months period timeZone } } }")
        assert shown["program"]["pointsExpiry"] == {
            "policy": "calendar",
            "months": 12,
            "period": "year",
            "timeZone": "Europe/Paris",
        }
        # then 2026's 140 points expire at the end of 31 December 2027, in Paris
        deadline = paris_end_of(2027, 12, 31, 1)
        soonest = countdown(seen, "POINTS_EXPIRY")
        assert soonest is not None and soonest["pointsRemaining"] == 140
        assert at(soonest["deadline"]) == deadline
        # and the sweep takes those 140 then, and not the 25 of 2027
        await move_to(clock, deadline - MS)
        assert await ran(api, "expire_due") == 0
        await move_to(clock, deadline)
        assert await ran(api, "expire_due") == 1
        after = await member(api, given["id"])
        assert after["balance"] == 25
        assert await last_entry(api, given["id"]) == ("EXPIRED", -140)
        left = countdown(after, "POINTS_EXPIRY")
        assert left is not None and at(left["deadline"]) == paris_end_of(2028, 12, 31, 1)


async def test_under_inactivity_each_activity_pushes_the_deadline_of_every_point(
    store: str | None, clock: SettableClock, tmp_path: Path
) -> None:
    async with under(clock, store, tmp_path, 'policy = "inactivity"\nmonths = 6') as api:
        # given 200 points on 15 January 2026: six months, to the end of 15 July in Paris
        given = await enrolled(api, "inactive@example.com")
        first = (await bought(api, given["id"], "o-1", "200.00"))["member"]
        expiry = countdown(first, "POINTS_EXPIRY")
        assert expiry is not None and at(expiry["deadline"]) == paris_end_of(2026, 7, 15, 2)
        # when the member buys again on 25 April, every point now lasts to 25 October (the
        # day Paris goes back to UTC+1)
        await move_to(clock, datetime(2026, 4, 25, 10, tzinfo=UTC))
        second = (await bought(api, given["id"], "o-2", "40.00"))["member"]
        expiry = countdown(second, "POINTS_EXPIRY")
        assert expiry is not None and expiry["pointsRemaining"] == 240
        assert at(expiry["deadline"]) == paris_end_of(2026, 10, 25, 1)
        # then nothing expires on the old deadline
        await move_to(clock, paris_end_of(2026, 7, 15, 2) + timedelta(days=1))
        assert await ran(api, "expire_due") == 0
        assert (await member(api, given["id"]))["balance"] == 240
        # and a redemption on the last day is activity too: the 90 left last to 25 April 2027
        await move_to(clock, datetime(2026, 10, 25, 12, tzinfo=UTC))
        await redeemed(api, given["id"], "coffee", "r-1")
        deadline = paris_end_of(2027, 4, 25, 2)
        await move_to(clock, deadline - MS)
        # the unused voucher has expired (no points with it); a job may have settled it first
        assert await ran(api, "expire_due") in (0, 1)
        left = countdown(await member(api, given["id"]), "POINTS_EXPIRY")
        assert left is not None and (left["pointsRemaining"], at(left["deadline"])) == (
            90,
            deadline,
        )
        # after six months without activity, all of them expire, once
        await move_to(clock, deadline)
        assert await ran(api, "expire_due") == 1
        assert await ran(api, "expire_due") == 0
        assert (await member(api, given["id"]))["balance"] == 0
        assert await last_entry(api, given["id"]) == ("EXPIRED", -90)
