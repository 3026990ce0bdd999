"""A crash between the member write and its relay loses nothing and publishes nothing twice;
the timed sweep finds the members with something waiting through an index, not a scan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase
from domain.earning import record_purchase
from domain.events import Commit, MemberChanged, commit_of
from domain.ledger import EntryKind
from storage.outbox import PENDING
from tests.conftest import Api
from tests.integration.graphql import HISTORY, by_id
from tests.integration.steps import bought, enrolled, member


async def unrelayed_purchase(api: Api, member_id: str, order_id: str) -> Commit:
    """A purchase whose member write commits, then the process dies before the relay runs."""
    tessera = api.tessera
    stored = await tessera.ports.members.get(member_id)
    assert stored is not None
    command = RecordPurchase(
        MemberRef(id=member_id), order_id, Decimal("25.00"), "EUR", Channel.POS, "s-1", order_id
    )
    change = record_purchase(
        stored, command, tessera.program, tessera.clock.now(), tessera.ports.new_id
    )
    commit = commit_of(stored, change)
    assert await tessera.ports.members.save(commit)
    return commit


async def outbox_of(api: Api, member_id: str) -> dict[str, Any]:
    doc = await api.tessera.collections.members.find_one(
        {"_id": member_id}, {"outbox": 1, PENDING: 1}
    )
    assert doc is not None
    return doc


async def marked(api: Api) -> list[str]:
    """The members the timed sweep's index holds."""
    found = api.tessera.collections.members.find({PENDING: {"$exists": True}}, {"_id": 1})
    return sorted(d["_id"] for d in await found.to_list(None))


async def test_the_relay_finishes_what_a_crash_left_in_the_outbox(api: Api) -> None:
    tessera = api.tessera
    given = await enrolled(api, "crash@example.com")
    await unrelayed_purchase(api, given["id"], "o-1")
    # the member is marked for the timed sweep by the write itself
    assert await marked(api) == [given["id"]]
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
    # and the relay took the member off the sweep's index
    assert await marked(api) == []
    assert await outbox_of(api, given["id"]) == {"_id": given["id"], "outbox": []}


async def test_the_timed_sweep_reads_an_index_of_the_members_with_items_waiting(api: Api) -> None:
    tessera = api.tessera
    # given members whose purchases were relayed as they committed
    ada = await enrolled(api, "ada.l@example.com")
    ben = await enrolled(api, "ben.o@example.com")
    await bought(api, ada["id"], "o-ada", "10.00")
    # then none is left marked, and the mark is indexed (sparse, where the server keeps
    # that: FerretDB 1.24 does not say), so the timed sweep reads only marked members
    assert await marked(api) == []
    members: Any = tessera.collections.members  # the driver's collection, behind the wrapper
    indexes = await members.index_information()
    assert [(PENDING, 1)] in [i["key"] for i in indexes.values()]
    # given an item pushed without the mark (by a release before it existed)
    legacy = await unrelayed_purchase(api, ben["id"], "o-ben")
    await tessera.collections.members.update_one({"_id": ben["id"]}, {"$unset": {PENDING: ""}})
    # when the timed sweep runs, it does not see it; the start-up sweep, which scans, does
    assert await tessera.outbox.sweep() == 0
    assert await tessera.outbox.sweep(unmarked=True) == 1
    assert (await member(api, ben["id"]))["version"] == legacy.member.version
    assert (await outbox_of(api, ben["id"]))["outbox"] == []


async def test_a_relay_that_leaves_a_later_item_leaves_the_member_marked(api: Api) -> None:
    tessera = api.tessera
    given = await enrolled(api, "two@example.com")
    # given two purchases committed and neither relayed
    first = await unrelayed_purchase(api, given["id"], "o-1")
    await unrelayed_purchase(api, given["id"], "o-2")
    # when the first one's own relay runs late (the second is still waiting)
    await tessera.outbox.deliver(first)
    # then the member stays marked, and the timed sweep relays the second
    waiting = await outbox_of(api, given["id"])
    assert [i["version"] for i in waiting["outbox"]] == [first.member.version + 1]
    assert waiting[PENDING] is True
    assert await tessera.outbox.sweep() == 1
    assert await marked(api) == []
    assert (await member(api, given["id"]))["balance"] == 50


async def test_a_mark_left_on_an_empty_outbox_is_cleared_by_the_next_sweep(api: Api) -> None:
    tessera = api.tessera
    given = await enrolled(api, "left@example.com")
    # given a relay that stopped between removing the items and removing the mark
    await tessera.collections.members.update_one({"_id": given["id"]}, {"$set": {PENDING: True}})
    # when the timed sweep runs, it finds nothing to relay and clears the mark
    assert await tessera.outbox.sweep() == 0
    assert await marked(api) == []
