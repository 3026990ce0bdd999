"""The realtime side's metrics, on prometheus_client's default registry (`/metrics`)."""

from __future__ import annotations

from prometheus_client import Gauge, Histogram

SUBSCRIPTIONS = Gauge(
    "tessera_subscriptions",
    "Live subscriptions on this instance, by kind (member: memberUpdated, store: storeActivity).",
    ["kind"],
)
FANOUT_DELAY_SECONDS = Histogram(
    "tessera_fanout_delay_seconds",
    "From an event's publication (after its commit) to its update handed to a subscriber's "
    "queue; across instances it includes the Redis hop and any clock difference.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
