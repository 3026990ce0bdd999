"""The cron jobs' metrics, on prometheus_client's default registry (whoever serves
`/metrics` exposes them with the rest). Labelled by job name only, a handful of series."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CRON_RUN_SECONDS = Histogram(
    "tessera_cron_run_seconds",
    "How long one run of a cron job took.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120),
)
CRON_MEMBERS = Counter(
    "tessera_cron_members",  # exposed as tessera_cron_members_total
    "Members a cron sweep went through.",
    ["job"],
)
CRON_PASS_MEMBERS = Gauge(
    "tessera_cron_pass_members",
    "Members done so far in the sweep's current (or last) pass.",
    ["job"],
)
CRON_PASSES = Counter(
    "tessera_cron_passes",  # exposed as tessera_cron_passes_total
    "Passes of a cron sweep that reached the end.",
    ["job"],
)
CRON_LAST_FINISHED = Gauge(
    "tessera_cron_last_finished_timestamp",
    "When the sweep's last pass reached the end, in seconds since the Unix epoch.",
    ["job"],
)
