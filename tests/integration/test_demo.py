"""The demo members, loaded by two instances starting at once on one database (as two
`tessera serve --demo` do): both start, and the members are as one instance makes them."""

from __future__ import annotations

import asyncio
from typing import Any

from app.demo import DEMO_MEMBER_IDS, load_demo
from app.settings import Settings
from app.wiring import Tessera
from domain.clock import SettableClock
from tests.conftest import SECRET


async def demo_state(tessera: Tessera) -> list[tuple[Any, ...]]:
    members = [await tessera.ports.members.get(member_id) for member_id in DEMO_MEMBER_IDS]
    return [(m.id, m.version, m.balance, len(m.rewards)) for m in members if m is not None]


async def test_two_instances_loading_the_demo_at_once_make_it_once(clock: SettableClock) -> None:
    settings = Settings(secret=SECRET, demo=False)
    alone = Tessera.build(settings, clock=clock)
    first = Tessera.build(settings, clock=clock)
    second = Tessera.build(settings, clock=clock, client=first.client)  # one database
    for tessera in (alone, first):
        await tessera.stock.ensure(tessera.program)

    await load_demo(alone.ports)
    await asyncio.gather(load_demo(first.ports), load_demo(second.ports))

    assert await demo_state(first) == await demo_state(alone)
    assert len(await demo_state(first)) == 3
