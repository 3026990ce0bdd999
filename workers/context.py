"""What every job needs, built once per process (the web app or `tessera worker`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.clock import Clock
from domain.messaging.message_store import MessageStore
from domain.messaging.policy import MessagingPolicy
from domain.messaging.profile_store import ProfileStore
from domain.ports import MemberScan, Ports
from domain.sweeps import SweepProgressStore
from workers.providers.base import Provider
from workers.queue import JobQueue
from workers.rendering import Renderer
from workers.webhook_sender import WebhookWork


@dataclass(frozen=True)
class SweepBounds:
    """How much one run of a cron sweep does (`workers.sweeps`); the next run goes on."""

    page_size: int = 500  # members read at a time; the position is saved after each page
    members_per_run: int = 10_000
    seconds_per_run: float = 60.0  # well within arq's job timeout (120 s)


@dataclass(frozen=True)
class Messaging:
    ports: Ports
    members: MemberScan
    policy: MessagingPolicy
    messages: MessageStore
    profiles: ProfileStore
    provider: Provider  # routes each channel to its provider
    queue: JobQueue
    renderer: Renderer
    send_lease: timedelta  # a SENDING message older than this lost its sender
    progress: SweepProgressStore  # where each cron sweep stands
    sweep_bounds: SweepBounds
    webhooks: WebhookWork | None = None  # event webhooks' stores and sender (workers.webhooks)

    @property
    def clock(self) -> Clock:
        return self.ports.clock
