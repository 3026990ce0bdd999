"""One schedule for both runners (`workers.jobs.CRON_JOBS`): the embedded runner's timer
runs each cron job when arq would, on the app's clock, and arq's cron entries say the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from domain.clock import SettableClock
from tests.conftest import backends
from tests.integration.cron import MetricsOf, app_with, members, progress
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
        # then dispatch_due ran at each look, expire_due each minute (both at start-up too),
        # and the sweeps each five minutes
        assert ran == {"dispatch_due": 21, "expire_due": 11, "remind_due": 2, "score_churn": 2}
        # and the churn sweep made one pass, not one per look
        assert metrics.moved("tessera_cron_passes_total") == 1

        # when the timer looks every 30 s around 03:30 UTC the next day
        clock.advance(timedelta(hours=17, minutes=19))  # 03:29:30
        churn_runs = 0
        for _ in range(4):
            churn_runs += "score_churn" in await worker.run_due()
            clock.advance(LOOK)
        # then the sweep ran at 03:29:30 (its 03:25 run) and 03:30, and the second began
        # the day's pass
        assert churn_runs == 2
        assert metrics.moved("tessera_cron_passes_total") == 2
        assert (await progress(api, "score_churn")).passes == 2


def test_arq_runs_the_same_schedule() -> None:
    by_name = {job.name: job for job in cron_jobs()}
    assert {n: (j.hour, j.minute, j.second, j.run_at_startup) for n, j in by_name.items()} == {
        "dispatch_due": (None, None, {0, 30}, True),
        "expire_due": (None, None, {0}, True),
        "remind_due": (None, set(range(0, 60, 5)), {0}, False),
        "score_churn": (None, set(range(0, 60, 5)), {0}, False),
        "forget_requests": (None, {0}, {0}, False),
    }
