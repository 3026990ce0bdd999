"""Property: a challenge's reward is given once. Random waves of purchases, some sent several
times at once (a till retrying), run concurrently through the real purchase handler and the
real store (embedded and FerretDB); whatever the interleaving, each of the demo's challenges
is completed at most once, exactly when its target is reached, with one reward."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.channel import Channel
from domain.clock import SettableClock
from domain.commands import EnrollMember, MemberRef, PurchaseLine, RawIdentifier, RecordPurchase
from domain.handlers import enroll_member, record_purchase
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.ports import Ports
from tests.conftest import START, backends, running_app

COFFEE = PurchaseLine("COF-250", "COFFEE", 1, Decimal("6.40"))
MUG = PurchaseLine("MUG-1", "HOME", 1, Decimal("12.00"))


@dataclass(frozen=True)
class Order:
    """An order as the till sends it, every time (so a copy is a replay)."""

    order_id: str
    coffee: bool
    store: str


ORDERS = st.lists(
    st.builds(
        Order,
        order_id=st.sampled_from([f"o-{n}" for n in range(6)]),
        coffee=st.booleans(),
        store=st.sampled_from(["store-001", "store-002"]),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.parametrize("backend", backends())
def test_each_challenge_rewards_once_whatever_the_interleaving(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("mongodb_url") if backend == "mongodb" else None

    @settings(
        max_examples=10 if url else 25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(ORDERS, min_size=1, max_size=4))
    def waves_of_purchases(waves: list[list[Order]]) -> None:
        asyncio.run(_given_once(url, waves))

    waves_of_purchases()


async def _given_once(url: str | None, waves: list[list[Order]]) -> None:
    async with running_app(SettableClock(START), mongodb_url=url, demo=False) as app:
        ports = app.state.tessera.ports
        enroll = EnrollMember(
            (RawIdentifier(IdentifierKind.EMAIL, "prop@example.com"),), "Prop", Channel.APP
        )
        member = (await enroll_member.handle(enroll, ports)).member
        first_sent: dict[str, Order] = {}
        for wave in waves:
            # The first copy of an order id fixes it: later copies are exact replays.
            sent = [first_sent.setdefault(o.order_id, o) for o in wave]
            await asyncio.gather(*(_buy(ports, member.id, o) for o in sent))

        final = await ports.members.get(member.id)
        assert final is not None
        page = await ports.ledger.history(final.all_ids, 100, None)
        entries = [entry for _, entry in page.entries]
        done = [e for e in entries if e.kind is EntryKind.CHALLENGE_COMPLETED]
        earned = sum(e.points for e in entries if e.kind is EntryKind.EARNED)
        coffees = sum(o.coffee for o in first_sent.values())
        stores = {o.store for o in first_sent.values()}

        trio = [e for e in done if "(coffee-trio)" in (e.reason or "")]
        hopper = [e for e in done if "(two-stores)" in (e.reason or "")]
        assert len(trio) == (1 if coffees >= 3 else 0), done
        assert len(hopper) == (1 if len(stores) >= 2 else 0), done
        assert [r.reward_id for r in final.rewards] == ["coffee"] * len(hopper)
        assert final.balance == earned + 100 * len(trio)
        assert not any(p.voucher_due for p in final.challenges)


async def _buy(ports: Ports, member_id: str, order: Order) -> None:
    line = COFFEE if order.coffee else MUG
    cmd = RecordPurchase(
        MemberRef(id=member_id),
        order.order_id,
        None,
        "EUR",
        Channel.POS,
        order.store,
        f"key-{order.order_id}",
        (line,),
    )
    await record_purchase.handle(cmd, ports)
