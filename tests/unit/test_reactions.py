"""The reactions table: every kind of change has its reactions, handed out in order."""

from __future__ import annotations

import asyncio

from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.reactions import REACTIONS, Reaction, Reactions, reacts


def _event(cause: EntryKind) -> MemberChanged:
    return MemberChanged("mbr_1", 2, cause, None, "store-1", None, "SILVER", None)


class Recorder:
    def __init__(self, name: str, heard: list[tuple[str, EntryKind]]) -> None:
        self.name, self.heard = name, heard

    async def publish(self, event: MemberChanged) -> None:
        self.heard.append((self.name, event.cause))


def test_every_kind_of_change_reaches_the_surfaces_and_the_journeys() -> None:
    assert set(REACTIONS) == set(EntryKind)
    for reactions in REACTIONS.values():
        assert {Reaction.LIVE_VIEW, Reaction.JOURNEYS} <= reactions


def test_store_activity_is_what_happens_at_the_counter() -> None:
    at_the_counter = {kind for kind, r in REACTIONS.items() if Reaction.STORE_ACTIVITY in r}
    assert at_the_counter == {
        EntryKind.CHECKED_IN,
        EntryKind.EARNED,
        EntryKind.REDEEMED,
        EntryKind.REWARD_USED,
        EntryKind.RETURNED,
        EntryKind.REDEMPTION_CANCELLED,  # at a till (a call center's has no store)
        EntryKind.POINTS_PAID,
        EntryKind.POINTS_REFUNDED,
    }
    assert reacts(_event(EntryKind.EARNED), Reaction.STORE_ACTIVITY)
    assert not reacts(_event(EntryKind.ADJUSTED), Reaction.STORE_ACTIVITY)


def test_the_surfaces_hear_first_then_the_jobs() -> None:
    heard: list[tuple[str, EntryKind]] = []
    reactions = Reactions(
        {
            Reaction.JOURNEYS: Recorder("journeys", heard),
            Reaction.LIVE_VIEW: Recorder("live", heard),
        }
    )
    asyncio.run(reactions.publish(_event(EntryKind.EARNED)))
    asyncio.run(reactions.publish(_event(EntryKind.MERGED)))
    assert heard == [
        ("live", EntryKind.EARNED),
        ("journeys", EntryKind.EARNED),
        ("live", EntryKind.MERGED),
        ("journeys", EntryKind.MERGED),
    ]
