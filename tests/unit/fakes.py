"""In-memory ports for handler tests: the same contracts as storage/, in plain dicts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.campaigns import Campaign
from domain.channel import Channel
from domain.clock import SettableClock
from domain.commands import EnrollMember, RawIdentifier
from domain.events import Commit, MemberChanged
from domain.handlers import enroll_member
from domain.identity import IdentifierKind
from domain.ledger import LedgerEntry, PointBatch
from domain.member import IdempotencyRecord, Member, OrderRecord
from domain.partners import Partner
from domain.ports import Claim, HistoryPage, ParkedOutboxItem, Ports
from domain.program import Program, Reward
from tests.unit.support import T0, Ids, demo_program


class FakeMemberStore:
    """Members by id; `save` is a compare-and-swap on the version, like the Mongo filter."""

    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.outboxes: dict[str, list[Commit]] = {}
        self.commits: list[Commit] = []  # every one written, for `FakeRecorded`
        self.saves = 0
        self.reads = 0
        # Runs once, just before the next save is checked: a concurrent writer winning a race.
        self.before_next_save: Callable[[], Awaitable[None]] | None = None

    async def get(self, member_id: str) -> Member | None:
        self.reads += 1
        return self.members.get(member_id)

    async def create(self, commit: Commit) -> None:
        if commit.member.id in self.members:
            raise KeyError(f"duplicate member id {commit.member.id}")
        self.members[commit.member.id] = commit.member
        self.outboxes[commit.member.id] = [commit]
        self.commits.append(commit)

    async def save(self, commit: Commit) -> bool:
        if self.before_next_save is not None:
            interleaved, self.before_next_save = self.before_next_save, None
            await interleaved()
        stored = self.members.get(commit.member.id)
        if stored is None or stored.version != commit.expected_version:
            return False
        self.saves += 1
        self.commits.append(commit)
        self.members[commit.member.id] = commit.member
        self.outboxes.setdefault(commit.member.id, []).append(commit)
        return True


class FakeKeyRegistry:
    def __init__(self, clock: SettableClock) -> None:
        self.owners: dict[str, tuple[str, datetime]] = {}
        self.requests: dict[str, str] = {}
        self._clock = clock

    async def owner_of(self, key: str) -> str | None:
        found = self.owners.get(key)
        return None if found is None else found[0]

    async def claim(self, key: str, member_id: str) -> str:
        owner, _ = self.owners.setdefault(key, (member_id, self._clock.now()))
        return owner

    async def claim_for(self, key: str, member_id: str, request: str) -> Claim:
        fresh = key not in self.owners
        owner = await self.claim(key, member_id)
        held = self.requests.setdefault(key, request) if fresh else self.requests.get(key)
        return Claim(owner, held, fresh)

    async def take_over(
        self, key: str, stale_owner: str, member_id: str, claimed_before: datetime
    ) -> bool:
        found = self.owners.get(key)
        if found is None or found[0] != stale_owner or found[1] >= claimed_before:
            return False
        self.owners[key] = (member_id, self._clock.now())
        return True

    async def release(self, key: str, member_id: str) -> None:
        if key in self.owners and self.owners[key][0] == member_id:
            del self.owners[key]
            self.requests.pop(key, None)

    async def repoint(self, from_ids: Sequence[str], to_id: str) -> None:
        for key, (owner, at) in list(self.owners.items()):
            if owner in from_ids:
                self.owners[key] = (to_id, at)


class FakeLedger:
    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}

    async def entry(self, entry_id: str) -> LedgerEntry | None:
        return self.entries.get(entry_id)

    async def history(
        self, member_ids: Sequence[str], first: int, after: str | None
    ) -> HistoryPage:
        mine = [e for e in self.entries.values() if e.member_id in member_ids][::-1]
        start = 0 if after is None else [e.id for e in mine].index(after) + 1
        page = mine[start : start + first]
        return HistoryPage(tuple((e.id, e) for e in page), start + first < len(mine))

    def kinds(self, member_id: str) -> list[str]:
        return [e.kind.value for e in self.entries.values() if e.member_id == member_id]


class FakeRecorded:
    """Requests and orders as their commits recorded them (relayed or not)."""

    def __init__(self, store: FakeMemberStore) -> None:
        self._store = store

    async def request(self, member_ids: Sequence[str], key: str) -> IdempotencyRecord | None:
        spilled = (r for c in self._store.commits if c.member.id in member_ids for r in c.spilled)
        return next((r for r in reversed(list(spilled)) if r.key == key), None)

    async def forget_requests(self, recorded_before: datetime) -> int:
        return 0

    async def order_entry(self, entry_id: str) -> OrderRecord | None:
        return next(
            (c.order for c in self._store.commits if c.order and c.event.entry_id == entry_id),
            None,
        )

    async def order(self, order_id: str, member_ids: Sequence[str]) -> OrderRecord | None:
        return next(
            (
                c.order
                for c in self._store.commits
                if c.order is not None and c.order.order_id == order_id
            ),
            None,
        )

    async def paid_from(
        self, entry_id: str, member_ids: Sequence[str]
    ) -> tuple[PointBatch, ...] | None:
        redeemed = (c for c in self._store.commits if c.member_reward_id and c.event.entry_id)
        return next((c.paid_from for c in redeemed if c.event.entry_id == entry_id), None)

    async def redeemed_by(self, member_reward_id: str) -> str | None:
        redeemed = (c for c in self._store.commits if c.member_reward_id == member_reward_id)
        return next((c.member.id for c in redeemed if c.paid_from), None)


class FakeRewardStock:
    def __init__(self) -> None:
        self.claims: dict[str, list[str]] = {}

    async def reserve(self, reward: Reward, member_reward_id: str) -> bool:
        assert reward.stock is not None
        claims = self.claims.setdefault(reward.id, [])
        if len(claims) >= reward.stock:
            return False
        claims.append(member_reward_id)
        return True

    async def release(self, reward: Reward, member_reward_id: str) -> None:
        claims = self.claims.get(reward.id, [])
        if member_reward_id in claims:
            claims.remove(member_reward_id)

    async def available(self, rewards: Sequence[Reward]) -> dict[str, int | None]:
        return {
            r.id: None if r.stock is None else r.stock - len(self.claims.get(r.id, []))
            for r in rewards
        }


class FakeCampaignBudgets:
    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    async def reserve(self, campaign: Campaign, points: int) -> int:
        assert campaign.limits.budget is not None
        taken = max(0, min(points, campaign.limits.budget - self.used.get(campaign.id, 0)))
        self.used[campaign.id] = self.used.get(campaign.id, 0) + taken
        return taken

    async def release(self, campaign: Campaign, points: int) -> None:
        self.used[campaign.id] -= points

    async def left(self, campaigns: Sequence[Campaign]) -> Mapping[str, int]:
        return {
            c.id: (c.limits.budget or 0) - self.used.get(c.id, 0)
            for c in campaigns
            if c.limits.budget is not None
        }


class FakePartnerStore:
    """Budgets as sums a partner and month; codes by digest."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, str], int] = {}
        self.codes: dict[tuple[str, str], tuple[str, str, datetime, str | None]] = {}

    async def reserve(self, partner: Partner, month: str, points: int) -> bool:
        used = self.used.get((partner.name, month), 0)
        if used + points > partner.monthly_budget:
            return False
        self.used[(partner.name, month)] = used + points
        return True

    async def release(self, partner: Partner, month: str, points: int) -> None:
        self.used[(partner.name, month)] -= points

    async def left(self, partner: Partner, month: str) -> int:
        return partner.monthly_budget - self.used.get((partner.name, month), 0)

    async def save_code(
        self, partner: str, member_id: str, digest: str, expires_at: datetime
    ) -> None:
        self.codes[(partner, member_id)] = (member_id, digest, expires_at, None)

    async def use_code(
        self, partner: str, digest: str, external_id: str, now: datetime
    ) -> str | None:
        for (named, member_id), (_, kept, expires_at, used_for) in self.codes.items():
            live = named == partner and kept == digest and expires_at > now
            if live and used_for in (None, external_id):
                self.codes[(named, member_id)] = (member_id, kept, expires_at, external_id)
                return member_id
        return None


