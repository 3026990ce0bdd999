"""CPU time used by groups of processes, and by the whole machine, over a stretch of a run
(Linux: /proc). On a shared 2-core machine it says where the time went, and how much of it
went to processes that are not the benchmark's."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
REST = "rest of the machine"


def process_seconds(pid: int) -> float:
    """User and system CPU seconds of one process (all its threads) so far; 0 once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def machine_seconds() -> float:
    """CPU seconds all cores spent running something so far (user, nice, system, irq,
    softirq; not idle, I/O wait or time the hypervisor took)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / TICKS


class CpuMeter:
    """CPU seconds of each named group of processes from `start` to `stop`, and of the rest
    of the machine (other processes, the kernel's own work)."""

    def __init__(self, groups: Mapping[str, Sequence[int]]) -> None:
        self._groups = {name: tuple(pids) for name, pids in groups.items()}
        self._started: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {
            name: sum(process_seconds(pid) for pid in pids) for name, pids in self._groups.items()
        }
        now[REST] = machine_seconds() - sum(now.values())
        return now

    def start(self) -> None:
        self._started = self._now()

    def stop(self) -> dict[str, float]:
        used = {name: value - self._started[name] for name, value in self._now().items()}
        # Per-process and per-core counts are sampled apart: a quiet machine's rest can come
        # out a tick or two below zero.
        used[REST] = max(0.0, used[REST])
        return used
