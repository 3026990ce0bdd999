"""A member whose receipts pile up behind the frequency caps, end to end on both stores: each
purchase's dispatch reads what is due and only the soonest few of those waiting
(`workers.dispatch.WAITING_CHECKED`), and when the pile falls due it is read whole and goes
out as one message."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from domain.clock import SettableClock
from domain.messaging.message import Message
from tests.conftest import Api
from tests.integration.messaging import delivered, joined, messages_of, worker_ran
from tests.integration.steps import bought
from workers.dispatch import WAITING_CHECKED

DAY = timedelta(days=1)
PURCHASES = 30  # more receipts waiting than a dispatch checks, and than a page reads


async def receipts_of(api: Api, member_id: str) -> list[dict[str, Any]]:
    return [m for m in await messages_of(api, member_id) if m["journey"] == "PURCHASE_RECEIPT"]


async def test_receipts_held_by_the_caps_go_out_as_one_message_when_due(
    api: Api, clock: SettableClock
) -> None:
    store = api.tessera.messaging.messages
    read: list[int] = []  # how many open messages each dispatch round read
    open_for = store.open_for

    async def counted(member_id: str, now: datetime, waiting: int) -> tuple[Message, ...]:
        found = await open_for(member_id, now, waiting)
        read.append(len(found))
        return found

    store.open_for = counted  # type: ignore[method-assign]
    # given a member welcomed yesterday who buys 30 times today: the demo's caps let one
    # email a day go, so every receipt after the first waits for tomorrow
    kit = await joined(api, "Kit", ("EMAIL", "kit@example.com"))
    await worker_ran(api)
    clock.advance(DAY)
    for n in range(PURCHASES):
        await bought(api, kit["id"], f"o-kit-{n}", "10")
        await worker_ran(api)
    waiting = Counter(
        (m["status"], m["deferred_reason"]) for m in await receipts_of(api, kit["id"])
    )
    assert waiting == {("SENT", None): 1, ("PENDING", "FREQUENCY_CAP"): PURCHASES - 1}
    # then each dispatch read the new receipt and at most the 10 soonest of those waiting
    assert max(read) == 1 + WAITING_CHECKED
    # when tomorrow comes, the whole pile falls due at once
    read.clear()
    clock.advance(DAY)
    await worker_ran(api)
    # then it is read whole, across pages, and goes out as one message carrying the rest
    receipts = await receipts_of(api, kit["id"])
    assert max(read) == PURCHASES - 1
    closed = Counter((m["status"], m["suppressed_reason"]) for m in receipts)
    assert closed == {("SENT", None): 2, ("SUPPRESSED", "MERGED"): PURCHASES - 2}
    carriers = {m["suppressed_detail"] for m in receipts if m["status"] == "SUPPRESSED"}
    assert len(carriers) == 1
    copy = await delivered(api, carriers.pop().removeprefix("carried by message "))
    assert copy is not None
    assert all(f"o-kit-{n} " in copy["body"] for n in range(1, PURCHASES))