class FakeOutbox:
    """Relays a commit's entries into the ledger and publishes its event; can be stalled."""

    def __init__(self, store: FakeMemberStore, ledger: FakeLedger) -> None:
        self.published: list[MemberChanged] = []
        self.stalled = False  # True: a crash right after each commit, before the relay
        self._store = store
        self._ledger = ledger

    async def deliver(self, commit: Commit) -> None:
        if not self.stalled:
            self._relay(commit.member.id, [commit])

    async def deliver_pending(self, member_id: str) -> None:
        self._relay(member_id, list(self._store.outboxes.get(member_id, [])))

    async def pending_entry(self, member_id: str, entry_id: str) -> LedgerEntry | None:
        pending = self._store.outboxes.get(member_id, [])
        return next((e for c in pending for e in c.entries if e.id == entry_id), None)

    async def parked(self, first: int) -> tuple[ParkedOutboxItem, ...]:
        return ()

    def _relay(self, member_id: str, commits: list[Commit]) -> None:
        pending = self._store.outboxes.get(member_id, [])
        for commit in commits:
            for entry in commit.entries:
                self._ledger.entries.setdefault(entry.id, entry)
            self.published.append(commit.event)
            pending.remove(commit)

    def versions(self, member_id: str) -> list[int]:
        return [e.version for e in self.published if e.member_id == member_id]


@dataclass
class World:
    """Every fake, and the ports the handlers receive."""

    program: Program = field(default_factory=demo_program)
    clock: SettableClock = field(default_factory=lambda: SettableClock(T0))
    ids: Ids = field(default_factory=Ids)
    store: FakeMemberStore = field(default_factory=FakeMemberStore)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    stock: FakeRewardStock = field(default_factory=FakeRewardStock)
    budgets: FakeCampaignBudgets = field(default_factory=FakeCampaignBudgets)
    partners: FakePartnerStore = field(default_factory=FakePartnerStore)

    def __post_init__(self) -> None:
        self.keys = FakeKeyRegistry(self.clock)
        self.outbox = FakeOutbox(self.store, self.ledger)
        self.ports = Ports(
            members=self.store,
            keys=self.keys,
            ledger=self.ledger,
            recorded=FakeRecorded(self.store),
            stock=self.stock,
            outbox=self.outbox,
            program=self.program,
            clock=self.clock,
            new_id=self.ids,
            budgets=self.budgets,
            partners=self.partners,
        )

    async def enroll(self, email: str = "ana@example.com") -> Member:
        cmd = EnrollMember((RawIdentifier(IdentifierKind.EMAIL, email),), "Ana", Channel.APP)
        return (await enroll_member.handle(cmd, self.ports)).member
