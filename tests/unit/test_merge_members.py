"""Merging over in-memory ports: a merge cut short is finished later, and ids follow it."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from domain.channel import Channel
from domain.commands import MemberRef, MergeMembers, RawIdentifier, RecordPurchase, ReturnPurchase
from domain.errors import LoyaltyError
from domain.events import Change
from domain.handlers import merge_members, record_purchase, return_purchase
from domain.handlers.members import change_member, finish_merges, resolve
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.member import Member
from domain.merging import freeze
from tests.unit.fakes import World


def purchase(member: Member, order_id: str, amount: str, key: str) -> RecordPurchase:
    ref = MemberRef(id=member.id)
    return RecordPurchase(ref, order_id, Decimal(amount), "EUR", Channel.POS, "s1", key)


async def two_members(world: World) -> tuple[Member, Member]:
    """Ana with 100 points (order o1) and her duplicate with 250 (order o2)."""
    ana = await world.enroll("ana@example.com")
    dup = await world.enroll("ana.m@example.com")
    await record_purchase.handle(purchase(ana, "o1", "100", "k1"), world.ports)
    await record_purchase.handle(purchase(dup, "o2", "250", "k2"), world.ports)
    return ana, dup


async def test_a_merge_cut_short_after_the_freeze_is_finished_on_the_next_load() -> None:
    world = World()
    ana, dup = await two_members(world)

    def freeze_only(current: Member) -> Change:
        return Change(freeze(current, ana.id), (), EntryKind.MERGED)

    # given the process died right after freezing the duplicate
    await change_member(world.ports, dup, freeze_only)
    assert world.store.members[dup.id].merged_into == ana.id
    assert world.store.members[ana.id].balance == 100
    # when the duplicate is next loaded
    live = await finish_merges(world.ports, dup.id)
    # then the survivor has absorbed it, and the duplicate's keys point to the survivor
    assert (live.id, live.balance, live.version, live.merged_ids) == (ana.id, 350, 3, (dup.id,))
    assert await world.keys.owner_of("EMAIL:ana.m@example.com") == ana.id
    assert await world.keys.owner_of("ORDER:o2") == ana.id
    # and loading it again absorbs nothing twice
    again = await finish_merges(world.ports, dup.id)
    assert (again.version, again.balance) == (3, 350)


async def test_after_a_merge_the_duplicate_resolves_to_the_survivor() -> None:
    world = World()
    ana, dup = await two_members(world)
    cmd = MergeMembers(MemberRef(id=ana.id), MemberRef(id=dup.id))
    merged = await merge_members.handle(cmd, world.ports)
    assert (merged.id, merged.balance, merged.version) == (ana.id, 350, 3)
    by_id = await resolve(world.ports, MemberRef(id=dup.id))
    typed = RawIdentifier(IdentifierKind.EMAIL, "Ana.M@Example.com")
    by_email = await resolve(world.ports, MemberRef(identifier=typed))
    assert by_id == by_email == merged


async def test_a_merge_publishes_the_freeze_and_the_absorb() -> None:
    world = World()
    ana, dup = await two_members(world)
    await merge_members.handle(
        MergeMembers(MemberRef(id=ana.id), MemberRef(id=dup.id)), world.ports
    )
    frozen = world.outbox.published[-2]
    absorbed = world.outbox.published[-1]
    assert (frozen.member_id, frozen.version, frozen.merged_into) == (dup.id, 3, ana.id)
    assert (absorbed.member_id, absorbed.version, absorbed.cause) == (ana.id, 3, EntryKind.MERGED)
    assert absorbed.merged_ids == (dup.id,)
    assert "MERGED" in world.ledger.kinds(ana.id)


async def test_merging_again_changes_nothing() -> None:
    world = World()
    ana, dup = await two_members(world)
    cmd = MergeMembers(MemberRef(id=ana.id), MemberRef(id=dup.id))
    first = await merge_members.handle(cmd, world.ports)
    saves = world.store.saves
    again = await merge_members.handle(cmd, world.ports)
    assert again == first
    assert world.store.saves == saves


async def test_the_duplicates_orders_and_keys_work_on_the_survivor() -> None:
    world = World()
    ana, dup = await two_members(world)
    await merge_members.handle(
        MergeMembers(MemberRef(id=ana.id), MemberRef(id=dup.id)), world.ports
    )
    # a retry of the duplicate's purchase is still recognised as a replay
    replay = await record_purchase.handle(purchase(dup, "o2", "250", "k2"), world.ports)
    assert (replay.member.id, replay.member.version, replay.entry.points) == (ana.id, 3, 250)
    # a new purchase for the duplicate's id lands on the survivor
    bought = await record_purchase.handle(purchase(dup, "o3", "10", "k3"), world.ports)
    assert (bought.member.id, bought.member.balance) == (ana.id, 360)
    # the duplicate's order can be returned, against the survivor
    cmd = ReturnPurchase("o2", Decimal("250"), "t1")
    returned = await return_purchase.handle(cmd, world.ports)
    assert (returned.member.id, returned.member.balance) == (ana.id, 110)


async def test_two_opposite_merges_racing_leave_one_live_member() -> None:
    world = World()
    ana, dup = await two_members(world)

    async def another_agent_merges_ana_into_dup() -> None:
        # the freeze step of MergeMembers(survivor=dup, duplicate=ana), committed meanwhile
        def mark(current: Member) -> Change:
            return Change(freeze(current, dup.id), (), EntryKind.MERGED)

        await change_member(world.ports, ana, mark)

    world.store.before_next_save = another_agent_merges_ana_into_dup
    with contextlib.suppress(LoyaltyError):
        await merge_members.handle(
            MergeMembers(MemberRef(id=ana.id), MemberRef(id=dup.id)), world.ports
        )
    live = await finish_merges(world.ports, ana.id)
    assert live == await finish_merges(world.ports, dup.id)
    assert live.balance == 350


async def test_a_cycle_left_by_opposite_merges_keeps_live_the_member_that_absorbed() -> None:
    world = World()
    ana, dup = await two_members(world)  # ana's id is the smaller
    # given dup absorbed ana (a merge one way, finished), then ana's own frozen copy...
    await merge_members.handle(
        MergeMembers(MemberRef(id=dup.id), MemberRef(id=ana.id)), world.ports
    )
    absorber = world.store.members[dup.id]
    assert (absorber.balance, absorber.merged_ids) == (350, (ana.id,))

    def freeze_into_ana(current: Member) -> Change:
        return Change(freeze(current, ana.id), (), EntryKind.MERGED)

    # ...and the opposite merge, racing, froze the absorber into ana: a cycle
    await change_member(world.ports, absorber, freeze_into_ana)
    # when either is next loaded
    live = await finish_merges(world.ports, ana.id)
    # then the member that absorbed stays live, and no point is counted twice
    assert (live.id, live.balance) == (dup.id, 350)
    assert (await finish_merges(world.ports, dup.id)).balance == 350
