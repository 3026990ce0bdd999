"""The cron sweeps page through members, each run bounded, and the next run goes on from
where the last stopped; a pass reaches every member once, and the next pass starts only when
it is due. Run as the workers run them (`run_cron`), on the embedded store and on FerretDB.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import SettableClock
from domain.sweeps import SweepProgress
from storage.sweep_progress import MongoSweepProgress
from tests.conftest import backends
from tests.integration.cron import (
    MetricsOf,
    app_with,
    journeys_of,
    looked,
    members,
    progress,
    ran,
    runs_at_once,
    sample,
    settled,
)
from tests.integration.messaging import joined
from tests.integration.steps import bought, redeemed
from workers import cron
from workers.context import Messaging

DAY = timedelta(days=1)


@pytest.fixture(params=backends())
def store(request: pytest.FixtureRequest) -> str | None:
    """The MongoDB URL (FerretDB) or None (the embedded store)."""
    return request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None


async def test_a_churn_pass_longer_than_a_run_goes_on_over_runs_and_wins_each_back_once(
    store: str | None, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with app_with(clock, store, cron_members_per_run=3, cron_page_size=2) as api:
        # given seven members who joined and never bought
        ids = await members(api, 7)
        await looked(api, "score_churn")
        metrics = MetricsOf("score_churn")
        # when 100 days pass (each is now at risk) and the churn sweep runs, 3 members a run
        clock.advance(100 * DAY)
        with caplog.at_level(logging.INFO, "workers.sweeps"):
            raised = [await ran(api, "score_churn") for _ in range(4)]
        # then three runs made the pass, the last one ended it, and a fourth found it done
        assert raised == [3, 3, 1, 0]
        # each working run saying how far it got, in one line
        lines = [r.getMessage() for r in caplog.records if r.name == "workers.sweeps"]
        assert len(lines) == 3
        assert lines[0].startswith("score_churn: 3 members in ")
        assert f"(run 1 of the pass begun {clock.now().isoformat()}: 3 members so far" in lines[0]
        assert lines[0].endswith("; goes on next run")
        assert f": 7 members so far, after {ids[-1]}); pass finished" in lines[2]
        swept = await progress(api, "score_churn")
        assert (swept.done, swept.runs, swept.passes) == (7, 3, 1)
        assert swept.pass_started_at == clock.now() and swept.finished_at == clock.now()
        assert swept.after is not None and swept.after.member_id == ids[-1]
        # and each member was scored once and got one win-back
        for member_id in ids:
            assert await journeys_of(api, member_id, "WIN_BACK") == 1
        # and the metrics say so
        assert metrics.moved("tessera_cron_members_total") == len(ids)
        assert metrics.moved("tessera_cron_passes_total") == 1
        assert metrics.moved("tessera_cron_run_seconds_count") == len(raised)
        assert sample("tessera_cron_pass_members", "score_churn") == len(ids)
        finished = sample("tessera_cron_last_finished_timestamp", "score_churn")
        assert finished == clock.now().timestamp()

        # when the next day's pass runs
        clock.advance(DAY)
        assert [await ran(api, "score_churn") for _ in range(3)] == [0, 0, 0]
        # then it rescored them all again, and raised no second win-back
        swept = await progress(api, "score_churn")
        assert (swept.done, swept.passes) == (7, 2)
        for member_id in ids:
            assert await journeys_of(api, member_id, "WIN_BACK") == 1


async def test_a_run_cut_short_by_its_time_goes_on_from_its_position(
    store: str | None, clock: SettableClock
) -> None:
    # given runs allowed no time at all: each stops after its first member
    async with app_with(clock, store, cron_seconds_per_run=0) as api:
        ids = await members(api, 4)
        await looked(api, "score_churn")
        clock.advance(100 * DAY)
        # when the churn sweep runs again and again
        for done, member_id in enumerate(ids, start=1):
            assert await ran(api, "score_churn") == 1
            # then each run went on after the member the last one stopped at
            swept = await progress(api, "score_churn")
            assert swept.after is not None
            assert (swept.after.member_id, swept.done) == (member_id, done)
            # and the pass ended with the run that did the last member (its page ended there)
            assert (swept.finished_at is not None) == (done == len(ids))
        assert (swept.runs, swept.passes) == (4, 1)
        # and the next run, the same day, finds nothing to do
        assert await ran(api, "score_churn") == 0
        assert (await progress(api, "score_churn")).done == 4
        for member_id in ids:
            assert await journeys_of(api, member_id, "WIN_BACK") == 1


async def test_two_runs_at_once_walk_the_members_once(
    store: str | None, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with app_with(clock, store, cron_page_size=2) as api:
        ids = await members(api, 5)
        await looked(api, "score_churn")
        metrics = MetricsOf("score_churn")
        clock.advance(100 * DAY)
        # when two workers run the churn sweep at the same moment
        with caplog.at_level(logging.INFO, "workers.sweeps"):
            raised = await runs_at_once(api, "score_churn", 2)
        # then one of them did the pass and the other left it to it
        assert sorted(raised) == [0, len(ids)]
        assert "score_churn: another run holds the job" in caplog.text
        assert metrics.moved("tessera_cron_members_total") == len(ids)
        swept = await progress(api, "score_churn")
        assert (swept.done, swept.runs, swept.passes, swept.held_until) == (5, 1, 1, None)


async def test_a_new_pass_starts_only_when_due(store: str | None, clock: SettableClock) -> None:
    async with app_with(clock, store) as api:
        await members(api, 2)
        # given the sweeps' first runs at 10:00 UTC, which begin no pass
        await looked(api, "score_churn", "remind_due")
        # when they run again before a pass is due
        clock.advance(timedelta(minutes=4))  # 10:04
        for job in ("score_churn", "remind_due"):
            await ran(api, job)
        # then neither began one
        for job in ("score_churn", "remind_due"):
            assert (await progress(api, job)).pass_started_at is None
        # when the hour's pass is due (each hour at :05)
        clock.advance(timedelta(minutes=1))  # 10:05
        await ran(api, "remind_due")
        await ran(api, "score_churn")
        # then the reminders began theirs, and churn waits for the day's (at 03:30 UTC)
        assert (await progress(api, "remind_due")).pass_started_at == clock.now()
        assert (await progress(api, "score_churn")).pass_started_at is None
        clock.advance(timedelta(minutes=5))  # 10:10
        await ran(api, "remind_due")
        assert (await progress(api, "remind_due")).passes == 1
        clock.advance(timedelta(hours=17, minutes=19))  # 03:29 the next day
        await ran(api, "score_churn")
        assert (await progress(api, "score_churn")).pass_started_at is None
        clock.advance(timedelta(minutes=1))  # 03:30
        await ran(api, "score_churn")
        churn = await progress(api, "score_churn")
        assert (churn.passes, churn.pass_started_at) == (1, clock.now())
        # and the next day's pass at the next 03:30, not before
        clock.advance(timedelta(hours=23, minutes=59))
        await ran(api, "score_churn")
        assert (await progress(api, "score_churn")).passes == 1
        clock.advance(timedelta(minutes=1))
        await ran(api, "score_churn")
        assert (await progress(api, "score_churn")).passes == 2


async def test_reminders_page_through_members_expiring_within_the_lead_only(
    store: str | None, clock: SettableClock
) -> None:
    async with app_with(clock, store, cron_members_per_run=3, cron_page_size=2) as api:
        # given four members with a coffee voucher valid 30 days (reminded 7 days before),
        # and three whose only points expire in a year (reminded 30 days before)
        soon, later = [], []
        for i in range(4):
            member = await joined(api, f"s{i}", ("EMAIL", f"s{i}@example.com"))
            await bought(api, member["id"], f"o-s{i}", "200")
            await redeemed(api, member["id"], "coffee", f"coffee-s{i}")
            soon.append(member["id"])
        for i in range(3):
            member = await joined(api, f"l{i}", ("EMAIL", f"l{i}@example.com"))
            await bought(api, member["id"], f"o-l{i}", "200")
            later.append(member["id"])
        await settled(api)
        await looked(api, "remind_due")
        metrics = MetricsOf("remind_due")
        # when 24 days pass and the reminder sweep runs, 3 members a run
        clock.advance(24 * DAY)
        reminded = [await ran(api, "remind_due") for _ in range(3)]
        # then two runs reminded the four voucher holders, and the pass ended
        assert reminded == [3, 1, 0]
        swept = await progress(api, "remind_due")
        assert (swept.done, swept.runs, swept.passes) == (4, 2, 1)
        # in the order of their expiry, then id (the vouchers expire in one instant)
        assert swept.after is not None and swept.after.member_id == max(soon)
        # and the members expiring later were not read at all
        assert metrics.moved("tessera_cron_members_total") == len(soon)
        for member_id in soon:
            assert await journeys_of(api, member_id, "REWARD_EXPIRY_REMINDER") == 1
        for member_id in later:
            assert await journeys_of(api, member_id, "POINTS_EXPIRY_REMINDER") == 0

        # when the next hour's pass runs, the reminders are there already: none is added
        clock.advance(timedelta(hours=1))
        assert [await ran(api, "remind_due") for _ in range(2)] == [0, 0]
        assert (await progress(api, "remind_due")).passes == 2
        for member_id in soon:
            assert await journeys_of(api, member_id, "REWARD_EXPIRY_REMINDER") == 1


async def test_expiry_is_settled_over_bounded_runs_once_each(
    store: str | None, clock: SettableClock
) -> None:
    async with app_with(clock, store, cron_members_per_run=2, cron_page_size=2) as api:
        # given five members whose points expire in a year
        ids = await members(api, 5)
        for member_id in ids:
            await bought(api, member_id, f"o-{member_id}", "50")
        await settled(api)
        # when the year has passed and the expiry sweep runs, 2 members a run
        clock.advance(366 * DAY)
        settled_counts = [await ran(api, "expire_due") for _ in range(4)]
        # then three runs settled them all, and the fourth began a pass that found nobody due
        assert settled_counts == [2, 2, 1, 0]
        assert (await progress(api, "expire_due")).passes == 2
        for member_id in ids:
            doc = await api.tessera.collections.members.find_one({"_id": member_id})
            assert doc is not None and doc["batches"] == []
            entries = api.tessera.collections.ledger.find({"member_id": member_id})
            kinds = [e["kind"] for e in await entries.to_list(None)]
            assert kinds.count("EXPIRED") == 1


async def test_a_run_that_lost_its_hold_stops_without_moving_the_position(
    store: str | None,
    clock: SettableClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with app_with(clock, store, cron_page_size=2) as api:
        await members(api, 5)
        await looked(api, "score_churn")
        clock.advance(100 * DAY)
        jobs = MongoSweepProgress(api.tessera.collections.progress)
        taker: list[SweepProgress | None] = []
        rescore = cron.CHURN.visit

        async def stalling(messaging: Messaging, member_id: str, now: datetime) -> int:
            if not taker:  # the run stalls past its hold, and another run takes the job
                later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
                taker.append(await jobs.claim("score_churn", later, later + timedelta(hours=1)))
            return await rescore(messaging, member_id, now)

        monkeypatch.setattr(cron, "CHURN", dataclasses.replace(cron.CHURN, visit=stalling))
        # when the stalled run finishes its page
        with caplog.at_level(logging.INFO, "workers.sweeps"):
            assert await ran(api, "score_churn") == 2
        # then it saved nothing and let go of nothing: the job is the other run's, as it was
        [took] = taker
        assert took is not None
        assert await progress(api, "score_churn") == took
        assert "score_churn: another run took the job over" in caplog.text
