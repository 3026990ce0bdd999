"""Handlers over in-memory ports: idempotency, one version per change, lost races retried."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.channel import Channel
from domain.commands import (
    AdjustPoints,
    EnrollMember,
    MemberRef,
    RawIdentifier,
    RecordPurchase,
    RedeemReward,
    ReturnPurchase,
    UseReward,
)
from domain.errors import (
    IdempotencyKeyReused,
    IdentifierTaken,
    InsufficientPoints,
    OrderAlreadyRecorded,
    OrderNotFound,
    RewardNotActive,
    RewardUnavailable,
)
from domain.handlers import (
    adjust_points,
    enroll_member,
    record_purchase,
    redeem_reward,
    return_purchase,
    use_reward,
)
from domain.handlers.members import current
from domain.identity import IdentifierKind
from domain.member import Member, RewardStatus
from tests.unit.fakes import World

EMAIL = IdentifierKind.EMAIL


def purchase(member: Member, order_id: str, amount: str, key: str = "k1") -> RecordPurchase:
    ref = MemberRef(id=member.id)
    return RecordPurchase(ref, order_id, Decimal(amount), "EUR", Channel.POS, "s1", key)


def redemption(member: Member, reward_id: str, key: str = "r1") -> RedeemReward:
    return RedeemReward(MemberRef(id=member.id), reward_id, Channel.APP, key)


async def test_a_purchase_is_stored_relayed_and_published() -> None:
    world = World()
    member = await world.enroll()
    done = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    assert (done.member.balance, done.member.version, done.entry.points) == (120, 2, 120)
    assert world.ledger.entries[done.entry.id] == done.entry
    assert world.outbox.versions(member.id) == [1, 2]
    assert world.store.outboxes[member.id] == []


async def test_a_purchase_reads_the_member_once_and_writes_once() -> None:
    world = World()
    member = await world.enroll()
    reads, saves = world.store.reads, world.store.saves

    await record_purchase.handle(purchase(member, "o1", "120"), world.ports)

    assert (world.store.reads - reads, world.store.saves - saves) == (1, 1)


async def test_a_replayed_purchase_returns_the_same_entry_and_changes_nothing() -> None:
    world = World()
    member = await world.enroll()
    first = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    # when the POS retries the same request
    again = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    # then the first entry comes back and nothing is written or published
    assert again.entry == first.entry
    assert (again.member.version, again.member.balance) == (2, 120)
    assert world.store.saves == 1
    assert world.outbox.versions(member.id) == [1, 2]


async def test_a_replay_after_a_crash_before_the_relay_relays_the_entry() -> None:
    world = World()
    member = await world.enroll()
    world.outbox.stalled = True  # the process dies after the commit, before the relay
    first = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    assert first.entry.id not in world.ledger.entries
    again = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    assert again.entry == first.entry
    assert world.ledger.entries[first.entry.id] == first.entry
    assert world.outbox.versions(member.id) == [1, 2]


async def test_the_same_key_with_another_request_is_refused() -> None:
    world = World()
    member = await world.enroll()
    await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    with pytest.raises(IdempotencyKeyReused):
        await record_purchase.handle(purchase(member, "o2", "80"), world.ports)
    stored = world.store.members[member.id]
    assert (stored.version, stored.balance, stored.activity[0].orders) == (2, 120, 1)


async def test_a_refused_purchase_leaves_its_order_free_for_the_right_member() -> None:
    world = World()
    ana, bob = await world.enroll(), await world.enroll("bob@example.com")
    await record_purchase.handle(purchase(ana, "o1", "120"), world.ports)
    with pytest.raises(IdempotencyKeyReused):
        await record_purchase.handle(purchase(ana, "o2", "80"), world.ports)
    # when order o2 is then recorded for the member it belongs to, it is accepted
    done = await record_purchase.handle(purchase(bob, "o2", "80", key="b1"), world.ports)
    assert done.member.balance == 80


async def test_an_order_recorded_for_one_member_is_refused_for_another() -> None:
    world = World()
    ana, bob = await world.enroll(), await world.enroll("bob@example.com")
    await record_purchase.handle(purchase(ana, "o1", "120"), world.ports)
    with pytest.raises(OrderAlreadyRecorded):
        await record_purchase.handle(purchase(bob, "o1", "120", key="b1"), world.ports)


async def test_the_version_goes_up_by_exactly_one_per_change() -> None:
    world = World()
    member = await world.enroll()
    ports, ref = world.ports, MemberRef(id=member.id)
    bought = await record_purchase.handle(purchase(member, "o1", "300"), ports)
    adjusted = await adjust_points.handle(AdjustPoints(ref, 50, "sorry", "a1"), ports)
    issued = await redeem_reward.handle(redemption(member, "coffee"), ports)
    used = await use_reward.handle(UseReward(issued.member_reward.code, Channel.POS, "s1"), ports)
    returned = await return_purchase.handle(ReturnPurchase("o1", Decimal("100"), "t1"), ports)
    versions = [m.version for m in (bought.member, adjusted.member, issued.member, used.member)]
    assert [*versions, returned.member.version] == [2, 3, 4, 5, 6]
    assert world.outbox.versions(member.id) == [1, 2, 3, 4, 5, 6]
    assert returned.member.balance == 300 + 50 - 150 - 100


async def test_a_lost_race_is_decided_again_on_the_winners_state() -> None:
    world = World()
    member = await world.enroll()
    await record_purchase.handle(purchase(member, "o1", "200"), world.ports)

    async def call_center_takes_150() -> None:
        cmd = AdjustPoints(MemberRef(id=member.id), -150, "correction", "a1")
        await adjust_points.handle(cmd, world.ports)

    # given a concurrent debit commits between our read and our write
    world.store.before_next_save = call_center_takes_150
    # when a coffee (150) is redeemed, then the retry sees 50 points and refuses
    with pytest.raises(InsufficientPoints):
        await redeem_reward.handle(redemption(member, "coffee"), world.ports)
    stored = world.store.members[member.id]
    assert (stored.version, stored.balance, stored.rewards) == (3, 50, ())
    assert not [key for key in world.keys.owners if key.startswith("VOUCHER:")]


async def test_both_writers_of_a_race_are_applied_once() -> None:
    world = World()
    member = await world.enroll()

    async def goodwill() -> None:
        cmd = AdjustPoints(MemberRef(id=member.id), 100, "goodwill", "a1")
        await adjust_points.handle(cmd, world.ports)

    world.store.before_next_save = goodwill
    done = await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    assert (done.member.version, done.member.balance) == (3, 220)


async def test_an_out_of_stock_reward_is_refused_and_releases_the_code() -> None:
    world = World()
    member = await world.enroll()
    await adjust_points.handle(AdjustPoints(MemberRef(id=member.id), 600, "x", "a1"), world.ports)
    world.stock.claims["tote-bag"] = [f"rwd-other-{n}" for n in range(100)]
    with pytest.raises(RewardUnavailable):
        await redeem_reward.handle(redemption(member, "tote-bag"), world.ports)
    assert world.store.members[member.id].balance == 600
    assert not [key for key in world.keys.owners if key.startswith("VOUCHER:")]


async def test_a_redemption_reserves_stock_and_a_replay_issues_nothing_more() -> None:
    world = World()
    member = await world.enroll()
    await adjust_points.handle(AdjustPoints(MemberRef(id=member.id), 600, "x", "a1"), world.ports)
    first = await redeem_reward.handle(redemption(member, "tote-bag"), world.ports)
    again = await redeem_reward.handle(redemption(member, "tote-bag"), world.ports)
    assert again.member_reward == first.member_reward
    assert (again.member.balance, len(again.member.rewards)) == (100, 1)
    assert world.stock.claims["tote-bag"] == [first.member_reward.id]
    assert await world.keys.owner_of(f"VOUCHER:{first.member_reward.code}") == member.id


async def test_a_voucher_is_used_once_and_not_after_it_expires() -> None:
    world = World()
    member = await world.enroll()
    await adjust_points.handle(AdjustPoints(MemberRef(id=member.id), 300, "x", "a1"), world.ports)
    coffee = (await redeem_reward.handle(redemption(member, "coffee"), world.ports)).member_reward
    second = await redeem_reward.handle(redemption(member, "coffee", "r2"), world.ports)
    typed = coffee.code.lower().replace("-", " ")
    used = await use_reward.handle(UseReward(typed, Channel.POS, "s1"), world.ports)
    assert used.member_reward.status is RewardStatus.USED
    with pytest.raises(RewardNotActive):
        await use_reward.handle(UseReward(coffee.code, Channel.POS, "s1"), world.ports)
    # the second voucher expires unused after 30 days
    world.clock.advance(timedelta(days=30))
    with pytest.raises(RewardNotActive):
        await use_reward.handle(
            UseReward(second.member_reward.code, Channel.POS, "s1"), world.ports
        )


async def test_reading_the_current_member_writes_what_time_changed() -> None:
    world = World()
    member = await world.enroll()
    await record_purchase.handle(purchase(member, "o1", "120"), world.ports)
    world.clock.advance(timedelta(days=366))
    now = await current(world.ports, MemberRef(id=member.id))
    assert (now.balance, now.version) == (0, 3)
    assert world.ledger.kinds(member.id) == ["ENROLLED", "EARNED", "EXPIRED"]
    # and reading again writes nothing
    assert (await current(world.ports, MemberRef(id=member.id))).version == 3


async def test_returning_an_unknown_order_is_refused() -> None:
    world = World()
    with pytest.raises(OrderNotFound):
        await return_purchase.handle(ReturnPurchase("o9", Decimal("1"), "t1"), world.ports)


async def test_enrolling_with_a_taken_identifier_releases_the_other_claims() -> None:
    world = World()
    await world.enroll("ana@example.com")
    cmd = EnrollMember(
        (
            RawIdentifier(IdentifierKind.POS_CARD, "CARD1234"),
            RawIdentifier(EMAIL, "ANA@example.com"),
        ),
        None,
        Channel.POS,
    )
    with pytest.raises(IdentifierTaken):
        await enroll_member.handle(cmd, world.ports)
    assert await world.keys.owner_of("POS_CARD:CARD1234") is None
    assert len(world.store.members) == 1
