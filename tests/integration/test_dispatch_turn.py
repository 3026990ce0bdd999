"""The member's dispatch turn, on both stores: one dispatch at a time decides and sends for a
member (`workers.dispatch.dispatch_member`). What a dispatch that finds it held does, and what
happens when its holder dies, is what keeps a message from being left waiting."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import SettableClock
from domain.messaging.consent import Consent
from domain.messaging.journeys import MessageChannel
from storage.profiles import MongoProfileStore
from tests.conftest import Api
from tests.integration.held_replies import HeldReplies

MINUTE = timedelta(minutes=1)
EMAIL, OPTED_IN = MessageChannel.EMAIL, Consent.OPTED_IN


async def test_a_dispatch_that_finds_the_turn_held_gets_another_look_from_its_holder(
    api: Api, clock: SettableClock
) -> None:
    profiles, now = api.tessera.messaging.profiles, clock.now()
    # given a dispatch holding the turn of a member with no messaging profile yet
    assert await profiles.take_dispatch_turn("mbr_t", "first", now, now + MINUTE) is None
    # when a second dispatch comes for the member
    held = await profiles.take_dispatch_turn("mbr_t", "second", now, now + MINUTE)
    # then it learns when the turn lapses, and the holder keeps the turn for another look
    assert held == now + MINUTE
    assert await profiles.end_dispatch_turn("mbr_t", "first", now + 2 * MINUTE) is False
    assert await profiles.take_dispatch_turn("mbr_t", "third", now, now) == now + 2 * MINUTE
    # and after each look asked for, the holder looks again; then the turn is free
    assert await profiles.end_dispatch_turn("mbr_t", "first", now + 2 * MINUTE) is False
    assert await profiles.end_dispatch_turn("mbr_t", "first", now + 2 * MINUTE) is True
    assert await profiles.take_dispatch_turn("mbr_t", "third", now, now + MINUTE) is None


async def test_a_turn_whose_holder_died_lapses_and_the_holder_cannot_take_it_back(
    api: Api, clock: SettableClock
) -> None:
    profiles, now = api.tessera.messaging.profiles, clock.now()
    # given a member with a profile (consent given), whose dispatch died holding the turn
    await profiles.set_consent("mbr_t", EMAIL, OPTED_IN)
    assert await profiles.take_dispatch_turn("mbr_t", "dead", now, now + MINUTE) is None
    # when another dispatch comes after the turn lapsed
    later = now + 2 * MINUTE
    assert await profiles.take_dispatch_turn("mbr_t", "next", later, later + MINUTE) is None
    # then the old holder cannot keep it, end it or drop it, and the profile is intact
    assert await profiles.keep_dispatch_turn("mbr_t", "dead", later + MINUTE) is False
    assert await profiles.end_dispatch_turn("mbr_t", "dead", later + MINUTE) is True
    await profiles.drop_dispatch_turn("mbr_t", "dead")
    assert await profiles.take_dispatch_turn("mbr_t", "other", later, later) == later + MINUTE
    assert dict((await profiles.get("mbr_t")).profile.consents) == {EMAIL: OPTED_IN}


async def test_a_take_cut_short_by_a_shutdown_leaves_the_turn_free(
    api: Api, clock: SettableClock
) -> None:
    # given a dispatch stopped (a shutdown) while its take of the turn has landed unanswered
    profiles, now = api.tessera.messaging.profiles, clock.now()
    held = HeldReplies(api.tessera.collections.profiles, "update_one", landed=True)
    cut = MongoProfileStore(held).take_dispatch_turn("mbr_t", "cut", now, now + MINUTE)
    await held.stop_there(cut)
    # then the member's next dispatch takes the turn at once, instead of waiting a lease
    assert await profiles.take_dispatch_turn("mbr_t", "next", now, now + MINUTE) is None
