"""Given/then steps for the cron sweeps: an app with chosen bounds, members, a run of a cron
job as either runner makes it (`workers.jobs.run_cron`), where a sweep stands, and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from prometheus_client import REGISTRY

from domain.clock import SettableClock
from domain.sweeps import SweepProgress
from storage.sweep_progress import MongoSweepProgress
from tests.conftest import Api, running_app
from tests.integration.messaging import joined, messages_of
from workers.jobs import run_cron


@asynccontextmanager
async def app_with(
    clock: SettableClock, mongodb_url: str | None, **settings: Any
) -> AsyncIterator[Api]:
    """An app with no demo members, whose embedded timer never fires by itself: the test
    runs the cron jobs. `settings` set the sweeps' bounds."""
    values: dict[str, Any] = {"demo": False, "cron_interval_seconds": 3600, **settings}
    async with (
        running_app(clock, mongodb_url=mongodb_url, **values) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://tessera.test"
        ) as http,
    ):
        yield Api(http, app.state.tessera, app.state.persisted)


async def members(api: Api, count: int, prefix: str = "m") -> list[str]:
    """`count` customers who joined on the web with an email address; their ids, sorted."""
    found = [
        (await joined(api, f"{prefix}{i}", ("EMAIL", f"{prefix}{i}@example.com")))["id"]
        for i in range(count)
    ]
    await settled(api)
    return sorted(found)


async def settled(api: Api) -> None:
    """Every job queued so far (welcomes, dispatches) finished."""
    assert api.tessera.worker is not None
    await api.tessera.worker.idle()


async def ran(api: Api, job: str) -> int:
    """One run of the cron job, then the jobs it queued."""
    counted = await run_cron(api.tessera.messaging, job)
    await settled(api)
    return counted


async def looked(api: Api, *jobs: str) -> None:
    """Each sweep's first run: it notes its time and begins no pass (a sweep's first pass
    waits for a moment of its schedule, as the later ones do)."""
    for job in jobs:
        assert await ran(api, job) == 0
        assert (await progress(api, job)).pass_started_at is None


async def runs_at_once(api: Api, job: str, count: int) -> list[int]:
    counted = await asyncio.gather(*(run_cron(api.tessera.messaging, job) for _ in range(count)))
    await settled(api)
    return list(counted)


async def progress(api: Api, job: str) -> SweepProgress:
    found = await MongoSweepProgress(api.tessera.collections.progress).get(job)
    assert found is not None, f"{job} never ran"
    return found


async def journeys_of(api: Api, member_id: str, journey: str) -> int:
    return sum(d["journey"] == journey for d in await messages_of(api, member_id))


def sample(name: str, job: str) -> float:
    """A cron metric's value now (0 before its first change): metrics are per process, so
    tests compare before and after."""
    return REGISTRY.get_sample_value(name, {"job": job}) or 0.0


class MetricsOf:
    """A job's cron metrics from now on (they are per process: tests look at how they move)."""

    def __init__(self, job: str) -> None:
        self.job = job
        self._start = {name: sample(name, job) for name in _COUNTING}

    def moved(self, name: str) -> float:
        return sample(name, self.job) - self._start[name]


_COUNTING = (
    "tessera_cron_members_total",
    "tessera_cron_passes_total",
    "tessera_cron_run_seconds_count",
)
