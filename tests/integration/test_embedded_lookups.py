"""The embedded store's narrowed lookups (`storage.embedded_index`) answer what mongomock's
full scan answers, after every kind of write, through the real store classes.

Each check reads through the app's collection (narrowed by `_id` or an index's leading field)
and through a plain mongomock collection over the same documents (a full scan, which knows
nothing of the index), and wants the same documents in the same order, besides the answer
the store class itself gives."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.clock import SettableClock
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.consent import Consent
from domain.messaging.journeys import Intent, MessageChannel, Purchased
from domain.messaging.message import MessageStatus, Rendered, mark_sent, new_message, start_sending
from storage.embedded_index import index_of
from storage.ledger import MongoLedger
from storage.members import MongoKeyRegistry
from storage.messages import MongoMessageStore
from storage.mongo import Collections, collections_of, ensure_indexes
from storage.profiles import MongoProfileStore

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
EMAIL = MessageChannel.EMAIL
SORT = [("_id", 1)]


class Stores:
    def __init__(self, client: Any, database: str = "lookups") -> None:
        self.client = client
        self.database = database
        self.c: Collections = collections_of(client[database], embedded=True)
        self.clock = SettableClock(T0)
        self.keys = MongoKeyRegistry(self.c.keys, self.clock)
        self.messages = MongoMessageStore(self.c.messages)
        self.profiles = MongoProfileStore(self.c.profiles)
        self.ledger = MongoLedger(self.c.ledger)

    async def same_as_a_scan(self, name: str, *filters: dict[str, Any]) -> list[list[Any]]:
        """Each filter's documents, narrowed, after checking that a full scan finds them too."""
        plain = self.client[self.database].delegate.get_collection(name)  # not narrowed
        found = []
        for filter in filters:
            narrowed = await getattr(self.c, _field(name)).find(filter).sort(SORT).to_list(None)
            unsorted = await getattr(self.c, _field(name)).find(filter).to_list(None)
            assert narrowed == list(plain.find(filter).sort(SORT)), filter
            assert unsorted == list(plain.find(filter)), filter  # the scan's own order
            found.append([d["_id"] for d in narrowed])
        return found


def _field(collection: str) -> str:
    names = {"member_keys": "keys", "messaging_profiles": "profiles", "sent_messages": "sent"}
    return names.get(collection, collection)


@pytest.fixture
async def stores() -> Stores:
    made = Stores(AsyncMongoMockClient(tz_aware=True))
    await ensure_indexes(made.c)
    return made


async def test_keys_stay_found_across_claims_takeovers_releases_and_repoints(
    stores: Stores,
) -> None:
    keys = stores.keys
    # given keys claimed by three members, one claim refused as a duplicate key
    assert await keys.claim("email:a@x", "m1") == "m1"
    assert await keys.claim("email:b@x", "m2") == "m2"
    assert await keys.claim("card:1", "m2") == "m2"
    assert await keys.claim("email:a@x", "m3") == "m1"  # DuplicateKeyError inside: owner
    with pytest.raises(DuplicateKeyError):
        await stores.c.keys.insert_one({"_id": "card:1", "member_id": "m9"})
    # when one key is taken over, one released, and m2's keys repointed to m4 (update_many)
    stores.clock.advance(timedelta(minutes=1))
    assert await keys.take_over("email:b@x", "m2", "m3", stores.clock.now())
    await keys.release("email:a@x", "m1")
    await keys.repoint(["m2", "m3"], "m4")
    # then lookups by id and by member find each key where it is now, and only there
    assert [await keys.owner_of(k) for k in ("email:a@x", "email:b@x", "card:1")] == [
        None,
        "m4",
        "m4",
    ]
    by = await stores.same_as_a_scan(
        "member_keys",
        {"member_id": "m1"},
        {"member_id": "m2"},
        {"member_id": "m3"},
        {"member_id": "m4"},
        {"member_id": {"$in": ["m1", "m4"]}},
        {"_id": {"$in": ["card:1", "email:a@x", "email:b@x"]}},
        {"_id": "card:1", "member_id": "m2"},
    )
    assert by == [[], [], [], ["card:1", "email:b@x"], ["card:1", "email:b@x"], by[3], []]


