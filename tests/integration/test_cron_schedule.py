"""One schedule for both runners (`workers.jobs.CRON_JOBS`): the embedded runner's timer
runs each cron job when arq would, on the app's clock, and arq's cron entries say the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from domain.clock import SettableClock
from tests.conftest import START, Api, backends
from tests.integration.cron import MetricsOf, app_with, members, progress, settled
from workers.arq_worker import cron_jobs

LOOK = timedelta(seconds=30)  # TESSERA_CRON_INTERVAL_SECONDS's default


@pytest.fixture(params=backends())
def store(request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("mongodb_url") if request.param == "mongodb" else None


async def test_the_embedded_runner_keeps_each_jobs_schedule(
    store: str | None, clock: SettableClock
) -> None:
    async with app_with(clock, store) as api:
        worker = api.tessera.worker
        assert worker is not None
        await members(api, 3)
        metrics = MetricsOf("score_churn")
        # when the timer looks every 30 s for ten minutes, from 10:00 UTC
        ran: Counter[str] = Counter()
        for _ in range(21):
            ran.update(await worker.run_due())
            clock.advance(LOOK)
        # then dispatch_due and deliver_webhooks_due ran at each look, expire_due each minute
        # (all three at start-up too),
        # and the sweeps each five minutes
        assert ran == {
            "dispatch_due": 21,
            "deliver_webhooks_due": 21,
            "expire_due": 11,
            "remind_due": 2,
            "score_churn": 2,
        }
        # and the churn sweep began no pass: its first waits for 03:30 UTC, as every later one
        assert metrics.moved("tessera_cron_passes_total") == 0
        assert metrics.moved("tessera_cron_members_total") == 0


async def _embedded_looks(api: Api, clock: SettableClock, until: datetime) -> int:
    """The embedded timer looking every 30 s until `until`; the churn sweep's runs."""
    worker = api.tessera.worker
    assert worker is not None
    runs = 0
    while clock.now() <= until:
        runs += "score_churn" in await worker.run_due()
        clock.advance(LOOK)
    return runs


async def _arq_runs(api: Api, clock: SettableClock, until: datetime) -> int:
    """The churn job at each time arq's own scheduler (`CronJob.calculate_next`) gives for
    its entry, until `until`, run by the function arq calls; its runs."""
    [job] = [job for job in cron_jobs() if job.name == "score_churn"]
    job.calculate_next(clock.now() - timedelta(seconds=1))
    assert job.next_run is not None
    runs = 0
    while job.next_run <= until:
        clock.current = job.next_run
        await job.coroutine({"messaging": api.tessera.messaging})
        await settled(api)
        runs += 1
        job.calculate_next(job.next_run)
    clock.current = until
    return runs


@pytest.mark.parametrize("runner", ["embedded", "arq"])
async def test_the_churn_pass_runs_once_a_day_a_page_at_a_time_on_both_runners(
    store: str | None, clock: SettableClock, runner: str
) -> None:
    runs_until = _embedded_looks if runner == "embedded" else _arq_runs
    # given seven members, and runs of the churn sweep bounded to three of them
    async with app_with(clock, store, cron_members_per_run=3, cron_page_size=2) as api:
        await members(api, 7)
        metrics = MetricsOf("score_churn")
        # when the runner runs the churn job for ten minutes from 10:00 UTC
        assert await runs_until(api, clock, START + timedelta(minutes=10)) == 2
        # then it rescored nobody: the first pass waits for 03:30 UTC
        assert metrics.moved("tessera_cron_members_total") == 0
        for day in (1, 2):
            # when it runs from 03:20 to just past 03:50 UTC on the next days
            clock.current = START.replace(hour=3, minute=20) + timedelta(days=day)
            runs = await runs_until(api, clock, clock.now() + timedelta(minutes=30, seconds=1))
            # then it ran every five minutes, and a pass began at 03:30 and went on over
            # three runs, three members at most each: every member once a day
            assert runs == 7
            swept = await progress(api, "score_churn")
            assert (swept.passes, swept.runs, swept.done) == (day, 3, 7)
            assert swept.pass_started_at == START.replace(hour=3, minute=30) + timedelta(
                days=day, microseconds=0 if runner == "embedded" else 123_000
            )
            assert metrics.moved("tessera_cron_members_total") == 7 * day
            assert metrics.moved("tessera_cron_passes_total") == day


def test_arq_runs_the_same_schedule() -> None:
    by_name = {job.name: job for job in cron_jobs()}
    assert {n: (j.hour, j.minute, j.second, j.run_at_startup) for n, j in by_name.items()} == {
        "dispatch_due": (None, None, {0, 30}, True),
        "expire_due": (None, None, {0}, True),
        "remind_due": (None, set(range(0, 60, 5)), {0}, False),
        "score_churn": (None, set(range(0, 60, 5)), {0}, False),
        "forget_requests": (None, {0}, {0}, False),
        "deliver_webhooks_due": (None, None, {0, 30}, True),
        "forget_webhook_deliveries": (None, {0}, {0}, False),
    }
