"""A crash between the member write and its relay loses nothing and publishes nothing twice."""

from __future__ import annotations

from decimal import Decimal

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase
from domain.earning import record_purchase
from domain.events import MemberChanged, commit_of
from domain.ledger import EntryKind
from tests.conftest import Api
from tests.integration.graphql import HISTORY, by_id
from tests.integration.steps import enrolled, member


async def test_the_relay_finishes_what_a_crash_left_in_the_outbox(api: Api) -> None:
    tessera = api.tessera
    given = await enrolled(api, "crash@example.com")
    stored = await tessera.ports.members.get(given["id"])
    assert stored is not None
    command = RecordPurchase(
        MemberRef(id=given["id"]), "o-1", Decimal("25.00"), "EUR", Channel.POS, "store-001", "k-1"
    )
    change = record_purchase(
        stored, command, tessera.program, tessera.clock.now(), tessera.ports.new_id
    )
    commit = commit_of(stored, change)
    # The member write commits, then the process dies before the relay runs.
    assert await tessera.ports.members.save(commit)
    before = await api.data(HISTORY, {"ref": by_id(given["id"]), "first": 5})
    async with tessera.bus.listen() as events:
        relayed = await tessera.outbox.sweep()
        again = await tessera.outbox.sweep()

        event = events.get_nowait()
        assert events.empty()
    after = await api.data(HISTORY, {"ref": by_id(given["id"]), "first": 5})

    assert (await member(api, given["id"]))["balance"] == 25
    assert [e["node"]["kind"] for e in before["member"]["history"]["edges"]] == ["ENROLLED"]
    assert [e["node"]["kind"] for e in after["member"]["history"]["edges"]] == [
        "EARNED",
        "ENROLLED",
    ]
    assert (relayed, again) == (1, 0)
    assert isinstance(event, MemberChanged)
    assert (event.member_id, event.version, event.cause) == (
        given["id"],
        given["version"] + 1,
        EntryKind.EARNED,
    )
