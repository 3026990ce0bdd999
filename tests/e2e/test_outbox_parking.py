"""One outbox item the relay cannot take never blocks the others: it is set aside, logged
once, counted, and shown to admins over GraphQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from domain.events import MemberChanged
from storage.outbox import PENDING
from tests.conftest import Api
from tests.integration.steps import member

PARKED = """{ parkedOutboxItems { memberId version cause error entryIds points } }"""


def item(member_id: str, version: int, cause: str, points: int, at: object) -> dict[str, Any]:
    entry = {
        "_id": f"ent_{member_id}_{version}",
        "member_id": member_id,
        "kind": "ADJUSTED",
        "points": points,
        "created_at": at,
        "channel": "CALL_CENTER",
        "store_id": None,
        "order_id": None,
        "reason": "written by hand",
    }
    event = {
        "member_id": member_id,
        "version": version,
        "cause": cause,
        "channel": "CALL_CENTER",
        "store_id": None,
        "entry_id": entry["_id"],
        "tier": "BRONZE",
        "previous_tier": None,
        "merged_ids": [],
        "merged_into": None,
    }
    return {"version": version, "entries": [entry], "event": event}


async def test_a_poison_item_is_set_aside_and_the_next_one_goes_through(
    http_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    tessera = http_api.tessera
    ben = await member(http_api, "mbr_demo_ben")
    now = tessera.clock.now()
    # Two committed changes whose relay never ran: the first names a cause this release does
    # not know (written by another version, say), the second is an ordinary credit.
    poison = item("mbr_demo_ben", ben["version"] + 1, "TELEPORTED", 0, now)
    good = item("mbr_demo_ben", ben["version"] + 2, "ADJUSTED", 5, now + timedelta(seconds=1))
    await tessera.collections.members.update_one(
        {"_id": "mbr_demo_ben"},
        {"$push": {"outbox": {"$each": [poison, good]}}, "$set": {PENDING: True}},
    )

    with caplog.at_level(logging.ERROR, logger="storage.outbox"):
        async with tessera.bus.listen() as events:
            await tessera.outbox.sweep()
            await tessera.outbox.sweep()
            heard = [events.get_nowait() for _ in range(events.qsize())]
    published = [e.version for e in heard if isinstance(e, MemberChanged)]

    parked = (await http_api.data(PARKED))["parkedOutboxItems"]
    history = await http_api.data(
        """{ member(ref: {id: "mbr_demo_ben"}) { history(first: 1) { edges { node { id } } } } }"""
    )
    stored = await tessera.collections.members.find_one({"_id": "mbr_demo_ben"}, {"outbox": 1})
    assert published == [ben["version"] + 2]
    assert history["member"]["history"]["edges"][0]["node"]["id"] == good["entries"][0]["_id"]
    assert [(p["version"], p["cause"], p["points"]) for p in parked] == [
        (ben["version"] + 1, "TELEPORTED", 0)
    ]
    assert "TELEPORTED" in parked[0]["error"]
    assert stored is not None and stored["outbox"] == []
    assert len([r for r in caplog.records if "set aside" in r.getMessage()]) == 1
    assert tessera.outbox.parked_total == 1


async def test_only_admins_see_parked_items(http_api: Api) -> None:
    for token in (http_api.callcenter, http_api.pos, http_api.token("member", "mbr_demo_ben")):
        assert await http_api.error_code(PARKED, token=token) == "FORBIDDEN"
