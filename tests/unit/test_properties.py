"""Random earn / spend / expire / return / merge sequences keep the ledger's promises.

After every step: the balance is the open batches and the ledger's sum, a spend never
overdraws, at most one debt batch exists and never beside positive points, and qualifying
points are never negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.adjustment import adjust_points, validate_adjustment
from domain.cancellation import cancel_redemption
from domain.channel import Channel
from domain.commands import (
    AdjustPoints,
    CancelRedemption,
    MemberRef,
    PurchaseLine,
    RecordPurchase,
    RedeemReward,
    ReturnLine,
    ReturnPurchase,
)
from domain.earn_rules.base_rate import points_for
from domain.earning import record_purchase, validate_purchase
from domain.errors import InsufficientPoints, RewardUnavailable
from domain.events import Change
from domain.housekeeping import settle
from domain.idempotency import RECENT_REQUESTS
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import Member, OrderRecord, RewardStatus
from domain.merging import absorb, freeze
from domain.redemption import redeem_reward
from domain.returns import return_purchase
from domain.tiers import current_qualifying_points
from tests.unit.support import CARTS, T0, Ids, demo_program, enrolled

WHO = st.sampled_from(("main", "other"))
PROGRAM = demo_program()


class LoyaltyMachine(RuleBasedStateMachine):
    # The program the sequences run on (a subclass holds points; see below).
    program = PROGRAM

    def __init__(self) -> None:
        super().__init__()
        self.ids = Ids()
        self.now = T0
        self.entries: list[LedgerEntry] = []
        self.members = {"main": self.newcomer(), "other": self.newcomer()}
        # Orders as the ledger keeps them (not on the member), and whose they are now.
        self.orders: dict[str, tuple[str, OrderRecord]] = {}
        self.paid_from: dict[str, tuple[PointBatch, ...]] = {}  # by voucher id
        self.refunded: dict[str, int] = {}  # points paid on an order given back, by order

    def newcomer(self) -> Member:
        return enrolled(self.ids, f"{self.ids('guest')}@example.com", self.now)

    def key(self) -> str:
        return self.ids("key")

    def settled(self, who: str) -> Member:
        """The member as of `now`: expiry and requalification applied, as every command does."""
        change = settle(self.members[who], self.program, self.now, self.ids)
        self.entries += change.entries
        self.members[who] = change.member
        return change.member

    def apply(self, who: str, decide: Callable[[Member], Change]) -> Change:
        change = decide(self.settled(who))
        self.entries += change.entries
        self.members[who] = change.member
        return change

    @rule(who=WHO, cents=st.integers(1, 300_000))
    def earn(self, who: str, cents: int) -> None:
        before = self.settled(who)
        amount = Decimal(cents).scaleb(-2)
        ref = MemberRef(id=before.id)
        order_id = self.ids("order")
        cmd = RecordPurchase(ref, order_id, amount, "EUR", Channel.POS, None, self.key())
        cmd = validate_purchase(cmd, self.program)
        expected = points_for(amount, self.program, before.tier.code)
        after = self.apply(who, lambda m: record_purchase(m, cmd, self.program, self.now, self.ids))
        assert owned(after.member) == owned(before) + expected
        self.check_held(before, after.member, expected)
        assert after.order is not None
        self.orders[order_id] = (who, after.order)

    @rule(who=WHO, cart=CARTS)
    def earn_a_cart(self, who: str, cart: list[PurchaseLine]) -> None:
        before = self.settled(who)
        order_id = self.ids("order")
        ref = MemberRef(id=before.id)
        cmd = RecordPurchase(ref, order_id, None, "EUR", Channel.POS, None, self.key(), tuple(cart))
        cmd = validate_purchase(cmd, self.program)
        tier = before.tier.code
        expected = sum(points_for(line.total, self.program, tier) for line in cart if line.earns)
        after = self.apply(who, lambda m: record_purchase(m, cmd, self.program, self.now, self.ids))
        # (a cart of coffee may complete the demo's challenge, with points of its own)
        rewarded = sum(e.points for e in after.entries if e.kind is EntryKind.CHALLENGE_COMPLETED)
        assert owned(after.member) == owned(before) + expected + rewarded
        if not rewarded:
            self.check_held(before, after.member, expected)
        assert (
            after.order is not None and sum(line.points for line in after.order.lines) == expected
        )
        self.orders[order_id] = (who, after.order)

    @rule(who=WHO, cents=st.integers(1, 300_000), share=st.fractions(0, 1))
    def pay_partly_with_points(self, who: str, cents: int, share: Fraction) -> None:
        before = self.settled(who)
        amount = Decimal(cents).scaleb(-2)
        affordable = min(max(before.balance, 0), int(amount / self.program.point_value))
        points = int(affordable * share)
        order_id = self.ids("order")
        ref = MemberRef(id=before.id)
        cmd = RecordPurchase(
            ref, order_id, amount, "EUR", Channel.POS, None, self.key(), points_paid=points
        )
        cmd = validate_purchase(cmd, self.program)
        money = amount - points * self.program.point_value
        most = points_for(money, self.program, before.tier.code)
        after = self.apply(who, lambda m: record_purchase(m, cmd, self.program, self.now, self.ids))
        assert after.order is not None and after.order.points_paid == points
        assert sum(b.points for b in after.order.paid_from) == points
        earned = after.order.points
        assert most - 1 <= earned <= most  # the money share, rounded down once or twice
        assert owned(after.member) == owned(before) - points + earned
        self.orders[order_id] = (who, after.order)

    @rule(who=WHO, reward_id=st.sampled_from([r.id for r in PROGRAM.rewards]))
    def redeem(self, who: str, reward_id: str) -> None:
        before = self.settled(who)
        reward = self.program.reward(reward_id)
        assert reward is not None
        allowed = self.program.tier_rank(before.tier.code) >= self.program.tier_rank(
            reward.min_tier
        )
        covered = before.balance >= reward.cost
        cmd = RedeemReward(MemberRef(id=before.id), reward_id, Channel.APP, self.key())
        voucher = (self.ids("rwd"), "ABCD-2345")
        try:
            change = self.apply(
                who, lambda m: redeem_reward(m, cmd, self.program, self.now, self.ids, voucher)
            )
            self.paid_from[voucher[0]] = change.paid_from
            assert sum(b.points for b in change.paid_from) == reward.cost
        except InsufficientPoints:
            assert allowed and not covered
        except RewardUnavailable:
            assert not allowed
        else:
            assert allowed and covered
            assert self.members[who].balance == before.balance - reward.cost >= 0

    @rule(who=WHO, data=st.data())
    def cancel(self, who: str, data: st.DataObject) -> None:
        before = self.settled(who)
        active = [r for r in before.rewards if r.status is RewardStatus.ACTIVE]
        if not active:
            return
        voucher = data.draw(st.sampled_from(active))
        cmd = CancelRedemption(None, voucher.id, self.key())
        paid_from = self.paid_from[voucher.id]
        change = self.apply(
            who, lambda m: cancel_redemption(m, cmd, paid_from, self.program, self.now, self.ids)
        )
        # Every point comes back (to the batches it came from, or to repay a debt first),
        # and those whose expiry passed meanwhile expire at once, as they would have.
        gone = -sum(e.points for e in change.entries if e.kind is EntryKind.EXPIRED)
        assert self.members[who].balance == before.balance + voucher.cost - gone

    @rule(who=WHO, points=st.integers(-3_000, 3_000).filter(bool))
    def adjust(self, who: str, points: int) -> None:
        before = self.settled(who)
        cmd = AdjustPoints(MemberRef(id=before.id), points, "property test", self.key())
        cmd = validate_adjustment(cmd)
        try:
            self.apply(who, lambda m: adjust_points(m, cmd, self.program, self.now, self.ids))
        except InsufficientPoints:
            assert points < 0 and before.balance < -points
        else:
            assert points > 0 or before.balance >= -points
            assert self.members[who].balance == before.balance + points

    @rule(days=st.integers(1, 400))
    def expire(self, days: int) -> None:
        self.now += timedelta(days=days)
        for who in self.members:
            self.settled(who)

    @rule(who=WHO, data=st.data())
    def give_back(self, who: str, data: st.DataObject) -> None:
        before = self.settled(who)
        window = timedelta(days=self.program.return_window_days)

        def returned(order: OrderRecord) -> tuple[Decimal, int]:
            done = before.returned(order.order_id)
            return (done.amount, done.points) if done else (Decimal(0), 0)

        open_orders = [
            o
            for owner, o in self.orders.values()
            if owner == who and returned(o)[0] < o.amount and o.earned_at + window >= self.now
        ]
        if not open_orders:
            return
        order = data.draw(st.sampled_from(open_orders))
        returned_amount, returned_points = returned(order)
        left = int((order.amount - returned_amount).scaleb(2))
        if order.lines:
            done = before.returned(order.order_id)
            units = {
                line.sku: line.quantity - (done.line(line.sku).quantity if done else 0)
                for line in order.lines
            }
            sku = data.draw(st.sampled_from([sku for sku, n in units.items() if n]))
            quantity = data.draw(st.integers(1, units[sku]))
            everything = sum(units.values()) == quantity
            lines = (ReturnLine(sku, quantity),)
            cmd = ReturnPurchase(order.order_id, None, self.key(), lines=lines)
        else:
            cents = data.draw(st.one_of(st.just(left), st.integers(1, left)))
            everything = cents == left
            cmd = ReturnPurchase(order.order_id, Decimal(cents).scaleb(-2), self.key())
        change = self.apply(
            who, lambda m: return_purchase(m, order, cmd, self.program, self.now, self.ids)
        )
        reversed_points = -sum(e.points for e in change.entries if e.kind is EntryKind.RETURNED)
        refunded = sum(e.points for e in change.entries if e.kind is EntryKind.POINTS_REFUNDED)
        self.refunded[order.order_id] = self.refunded.get(order.order_id, 0) + refunded
        after = change.member.returned(order.order_id)
        assert after is not None
        assert 0 <= reversed_points <= order.points - returned_points
        gone = -sum(e.points for e in change.entries if e.kind is EntryKind.EXPIRED)
        assert owned(change.member) == owned(before) - reversed_points + refunded - gone
        # Held points go first: the spendable ones only once the order's own hold is spent.
        own_held = before.pending_balance - change.member.pending_balance
        assert change.member.balance == (
            before.balance - (reversed_points - own_held) + refunded - gone
        )
        if everything:
            assert after.points == order.points
            assert after.amount == order.amount
            assert self.refunded[order.order_id] == order.points_paid

    @rule()
    def merge(self) -> None:
        duplicate = self.settled("other")
        survivor = self.settled("main")
        combined = survivor.balance + duplicate.balance
        combined_held = survivor.pending_balance + duplicate.pending_balance
        best_rank = max(self.program.tier_rank(m.tier.code) for m in (survivor, duplicate))

        def take_in(current: Member) -> Change:
            change = absorb(
                current, freeze(duplicate, current.id), self.program, self.now, self.ids, None
            )
            assert change is not None
            return change

        after = self.apply("main", take_in)
        assert after.member.balance == combined
        assert after.member.pending_balance == combined_held
        # the better tier is kept, and the pooled qualifying points may raise it
        assert self.program.tier_rank(after.member.tier.code) >= best_rank
        assert after.member.merged_ids[-1] == duplicate.id
        self.orders = {k: ("main", order) for k, (_, order) in self.orders.items()}
        self.members["other"] = self.newcomer()

    def check_held(self, before: Member, after: Member, earned: int) -> None:
        """Held when the program holds points, spendable at once when it does not (a debt
        is repaid by the release, not by the purchase)."""
        if self.program.pending_days:
            assert after.balance == before.balance
            assert after.pending_balance == before.pending_balance + earned
        else:
            assert after.balance == before.balance + earned

    @invariant()
    def balance_is_the_open_batches_and_the_ledger(self) -> None:
        for member in self.members.values():
            assert all(b.expires_at is None or b.expires_at > self.now for b in member.batches)
            assert all(b.points != 0 for b in member.batches)
            assert member.balance == sum(b.points for b in member.batches)
            # Held points are counted when earned: the ledger is the balance and the held.
            assert member.pending_balance == sum(p.points for p in member.pending)
            assert all(p.points > 0 and p.releases_at > self.now for p in member.pending)
            mine = set(member.all_ids)
            assert owned(member) == sum(e.points for e in self.entries if e.member_id in mine)

    @invariant()
    def one_debt_at_most_and_never_beside_points(self) -> None:
        for member in self.members.values():
            debts = [b for b in member.batches if b.points < 0]
            assert len(debts) <= 1
            assert not debts or len(member.batches) == 1
            assert all(b.expires_at is None for b in debts)

    @invariant()
    def qualifying_points_are_never_negative(self) -> None:
        for member in self.members.values():
            assert all(a.qualifying_points >= 0 for a in member.activity)
            assert current_qualifying_points(member.activity, self.program, self.now) >= 0

    @invariant()
    def the_member_stays_bounded(self) -> None:
        # One batch per expiry day, one summary per day, the latest requests only.
        for member in self.members.values():
            expiry_days = [b.expires_at.date() for b in member.batches if b.expires_at]
            assert len(expiry_days) == len(set(expiry_days))
            assert len({a.day for a in member.activity}) == len(member.activity)
            assert len(member.idempotency) <= RECENT_REQUESTS
            # One hold per release day, none past the hold.
            assert len({p.id for p in member.pending}) == len(member.pending)
            assert len(member.pending) <= self.program.pending_days + 1


LoyaltyMachine.TestCase.settings = settings(max_examples=200, deadline=None, database=None)
TestLoyaltyLedger = LoyaltyMachine.TestCase


class HeldLoyaltyMachine(LoyaltyMachine):
    """The same sequences with purchases held 14 days (`pending_days`): pending points
    are in the ledger's sum, never spent, taken first by returns, released in time."""

    program = replace(PROGRAM, pending_days=14)

    @rule(days=st.integers(1, 20))
    def wait_a_little(self, days: int) -> None:  # time within and across holds
        self.now += timedelta(days=days)
        for who in self.members:
            self.settled(who)


HeldLoyaltyMachine.TestCase.settings = settings(max_examples=150, deadline=None, database=None)
TestHeldLoyaltyLedger = HeldLoyaltyMachine.TestCase


def owned(member: Member) -> int:
    """Points spendable or held: what a purchase adds to and the ledger sums."""
    return member.balance + member.pending_balance
