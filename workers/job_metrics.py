"""Metrics of the jobs and of the messages they decide, on prometheus_client's default
registry (`/metrics` on `tessera serve`; TESSERA_WORKER_METRICS_PORT on `tessera worker`).

Every label value comes from a fixed set: job names (`workers.jobs.JOBS`), journeys,
channels, message statuses and the reasons of `domain.messaging`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter, Histogram

from domain.messaging.message import Message, MessageStatus

JOB_SECONDS = Histogram(
    "tessera_job_duration_seconds",
    "How long one run of a job took, by job and outcome (ok, error, cancelled).",
    ["job", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)
MESSAGES = Counter(
    "tessera_messages",
    "Message outcomes dispatch recorded, by journey, channel, status (SENT, FAILED, "
    "SUPPRESSED, DEFERRED, RETRY) and reason (the suppression or deferral reason, or the "
    "failed attempt's outcome).",
    ["journey", "channel", "status", "reason"],
)


@contextmanager
def timed_job(name: str) -> Iterator[None]:
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        JOB_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)


def timed(name: str, job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`job`, its every run timed under `name`."""

    async def run(*args: Any, **kwargs: Any) -> Any:
        with timed_job(name):
            return await job(*args, **kwargs)

    return run


def count_message(message: Message, previous: Message) -> None:
    """Count the outcome that replacing `previous` with `message` recorded (once stored)."""
    # Enum names: the identifiers the README lists, whatever the values hold.
    channel, status, reason = message.channel, message.status.name, ""
    if previous.status is MessageStatus.SENDING and message.attempts:
        attempt = message.attempts[-1]  # an attempt ended: counted on its channel
        channel = attempt.channel
        if message.status is MessageStatus.PENDING:
            status = "RETRY"  # the same channel later, or the next one now
        if message.status is not MessageStatus.SENT and attempt.outcome is not None:
            reason = attempt.outcome.name
    elif message.status is MessageStatus.SUPPRESSED and message.suppressed_reason is not None:
        reason = message.suppressed_reason.name
    elif message.status is MessageStatus.PENDING:
        status = "DEFERRED"
        reason = message.deferred_reason.name if message.deferred_reason else ""
    MESSAGES.labels(message.journey.name, channel.name if channel else "", status, reason).inc()
