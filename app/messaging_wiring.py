"""Wiring the messaging side: providers per channel from the settings, the job queue
(arq with Redis, in-process without)."""

from __future__ import annotations

from datetime import timedelta

from app.settings import Settings
from domain.messaging.journeys import MessageChannel
from domain.messaging.policy import MessagingPolicy
from domain.ports import Ports
from storage.messages import MongoMessageStore
from storage.mongo import Collections
from storage.profiles import MongoProfileStore
from storage.program_stats import CountedMessageStore, MongoProgramStats
from storage.scans import MongoMemberScan
from storage.sent_messages import MongoSentMessages
from storage.sweep_progress import MongoSweepProgress
from workers.context import Messaging, SweepBounds
from workers.providers.base import Provider
from workers.providers.email import SmtpEmailProvider
from workers.providers.routing import ChannelRouter
from workers.providers.sent_messages import SentMessagesProvider
from workers.providers.webhook import WebhookProvider
from workers.queue import JobQueue
from workers.rendering import Renderer


def providers_from(settings: Settings, collections: Collections, ports: Ports) -> Provider:
    by_channel: dict[MessageChannel, Provider] = {}
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        by_channel[MessageChannel.EMAIL] = SmtpEmailProvider(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=password,
            use_tls=settings.smtp_tls,
        )
    urls = {
        channel: url
        for channel, url in (
            (MessageChannel.PUSH, settings.push_webhook_url),
            (MessageChannel.SMS, settings.sms_webhook_url),
            (MessageChannel.WALLET, settings.wallet_webhook_url),
        )
        if url
    }
    if urls:
        webhooks = WebhookProvider(
            urls, settings.webhook_secret.get_secret_value(), clock=ports.clock
        )
        by_channel.update({channel: webhooks for channel in urls})
    return ChannelRouter(
        by_channel, SentMessagesProvider(MongoSentMessages(collections.sent), ports.clock)
    )


def counted_messages(collections: Collections, ports: Ports) -> MongoMessageStore:
    """The message store; each message's outcome counted in the program's figures."""
    stats = ports.program_stats
    if not isinstance(stats, MongoProgramStats):  # ports made by hand, without counters
        return MongoMessageStore(collections.messages)
    return CountedMessageStore(collections.messages, stats)


def build_messaging(
    settings: Settings,
    collections: Collections,
    ports: Ports,
    policy: MessagingPolicy,
    queue: JobQueue,
) -> Messaging:
    return Messaging(
        ports=ports,
        members=MongoMemberScan(collections.members),
        policy=policy,
        messages=counted_messages(collections, ports),
        profiles=MongoProfileStore(collections.profiles),
        provider=providers_from(settings, collections, ports),
        queue=queue,
        renderer=Renderer(ports.program),
        send_lease=timedelta(seconds=settings.send_lease_seconds),
        progress=MongoSweepProgress(collections.progress),
        sweep_bounds=SweepBounds(
            page_size=settings.cron_page_size,
            members_per_run=settings.cron_members_per_run,
            seconds_per_run=settings.cron_seconds_per_run,
        ),
    )
