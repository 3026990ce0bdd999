"""What partners need from the store, beside members and keys: their monthly budgets and the
members' link codes (`storage.partners`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.partners import Partner


class PartnerStore(Protocol):
    async def reserve(self, partner: Partner, month: str, points: int) -> bool:
        """Take `points` from the partner's budget for `month`, all or none, atomically
        (concurrent calls never take more than the budget together)."""
        ...

    async def release(self, partner: Partner, month: str, points: int) -> None:
        """Give back points taken and not given (the write failed, or it was a replay)."""
        ...

    async def left(self, partner: Partner, month: str) -> int: ...

    async def save_code(
        self, partner: str, member_id: str, digest: str, expires_at: datetime
    ) -> None:
        """Keep the digest of the member's new code for the partner; it replaces the one
        before (one live code a member and partner: bounded)."""
        ...

    async def use_code(
        self, partner: str, digest: str, external_id: str, now: datetime
    ) -> str | None:
        """The member of a live code for `partner`, which it spends on `external_id`
        (the same external id may use it again: a retried link); None otherwise."""
        ...
