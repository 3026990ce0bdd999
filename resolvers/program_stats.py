"""`programStats(from, to)` (admins): the program's figures for a period, from its day
counters; and `programStatsUpdated(from, to)`, the same figures again whenever member events
arrive, for a live dashboard."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from datetime import UTC, date, timedelta
from typing import Annotated

import strawberry

from domain.access import Action
from domain.program_figures import program_figures
from resolvers.context import Info, TesseraContext
from schema.errors import BadRequest
from schema.program_stats import ProgramStats

DEFAULT_DAYS = 30
# Events arriving together (a till's busy minute) make one update, not one each.
COALESCE_SECONDS = 0.2
# Messages sent by the workers are not member events: figures are read again this often
# while no event comes, and sent if they changed.
QUIET_REFRESH_SECONDS = 15.0


def _period(ctx: TesseraContext, first: date | None, last: date | None) -> tuple[date, date]:
    last = last or ctx.ports.clock.now().astimezone(UTC).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRequest("`from` must not be after `to`", {"field": "from"})
    return first, last


async def figures(ctx: TesseraContext, first: date | None, last: date | None) -> ProgramStats:
    ctx.require(Action.VIEW_PROGRAM_STATS)
    first_day, last_day = _period(ctx, first, last)
    store = ctx.ports.program_stats
    assert store is not None, "the app wires the program's counters"
    as_of, period = await store.totals(first_day.isoformat(), last_day.isoformat())
    found = program_figures(ctx.ports.program, first_day, last_day, as_of, period)
    return ProgramStats.of(found)


From = Annotated[
    date | None,
    strawberry.argument(name="from", description="first day (UTC); default: `to` - 29 days"),
]
To = Annotated[date | None, strawberry.argument(description="last day (UTC); default: today")]


async def program_stats(info: Info, from_: From = None, to: To = None) -> ProgramStats:
    return await figures(info.context, from_, to)


async def program_stats_updated(
    info: Info, from_: From = None, to: To = None
) -> AsyncGenerator[ProgramStats, None]:
    ctx = info.context
    latest = await figures(ctx, from_, to)  # checks the caller before anything is followed
    yield latest
    async with ctx.feed.listen_all() as signals:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signals.get(), QUIET_REFRESH_SECONDS)
                await asyncio.sleep(COALESCE_SECONDS)
            while not signals.empty():
                signals.get_nowait()
            now = await figures(ctx, from_, to)
            if now != latest:
                latest = now
                yield now


query_field = strawberry.field(
    resolver=program_stats,
    description="The program's figures (admins): liability, breakage forecast, redemption "
    "and repeat-purchase rates, active members, CLTV, tiers, messages.",
)
subscription_field = strawberry.subscription(
    resolver=program_stats_updated,
    description="programStats now, then again whenever member events change it (admins).",
)
