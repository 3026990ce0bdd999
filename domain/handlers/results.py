"""Turning an written (a new change or a replay) into what the caller gets back."""

from __future__ import annotations

from domain.handlers.members import Written
from domain.ledger import LedgerEntry
from domain.member import MemberReward
from domain.ports import Ports


async def entry_of(ports: Ports, written: Written) -> LedgerEntry:
    """The command's ledger entry: the new one, or on a replay the first one, unchanged."""
    if written.change is not None:
        entry_id = written.change.entry_id
        found = next(e for e in written.change.entries if e.id == entry_id)
        return found
    assert written.replay is not None
    entry_id = written.replay.entry_id
    entry = await ports.ledger.entry(entry_id)
    if entry is None:
        # Committed but not yet relayed (a crash, or a link down, between the writes): relay
        # it now; if that cannot happen yet, the committed entry is still in the outbox.
        await ports.outbox.deliver_pending(written.member.id)
        entry = await ports.ledger.entry(entry_id) or await ports.outbox.pending_entry(
            written.member.id, entry_id
        )
    if entry is None:
        raise LookupError(f"ledger entry {entry_id} is missing")
    return entry


def member_reward_of(written: Written, member_reward_id: str | None) -> MemberReward:
    wanted = member_reward_id or (written.replay.member_reward_id if written.replay else None)
    return next(r for r in written.member.rewards if r.id == wanted)
