"""Challenges, pure: each kind counts what it should, rounds end at their deadline, the reward
is given once, the member keeps one bounded round a challenge, merges keep the further one,
and the program file says clearly what is wrong with a challenge."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.challenges import challenges_of
from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.earning import record_purchase, validate_purchase
from domain.events import Change
from domain.ledger import EntryKind
from domain.member import Member
from domain.merging import absorb
from domain.program import Program, ProgramError, load_program
from tests.unit.support import PROGRAM_FILE, T0, Ids, demo_file, enrolled

COFFEE = PurchaseLine("COF-1", "COFFEE", 1, Decimal("4.00"))
MUG = PurchaseLine("MUG-1", "HOME", 1, Decimal("12.00"))


def program_with(*challenges: dict[str, Any], time_zone: str = "Europe/Paris") -> Program:
    data = demo_file()
    data["program"]["time_zone"] = time_zone
    data["challenges"] = list(challenges)
    return load_program(data)


def challenge(**settings: Any) -> dict[str, Any]:
    """A challenge's table, as the file would have it (a setting given as None is left out)."""
    table = {"id": "c", "name": "The challenge", "kind": "purchases", "target": 3}
    return {k: v for k, v in (table | {"reward_points": 100} | settings).items() if v is not None}


def buy(
    member: Member,
    program: Program,
    ids: Ids,
    *lines: PurchaseLine,
    at: datetime = T0,
    store: str | None = "store-1",
    channel: Channel = Channel.POS,
) -> Change:
    order = ids("ord")
    cmd = RecordPurchase(MemberRef(id=member.id), order, None, "EUR", channel, store, order, lines)
    return record_purchase(member, validate_purchase(cmd, program), program, at, ids)


def completed(change: Change) -> list[int]:
    return [e.points for e in change.entries if e.kind is EntryKind.CHALLENGE_COMPLETED]


def test_three_coffee_purchases_complete_it_once_and_give_its_points() -> None:
    program, ids = program_with(challenge(category="COFFEE", within_days=30)), Ids()
    member = enrolled(ids)
    rewards: list[int] = []
    for day in range(5):
        change = buy(member, program, ids, COFFEE, MUG, at=T0 + timedelta(days=day))
        member, rewards = change.member, rewards + completed(change)

    assert rewards == [100]  # the third, and only the third
    assert member.balance == 5 * 16 + 100
    [shown] = challenges_of(member, program, T0 + timedelta(days=5))
    assert (shown.progress, shown.target, shown.completed) == (3, 3, True)


def test_a_purchase_without_the_category_does_not_count() -> None:
    program, ids = program_with(challenge(category="COFFEE")), Ids()
    member = buy(enrolled(ids), program, ids, MUG).member

    assert member.challenges == ()
    [shown] = challenges_of(member, program, T0)
    assert (shown.progress, shown.deadline, shown.completed) == (0, None, False)


def test_an_amount_alone_counts_for_a_challenge_with_no_line_conditions() -> None:
    program, ids = program_with(challenge(target=2)), Ids()
    member = enrolled(ids)
    cmd = RecordPurchase(
        MemberRef(id=member.id), "o-1", Decimal("9"), "EUR", Channel.POS, None, "o-1"
    )
    member = record_purchase(member, validate_purchase(cmd, program), program, T0, ids).member

    assert challenges_of(member, program, T0)[0].progress == 1


def test_lines_that_earn_nothing_never_count() -> None:
    program, ids = program_with(challenge(target=1)), Ids()
    gift = PurchaseLine("GIFT-25", "GIFT_CARD", 1, Decimal("25"), earns=False)

    assert buy(enrolled(ids), program, ids, gift).member.challenges == ()


def test_sku_store_channel_and_minimum_spend_conditions() -> None:
    program = program_with(
        challenge(target=1, sku=["COF-1"], store=["store-1"], channel="POS", min_spend="8.00")
    )
    ids = Ids()
    member = enrolled(ids)
    two = PurchaseLine("COF-1", "COFFEE", 2, Decimal("4.00"))

    assert completed(buy(member, program, ids, COFFEE)) == []  # 4.00 < 8.00
    assert completed(buy(member, program, ids, two, store="store-2")) == []
    assert completed(buy(member, program, ids, two, channel=Channel.APP)) == []
    tea = PurchaseLine("TEA-1", "COFFEE", 4, Decimal("4.00"))
    assert completed(buy(member, program, ids, tea)) == []  # not the sku
    assert completed(buy(member, program, ids, two)) == [100]


def test_stores_counts_different_stores_and_keeps_no_more_than_the_target() -> None:
    program, ids = program_with(challenge(kind="stores", target=2, repeat=False)), Ids()
    member = enrolled(ids)
    member = buy(member, program, ids, MUG, store="store-1").member
    member = buy(member, program, ids, MUG, store="store-1").member
    member = buy(member, program, ids, MUG, store=None, channel=Channel.WEB).member
    assert challenges_of(member, program, T0)[0].progress == 1

    change = buy(member, program, ids, MUG, store="store-2")
    member = buy(change.member, program, ids, MUG, store="store-3").member

    assert completed(change) == [100]
    assert member.challenges[0].stores == ("store-1", "store-2")