async def test_messages_stay_found_by_member_and_status_as_they_move(stores: Stores) -> None:
    messages = stores.messages
    # given two members' receipts, one created twice (a duplicate key, the first one kept)
    made = [
        (await messages.create_if_absent(new_message(Intent(m, Purchased(o), T0), T0, EMAIL)))[0]
        for m, o in (("m1", "o1"), ("m1", "o2"), ("m2", "o3"))
    ]
    _, again = await messages.create_if_absent(new_message(Intent("m1", Purchased("o1"), T0), T0))
    assert not again
    # when one is claimed and sent, and another claimed by two workers at once
    sending = start_sending(made[0], EMAIL, Rendered("s", "b"), 1, T0)
    assert await messages.claim_for_sending(sending, made[0])
    assert await messages.save(mark_sent(sending, "ref-1", T0), sending)
    assert await messages.record_delivery(made[0].id, DeliveryOutcome.SENT, DeliveryOutcome.OPENED)
    claims = [start_sending(made[2], EMAIL, Rendered("s", "b"), n, T0) for n in (1, 2)]
    wins = await asyncio.gather(*(messages.claim_for_sending(c, made[2]) for c in claims))
    # then each lookup by member and status finds each message in its state now
    assert sorted(wins) == [False, True]
    assert [m.id for m in await messages.open_for("m1", T0, 10)] == [made[1].id]
    assert [m.id for m in await messages.open_for("m2", T0, 10)] == [made[2].id]
    assert [m.id for m in await messages.due(T0, 10)] == [made[1].id]
    assert [m.id for m in await messages.stalled(T0 + timedelta(seconds=1), 10)] == [made[2].id]
    page = await messages.for_member("m1", 1, None)
    assert len(page.messages) == 1 and page.has_next_page
    by = await stores.same_as_a_scan(
        "messages",
        {"status": MessageStatus.SENT.value},
        {"status": {"$in": ["PENDING", "SENDING"]}, "member_id": "m1"},
        {"member_id": "m2", "status": "SENDING"},
        {"_id": made[0].id, "status": "PENDING"},
    )
    assert by == [[made[0].id], [made[1].id], [made[2].id], []]


async def test_profiles_upserted_and_pushed_to_stay_found(stores: Stores) -> None:
    profiles = stores.profiles
    # given upserts by $set and $inc, and $push with $slice on a filter with $ne
    await profiles.set_consent("m1", EMAIL, Consent.OPTED_IN)
    await profiles.record_send("m2", "msg-1", EMAIL, T0)
    await profiles.record_send("m2", "msg-1", EMAIL, T0)  # counted once (duplicate key inside)
    await profiles.record_outcome("m2", EMAIL, None, DeliveryOutcome.OPENED)
    # then each is found by id, as a scan finds it
    assert len((await profiles.get("m2")).recent) == 1
    assert [e.engaged for e in (await profiles.get("m2")).engagement] == [1]
    assert await stores.same_as_a_scan("messaging_profiles", {"_id": "m1"}, {"_id": "m2"}) == [
        ["m1"],
        ["m2"],
    ]


