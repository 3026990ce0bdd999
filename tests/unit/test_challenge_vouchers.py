"""A challenge rewarded with a voucher, through the purchase handler on in-memory ports: the
voucher is issued once, free, right after the purchase that completes the round; stock is
reserved and never oversold; a concurrent issuer gives back what it held."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from domain.challenge_rules import ChallengeProgress
from domain.challenge_vouchers import issue_voucher
from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.handlers import record_purchase
from domain.handlers.challenge_vouchers import issue_owed_vouchers
from domain.ledger import EntryKind
from domain.member import Member, RewardStatus
from domain.program import Program
from tests.unit.fakes import World
from tests.unit.support import T0, Ids, enrolled
from tests.unit.test_challenges import challenge, program_with

BAG = PurchaseLine("BAG-1", "HOME", 1, Decimal("10.00"))


def voucher_program(reward: str = "coffee", stock: int | None = None) -> Program:
    program = program_with(challenge(target=2, reward_points=None, reward=reward))
    if stock is None:
        return program
    rewards = tuple(
        dataclasses.replace(r, stock=stock) if r.id == reward else r for r in program.rewards
    )
    return dataclasses.replace(program, rewards=rewards)


async def buy(world: World, member: Member, order_id: str) -> Member:
    cmd = RecordPurchase(
        MemberRef(id=member.id), order_id, None, "EUR", Channel.POS, "s1", order_id, (BAG,)
    )
    return (await record_purchase.handle(cmd, world.ports)).member


def completions(world: World) -> list[str]:
    found = [e for e in world.ledger.entries.values() if e.kind is EntryKind.CHALLENGE_COMPLETED]
    return [e.reason or "" for e in found]


async def test_the_completing_purchase_issues_the_voucher_once_and_free() -> None:
    world = World(program=voucher_program())
    member = await world.enroll()
    member = await buy(world, member, "o-1")
    member = await buy(world, member, "o-2")
    again = await buy(world, member, "o-2")  # a replay: nothing more
    member = await buy(world, again, "o-3")

    [voucher] = member.rewards
    assert (voucher.reward_id, voucher.cost, voucher.status) == ("coffee", 0, RewardStatus.ACTIVE)
    assert member.balance == 30  # the voucher cost nothing
    [reason] = completions(world)
    assert f"a Free coffee voucher ({voucher.code})" in reason
    assert not member.challenges[0].voucher_due
    assert await world.keys.owner_of(f"VOUCHER:{voucher.code}") == member.id


async def test_out_of_stock_closes_the_round_with_an_entry_saying_so() -> None:
    world = World(program=voucher_program("tote-bag", stock=1))
    first, second = await world.enroll("a@example.com"), await world.enroll("b@example.com")
    for n in range(2):
        first = await buy(world, first, f"a-{n}")
    for n in range(2):
        second = await buy(world, second, f"b-{n}")

    assert [r.reward_id for r in first.rewards] == ["tote-bag"]
    assert second.rewards == ()
    assert not second.challenges[0].voucher_due
    assert "Limited tote bag is out of stock: no voucher" in completions(world)[-1]
    assert world.stock.claims["tote-bag"] == [first.rewards[0].id]


async def test_a_concurrent_issuer_finds_nothing_owed_and_gives_back_its_hold() -> None:
    world = World(program=voucher_program("tote-bag", stock=5))
    member = await world.enroll()
    member = await buy(world, member, "o-1")
    cmd = RecordPurchase(
        MemberRef(id=member.id), "o-2", None, "EUR", Channel.POS, "s1", "o-2", (BAG,)
    )
    # The completing purchase is written, then another instance issues the voucher first.
    written = await record_purchase.handle(cmd, world.ports)
    assert len(written.member.rewards) == 1
    owing = world.store.members[member.id]
    stale = dataclasses.replace(
        owing,
        challenges=tuple(dataclasses.replace(p, voucher_due=True) for p in owing.challenges),
        version=owing.version - 1,
    )

    after = await issue_owed_vouchers(world.ports, stale)  # loses the race, re-reads

    assert len(after.rewards) == 1
    assert len(world.stock.claims["tote-bag"]) == 1
    assert len(completions(world)) == 1


def test_a_voucher_owed_is_issued_once() -> None:
    program, ids = voucher_program(), Ids()
    [trio] = program.challenges
    owed = ChallengeProgress(trio.id, T0, None, 2, completed_at=T0, voucher_due=True)
    member = dataclasses.replace(enrolled(ids), challenges=(owed,))

    issued = issue_voucher(member, trio, program, T0, ids, ("rwd-1", "ABCD-2345"))
    assert issued is not None and issued.member_reward_id == "rwd-1"
    assert issue_voucher(issued.member, trio, program, T0, ids, ("rwd-2", "EFGH-2345")) is None