def test_spend_counts_whole_currency_units_of_the_matching_lines() -> None:
    program, ids = program_with(challenge(kind="spend", target=10, category="COFFEE")), Ids()
    member = enrolled(ids)
    first = buy(member, program, ids, COFFEE, MUG)  # 4.00 of coffee; the mug does not count
    second = buy(first.member, program, ids, PurchaseLine("COF-2", "COFFEE", 1, Decimal("5.99")))
    third = buy(second.member, program, ids, PurchaseLine("COF-3", "COFFEE", 1, Decimal("0.01")))

    assert challenges_of(second.member, program, T0)[0].progress == 9  # 9.99
    assert completed(second) == []
    assert completed(third) == [100]


def test_a_rolling_round_ends_at_local_midnight_and_a_later_purchase_starts_anew() -> None:
    program, ids = program_with(challenge(target=2, within_days=2)), Ids()
    start = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 23:30 in Paris, on 1 March
    member = buy(enrolled(ids), program, ids, MUG, at=start).member
    deadline = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # midnight in Paris, 3 March

    assert challenges_of(member, program, start)[0].deadline == deadline
    late = buy(member, program, ids, MUG, at=deadline)
    assert completed(late) == []
    assert challenges_of(late.member, program, deadline)[0].progress == 1
    assert late.member.challenges[0].started_at == deadline
    assert completed(buy(late.member, program, ids, MUG, at=deadline + timedelta(hours=1))) == [100]


def test_a_lapsed_round_shows_nothing_started() -> None:
    program, ids = program_with(challenge(within_days=1)), Ids()
    member = buy(enrolled(ids), program, ids, MUG).member

    [shown] = challenges_of(member, program, T0 + timedelta(days=3))
    assert (shown.progress, shown.deadline) == (0, None)


def test_a_fixed_window_counts_only_inside_its_local_days() -> None:
    program = program_with(
        challenge(target=1, starts=datetime(2026, 12, 1).date(), ends=datetime(2026, 12, 31).date())
    )
    ids = Ids()
    member = enrolled(ids)
    before = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 on 30 November in Paris
    last = datetime(2026, 12, 31, 22, 59, tzinfo=UTC)  # 23:59 on 31 December in Paris

    assert completed(buy(member, program, ids, MUG, at=before)) == []
    assert challenges_of(member, program, before) == ()  # not open yet
    assert completed(buy(member, program, ids, MUG, at=last)) == [100]
    assert completed(buy(member, program, ids, MUG, at=last + timedelta(minutes=1))) == []
    assert challenges_of(member, program, last + timedelta(minutes=1)) == ()  # closed


def test_once_ever_by_default_and_again_when_it_repeats() -> None:
    ids = Ids()
    for repeat, expected in ((False, [100]), (True, [100, 100, 100])):
        program = program_with(challenge(target=2, repeat=repeat))
        member, rewards = enrolled(ids), list[int]()
        for _ in range(6):
            change = buy(member, program, ids, MUG)
            member, rewards = change.member, rewards + completed(change)
        assert rewards == expected
        assert len(member.challenges) == 1


def test_a_voucher_reward_is_owed_by_the_completing_purchase() -> None:
    program, ids = program_with(challenge(target=1, reward_points=None, reward="coffee")), Ids()
    change = buy(enrolled(ids), program, ids, MUG)

    assert completed(change) == []  # the voucher's entry comes with the voucher
    assert change.member.challenges[0].voucher_due
    assert challenges_of(change.member, program, T0)[0].completed


def test_a_merge_keeps_the_completed_round_and_gives_nothing() -> None:
    program, ids = program_with(challenge(target=2)), Ids()
    done = enrolled(ids, "a@example.com")
    for _ in range(2):
        done = buy(done, program, ids, MUG).member
    started = buy(enrolled(ids, "b@example.com"), program, ids, MUG).member

    merged = absorb(started, done, program, T0, ids, None)
    assert merged is not None
    assert [e.kind for e in merged.entries] == [EntryKind.MERGED]
    assert merged.member.challenges == done.challenges
    assert completed(buy(merged.member, program, ids, MUG)) == []  # once ever, after a merge too


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"kind": "visits"}, "kind must be one of purchases, stores, spend"),
        ({"target": 0}, "target must be a whole number"),
        ({"reward": "coffee"}, "either reward_points"),
        ({"reward_points": None, "reward": "yacht"}, "'yacht' is not in the catalog"),
        ({"within_days": 4000}, "within_days must be between"),
        ({"categroy": "COFFEE"}, "unknown setting(s) categroy"),
        ({"channel": "FAX"}, "channel 'FAX' is not one of"),
        ({"min_spend": 5}, "min_spend must be a positive amount"),
        ({"starts": "2026-12-01"}, "starts must be a date"),
        ({"kind": "stores", "store": ["s-1"]}, "3 stores to visit, but only 1 count"),
        ({"name": ""}, "name must be a non-empty string"),
    ],
)
def test_a_bad_challenge_stops_start_up_with_its_problem(
    settings: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ProgramError) as refused:
        program_with(challenge(**settings))
    assert problem in str(refused.value)
    assert "challenge c" in str(refused.value)


def test_challenge_ids_are_unique() -> None:
    with pytest.raises(ProgramError, match="challenge ids must be unique"):
        program_with(challenge(), challenge())


def test_the_demo_declares_the_coffee_trio_and_two_stores() -> None:
    with PROGRAM_FILE.open("rb") as file:
        demo = load_program(tomllib.load(file))
    trio, stores = demo.challenges
    assert (stores.kind.value, stores.target, stores.reward_id) == ("stores", 2, "coffee")
    assert (trio.id, trio.target, trio.categories, trio.within_days) == (
        "coffee-trio",
        3,
        frozenset({"COFFEE"}),
        30,
    )
