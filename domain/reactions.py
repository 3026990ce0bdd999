"""What follows a committed member event, in one table (cosmicpython's `EVENT_HANDLERS`).

Each kind of change lists its reactions; the composition root (`app/wiring.py`) says who
carries each one out. A new reaction (webhooks, next) is one value of `Reaction`, its place
in the table, and its handler wired in `app/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.ports import EventPublisher


class Reaction(Enum):
    # The program's counters (`programStats`): first, so that a dashboard that hears the
    # event (LIVE_VIEW) and reads them again finds it counted.
    PROGRAM_STATS = "program_stats"
    # Every surface following the member gets the new version (`memberUpdated`).
    LIVE_VIEW = "live_view"
    # The store where it happened shows it on its live screen (`storeActivity`); carried by
    # the same fan-out as LIVE_VIEW, so it is a filter on what the store's followers hear.
    STORE_ACTIVITY = "store_activity"
    # The journeys it starts, churn rescored, and a new address's bounce count reset: one
    # `start_journeys` job per member version.
    JOURNEYS = "journeys"
    # The referrer's side of a referral reward: a `reward_referrer` job, once per friend.
    REFERRER_REWARD = "referrer_reward"


_EVERY_EVENT = frozenset({Reaction.PROGRAM_STATS, Reaction.LIVE_VIEW, Reaction.JOURNEYS})
_AT_THE_COUNTER = _EVERY_EVENT | {Reaction.STORE_ACTIVITY}

REACTIONS: Mapping[EntryKind, frozenset[Reaction]] = {
    EntryKind.ENROLLED: _EVERY_EVENT,
    EntryKind.EARNED: _AT_THE_COUNTER,
    EntryKind.REDEEMED: _AT_THE_COUNTER,
    EntryKind.REWARD_USED: _AT_THE_COUNTER,
    EntryKind.ADJUSTED: _EVERY_EVENT,
    EntryKind.RETURNED: _AT_THE_COUNTER,
    EntryKind.EXPIRED: _EVERY_EVENT,
    EntryKind.MERGED: _EVERY_EVENT,
    EntryKind.IDENTIFIER_LINKED: _EVERY_EVENT,
    EntryKind.TIER_CHANGED: _EVERY_EVENT,
    EntryKind.CHECKED_IN: _AT_THE_COUNTER,
    EntryKind.REDEMPTION_CANCELLED: _AT_THE_COUNTER,
    EntryKind.ACTIVITY: _EVERY_EVENT,
    # Written beside a purchase's EARNED or a return's RETURNED entry, whose event it is.
    EntryKind.POINTS_PAID: _AT_THE_COUNTER,
    EntryKind.POINTS_REFUNDED: _AT_THE_COUNTER,
    EntryKind.PROFILE_CHANGED: _EVERY_EVENT,
    EntryKind.CHALLENGE_COMPLETED: _EVERY_EVENT,  # a challenge's voucher, issued after
    EntryKind.POINTS_RELEASED: _EVERY_EVENT,
    EntryKind.REFERRAL_REWARDED: _EVERY_EVENT | {Reaction.REFERRER_REWARD},
    EntryKind.PARTNER_EARNED: _EVERY_EVENT,
    EntryKind.PARTNER_LINKED: _EVERY_EVENT,
    EntryKind.PARTNER_UNLINKED: _EVERY_EVENT,
}


def reacts(event: MemberChanged, reaction: Reaction) -> bool:
    return reaction in REACTIONS[event.cause]


class Reactions:
    """The outbox relay's publisher: hands each event to the handler of every reaction the
    table lists for it, in `Reaction`'s order (the surfaces first, then the jobs).

    A failure leaves the event in the outbox for the next sweep; the handlers already told
    see it again, which versions and job ids make harmless.
    """

    def __init__(self, handlers: Mapping[Reaction, EventPublisher]) -> None:
        self._handlers = handlers

    async def publish(self, event: MemberChanged) -> None:
        for reaction in Reaction:
            handler = self._handlers.get(reaction)
            if handler is not None and reacts(event, reaction):
                await handler.publish(event)
