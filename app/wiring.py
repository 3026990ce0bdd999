"""Wiring adapters to the domain. Nothing else knows which adapter is in use."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.messaging_wiring import build_messaging
from app.readiness import Check
from app.settings import Settings
from domain.clock import Clock, SystemClock
from domain.messaging.policy import MessagingPolicy
from domain.messaging.policy_file import load_messaging_policy
from domain.ports import Ports
from domain.program import Program, load_program
from domain.reactions import Reaction, Reactions
from storage.availability import DatabasePing, Outage, is_unavailable
from storage.campaign_budgets import MongoCampaignBudgets
from storage.ledger import MongoLedger
from storage.members import MongoKeyRegistry, MongoMemberStore
from storage.mongo import Collections, Timeouts, connect, ensure_indexes
from storage.outbox import MongoOutbox
from storage.partners import MongoPartnerStore
from storage.program_stats import MongoProgramStats, ProgramStatsCounter
from storage.recorded import MongoRecorded
from storage.stock import MongoRewardStock
from subscriptions.bus import InProcessBus
from subscriptions.connection_caps import LocalConnectionCaps, RedisConnectionCaps
from subscriptions.feed import MemberFeed
from subscriptions.redis_bus import RedisBus
from workers.context import Messaging
from workers.embedded import EmbeddedWorker
from workers.journeys import JourneyTrigger
from workers.queue import ArqQueue, InProcessQueue
from workers.referrals import ReferralTrigger

log = logging.getLogger(__name__)


_sequence = itertools.count()


def new_id(prefix: str) -> str:
    """Sortable ids: milliseconds, a per-process counter, then randomness against collisions.

    Ledger history is ordered by (created_at, id), so entries made in the same instant keep
    the order they were made in, also across members that were merged.
    """
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{millis:011x}{next(_sequence) % 0x10000:04x}{secrets.token_hex(3)}"


def read_program(path: Path) -> tuple[Program, MessagingPolicy]:
    """The program and its `[decisioning]` section, from one read of the file."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return load_program(data), load_messaging_policy(data)


@dataclass
class Tessera:
    """One running instance: its settings, program, clock, ports and background tasks."""

    settings: Settings
    program: Program
    clock: Clock
    client: Any
    collections: Collections
    bus: InProcessBus
    redis_bus: RedisBus | None
    feed: MemberFeed
    outbox: MongoOutbox
    stock: MongoRewardStock
    ports: Ports
    messaging: Messaging
    arq_queue: ArqQueue | None  # with Redis: jobs go to `tessera worker`
    worker: EmbeddedWorker | None  # without: they run here
    connection_caps: LocalConnectionCaps | RedisConnectionCaps
    outage: Outage  # while it is on, requests are refused at once
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        program: Program | None = None,
        client: Any = None,
    ) -> Tessera:
        clock = clock or SystemClock()
        from_file, policy = read_program(settings.program)
        program = program or from_file
        client, collections = connect(
            settings.mongodb_url,
            settings.mongodb_database,
            client,
            settings.mongodb_serialize_writes,
            Timeouts(
                settings.mongodb_server_selection_timeout_seconds,
                settings.mongodb_connect_timeout_seconds,
                settings.mongodb_socket_timeout_seconds,
            ),
        )
        bus = InProcessBus()
        # With Redis every instance publishes there and hears every instance (itself too)
        # through one subscription; without it the in-process bus is the whole world.
        redis_bus = RedisBus(settings.redis_url, bus) if settings.redis_url else None
        arq_queue = ArqQueue(settings.redis_url, clock) if settings.redis_url else None
        local_queue = None if arq_queue else InProcessQueue(clock)
        queue = arq_queue or local_queue
        assert queue is not None
        stats = MongoProgramStats(collections.stats, collections.stats_counted, clock)
        # Who carries out each reaction to a committed event (the table: domain.reactions).
        publisher = Reactions(
            {
                Reaction.PROGRAM_STATS: ProgramStatsCounter(stats),
                Reaction.LIVE_VIEW: redis_bus or bus,
                Reaction.JOURNEYS: JourneyTrigger(queue),
                Reaction.REFERRER_REWARD: ReferralTrigger(queue),
            }
        )
        outbox = MongoOutbox(
            collections.members,
            collections.ledger,
            collections.requests,
            collections.parked,
            publisher,
            clock,
        )
        stock = MongoRewardStock(collections.stock)
        ports = Ports(
            members=MongoMemberStore(collections.members),
            keys=MongoKeyRegistry(collections.keys, clock),
            ledger=MongoLedger(collections.ledger),
            recorded=MongoRecorded(collections.members, collections.ledger, collections.requests),
            stock=stock,
            outbox=outbox,
            program=program,
            clock=clock,
            new_id=new_id,
            budgets=MongoCampaignBudgets(collections.stock),
            partners=MongoPartnerStore(collections.stock, collections.keys),
            program_stats=stats,
        )
        feed = MemberFeed(bus, ports, settings.subscription_queue_size)
        messaging = build_messaging(settings, collections, ports, policy, queue)
        worker = (
            EmbeddedWorker(messaging, local_queue, settings.cron_interval_seconds)
            if local_queue
            else None
        )
        cap = settings.max_connections_per_token
        caps = (
            RedisConnectionCaps(settings.redis_url, cap)
            if settings.redis_url
            else LocalConnectionCaps(cap)
        )
        return cls(
            settings,
            program,
            clock,
            client,
            collections,
            bus,
            redis_bus,
            feed,
            outbox,
            stock,
            ports,
            messaging,
            arq_queue,
            worker,
            caps,
            Outage(DatabasePing(client, settings.mongodb_database)),
        )

    def readiness_checks(self) -> dict[str, Check]:
        """What /readyz asks: the database, and Redis when there is one."""
        checks: dict[str, Check] = {"mongodb": self.outage.check}
        if self.redis_bus is not None:
            checks["redis"] = self.redis_bus.ping
        return checks

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.feed.run()))
        if self.redis_bus is not None:
            self.redis_bus.start()
        if self.worker is not None:
            self.worker.start()
        await self._prepare()
        if self.settings.demo:
            from app.demo import load_demo

            await load_demo(self.ports)
        self._tasks.append(asyncio.create_task(self._sweep_forever()))

    async def start_worker(self) -> None:
        """For `tessera worker`: storage ready and the outbox relayed, no surfaces served."""
        await self._prepare()
        self._tasks.append(asyncio.create_task(self._sweep_forever()))

    async def _prepare(self) -> None:
        await ensure_indexes(self.collections)
        await self.stock.ensure(self.program)
        await MongoCampaignBudgets(self.collections.stock).ensure(self.program)
        # Finish what a crash left between a member write and its relay (also what was left
        # before members were marked for the timed sweep: one scan, at start-up only).
        await self.outbox.sweep(unmarked=True)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.outage.close()
        if self.worker is not None:
            await self.worker.stop()
        if self.redis_bus is not None:
            await self.redis_bus.stop()
        if self.arq_queue is not None:
            await self.arq_queue.close()
        if isinstance(self.connection_caps, RedisConnectionCaps):
            await self.connection_caps.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Tessera]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.relay_interval_seconds)
            try:
                await self.outbox.sweep()
            except Exception as exc:
                if not is_unavailable(exc):
                    log.exception("outbox sweep failed; will try again")
                elif not self.outage.ongoing:  # one line per outage, not a trace per sweep
                    self.outage.report(exc)
