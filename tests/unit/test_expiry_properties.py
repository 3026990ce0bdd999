"""Random earn / spend / cancel / credit / merge / wait sequences under each expiry policy:
the balance is always the open batches and the ledger's sum, and an expiry takes exactly the
points of the batches whose deadline passed, once (no policy collapses a balance)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.adjustment import adjust_points
from domain.cancellation import cancel_redemption
from domain.channel import Channel
from domain.commands import AdjustPoints, CancelRedemption, MemberRef, RecordPurchase, RedeemReward
from domain.earning import record_purchase, validate_purchase
from domain.errors import InsufficientPoints
from domain.events import Change
from domain.expiry import CalendarPeriod, ExpiryKind, ExpiryPolicy, end_of_day
from domain.housekeeping import settle
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import Member, RewardStatus
from domain.merging import absorb, freeze
from domain.program import Program
from domain.redemption import redeem_reward
from domain.time_zones import local_day
from tests.unit.support import Ids, demo_program, enrolled

START = datetime(2026, 1, 30, 21, 45, tzinfo=UTC)  # late in the day: UTC and local days differ


class ExpiryMachine(RuleBasedStateMachine):
    program: Program

    def __init__(self) -> None:
        super().__init__()
        self.ids = Ids()
        self.now = START
        self.entries: list[LedgerEntry] = []
        self.main = self.newcomer()
        self.paid_from: dict[str, tuple[PointBatch, ...]] = {}

    def newcomer(self) -> Member:
        return enrolled(self.ids, f"{self.ids('guest')}@example.com", self.now)

    def apply(self, decide: Change | None = None) -> Member:
        if decide is not None:
            self.entries += decide.entries
            self.main = decide.member
        return self.main

    def settled(self) -> Member:
        return self.apply(settle(self.main, self.program, self.now, self.ids))

    @rule(cents=st.integers(1, 200_000))
    def earn(self, cents: int) -> None:
        member = self.settled()
        order = self.ids("order")
        ref = MemberRef(id=member.id)
        cmd = RecordPurchase(ref, order, Decimal(cents).scaleb(-2), "EUR", Channel.POS, None, order)
        cmd = validate_purchase(cmd, self.program)
        self.apply(record_purchase(member, cmd, self.program, self.now, self.ids))

    @rule()
    def redeem(self) -> None:
        member = self.settled()
        cmd = RedeemReward(MemberRef(id=member.id), "coffee", Channel.APP, self.ids("key"))
        voucher = (self.ids("rwd"), "ABCD-2345")
        try:
            change = redeem_reward(member, cmd, self.program, self.now, self.ids, voucher)
        except InsufficientPoints:
            assert member.balance < 150
            return
        self.paid_from[voucher[0]] = change.paid_from
        self.apply(change)

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        member = self.settled()
        active = [r for r in member.rewards if r.status is RewardStatus.ACTIVE]
        if not active:
            return
        voucher = data.draw(st.sampled_from(active))
        cmd = CancelRedemption(None, voucher.id, self.ids("key"))
        paid = self.paid_from[voucher.id]
        change = cancel_redemption(member, cmd, paid, self.program, self.now, self.ids)
        self.apply(change)
        # Every point comes back, but one whose own deadline passed meanwhile expires at once
        # (as it would have), in an EXPIRED entry of its own.
        lapsed = sum(
            p.points for p in paid if p.expires_at is not None and p.expires_at <= self.now
        )
        expired = [e for e in change.entries if e.kind is EntryKind.EXPIRED]
        assert -sum(e.points for e in expired) == lapsed
        assert self.main.balance == member.balance + voucher.cost - lapsed

    @rule(points=st.integers(1, 2_000))
    def credit(self, points: int) -> None:
        member = self.settled()
        cmd = AdjustPoints(MemberRef(id=member.id), points, "goodwill", self.ids("key"))
        self.apply(adjust_points(member, cmd, self.program, self.now, self.ids))

    @rule(cents=st.integers(100, 100_000), days=st.integers(0, 200))
    def merge(self, cents: int, days: int) -> None:
        member = self.settled()
        other = self.newcomer()
        order = self.ids("order")
        cmd = RecordPurchase(
            MemberRef(id=other.id),
            order,
            Decimal(cents).scaleb(-2),
            "EUR",
            Channel.WEB,
            None,
            order,
        )
        earned_at = self.now - timedelta(days=days)  # the duplicate's points are older
        change = record_purchase(other, cmd, self.program, earned_at, self.ids)
        self.entries += change.entries
        duplicate = settle(change.member, self.program, self.now, self.ids)
        self.entries += duplicate.entries
        merged = absorb(
            member, freeze(duplicate.member, member.id), self.program, self.now, self.ids, None
        )
        assert merged is not None
        self.apply(merged)
        assert self.main.balance == member.balance + duplicate.member.balance

    @rule(minutes=st.integers(1, 60 * 24 * 400))
    def wait(self, minutes: int) -> None:
        before = self.main
        self.now += timedelta(minutes=minutes)
        passed = [
            b for b in before.batches if b.expires_at is not None and b.expires_at <= self.now
        ]
        change = settle(before, self.program, self.now, self.ids)
        expired = [e for e in change.entries if e.kind is EntryKind.EXPIRED]
        # Exactly the batches whose deadline passed, once; the others untouched.
        assert -sum(e.points for e in expired) == sum(b.points for b in passed)
        assert set(change.member.batches) == set(before.batches) - set(passed)
        self.apply(change)
        assert not [e for e in settle(self.main, self.program, self.now, self.ids).entries]

    @invariant()
    def the_balance_is_the_open_batches_and_the_ledger(self) -> None:
        mine = set(self.main.all_ids)
        assert self.main.balance == sum(b.points for b in self.main.batches)
        assert self.main.balance == sum(e.points for e in self.entries if e.member_id in mine)

    @invariant()
    def every_deadline_is_the_end_of_a_program_local_day_and_keys_its_batch(self) -> None:
        tz = self.program.time_zone
        for batch in self.main.batches:
            if batch.expires_at is None:
                continue
            day = local_day(batch.expires_at, tz)
            assert batch.expires_at == end_of_day(day, tz)
            assert batch.id == f"bat-{day:%Y%m%d}"
        days = [b.id for b in self.main.batches]
        assert len(days) == len(set(days))

    @invariant()
    def under_inactivity_all_points_share_one_deadline(self) -> None:
        if self.program.expiry.kind is ExpiryKind.INACTIVITY:
            assert len({b.expires_at for b in self.main.batches if b.points > 0}) <= 1


def machine(policy: ExpiryPolicy, zone_name: str) -> type[ExpiryMachine]:
    program = replace(demo_program(), expiry=policy, time_zone=zone_name)
    return type(f"{policy.kind.name.title()}Machine", (ExpiryMachine,), {"program": program})


PROFILE = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestRolling = PROFILE(machine(ExpiryPolicy(ExpiryKind.ROLLING, 12), "America/Santiago")).TestCase
TestCalendar = PROFILE(
    machine(ExpiryPolicy(ExpiryKind.CALENDAR, 3, CalendarPeriod.QUARTER), "Europe/Paris")
).TestCase
TestInactivity = PROFILE(
    machine(ExpiryPolicy(ExpiryKind.INACTIVITY, 6), "America/New_York")
).TestCase