async def test_ledger_history_by_member_and_arrays_of_values(stores: Stores) -> None:
    # given ledger entries inserted in bulk for two members, one batch with a duplicate
    entries = [
        {"_id": f"ent{n}", "member_id": f"m{n % 2}", "kind": "ADJUSTED", "points": n}
        | {"created_at": T0 + timedelta(seconds=n), "channel": None, "reason": "r"}
        for n in range(6)
    ]
    await stores.c.ledger.insert_many(entries[:4])
    with pytest.raises(BulkWriteError):
        await stores.c.ledger.insert_many(entries[2:], ordered=False)  # ent2, ent3 exist
    # when entries are changed, replaced, deleted and upserted by other fields
    ledger: Any = stores.c.ledger  # delete_many is no call storage/ makes
    await ledger.update_one({"_id": "ent0"}, {"$set": {"member_id": "m9"}})
    await ledger.update_many({"member_id": "m1"}, {"$set": {"member_id": ["m1", "m7"]}})
    await ledger.update_one({"_id": "ent1"}, {"$pull": {"member_id": "m1"}})
    await ledger.update_one({"_id": "ent3"}, {"$push": {"member_id": "m8"}})
    await ledger.replace_one({"_id": "ent2"}, {"member_id": "m7", "kind": "X"})
    await ledger.delete_one({"_id": "ent4"})
    await ledger.update_one({"member_id": "m6"}, {"$set": {"points": 1}}, upsert=True)
    await ledger.replace_one({"_id": "ent9"}, {"member_id": "m6"}, upsert=True)
    await ledger.delete_many({"member_id": "m8"})
    # then every lookup by member finds what a scan finds
    by = await stores.same_as_a_scan(
        "ledger",
        {"member_id": "m0"},
        {"member_id": "m1"},
        {"member_id": "m7"},
        {"member_id": "m9"},
        {"member_id": {"$in": ["m6", "m8"]}},
        {"member_id": {"$eq": "m6"}, "points": 1},
        {"member_id": ["m1", "m7"]},  # a whole array: not narrowed, scanned
    )
    assert by[:4] == [[], ["ent5"], ["ent1", "ent2", "ent5"], ["ent0"]]
    assert len(by[4]) == 2 and "ent9" in by[4] and len(by[5]) == 1
    page = await stores.ledger.history(["m9", "m0"], 10, None)
    assert [e.id for _, e in page.entries] == ["ent0"]


async def test_two_instances_sharing_a_client_see_each_others_writes() -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    first, second = Stores(client), Stores(client)
    await ensure_indexes(first.c)
    await ensure_indexes(second.c)
    await first.keys.claim("email:a@x", "m1")
    await second.keys.repoint(["m1"], "m2")
    assert await first.same_as_a_scan("member_keys", {"member_id": "m2"}) == [["email:a@x"]]
    assert await second.same_as_a_scan("member_keys", {"member_id": "m1"}) == [[]]


async def test_a_lookup_by_member_reads_only_that_members_documents(stores: Stores) -> None:
    # given 500 entries of other members and 2 of m1
    others = [{"_id": f"e{n}", "member_id": f"x{n}"} for n in range(500)]
    await stores.c.ledger.insert_many([*others, {"_id": "a", "member_id": "m1"}])
    await stores.c.ledger.insert_one({"_id": "b", "member_id": "m1"})
    # then the candidates mongomock tests are m1's two, by member or by id
    index = index_of(stores.c.ledger._mongomock)  # type: ignore[attr-defined]
    assert [d["_id"] for d in index.matching({"member_id": "m1", "kind": "X"}) or []] == ["a", "b"]
    assert [d["_id"] for d in index.matching({"_id": {"$in": ["b", "zz"]}}) or []] == ["b"]
    assert index.matching({"kind": "X"}) is None  # no index: mongomock's scan


async def test_flags_are_narrowed_and_numbers_are_not(stores: Stores) -> None:
    # given an index on a flag some documents hold as a boolean, some as a number
    sent = stores.c.sent
    await sent.create_index("flag")
    values = [True, False, 1, 1.0, 0, None, "yes", [True, 2]]
    await sent.insert_many([{"_id": f"s{n}", "flag": v} for n, v in enumerate(values)])
    await sent.insert_one({"_id": "s-none"})
    await sent.update_one({"_id": "s1"}, {"$set": {"flag": True}})
    # then a boolean reads only the booleans (and arrays holding one); a number is scanned
    index = index_of(sent._mongomock)  # type: ignore[attr-defined]
    assert [d["_id"] for d in index.matching({"flag": True}) or []] == ["s0", "s1", "s7"]
    assert index.matching({"flag": 1}) is None
    by = await stores.same_as_a_scan(
        "sent_messages", {"flag": True}, {"flag": False}, {"flag": 1}, {"flag": {"$in": [True]}}
    )
    assert by[:2] == [["s0", "s1", "s7"], []] and by[3] == by[0]  # by[2]: as mongomock sees 1
