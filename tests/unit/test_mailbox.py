"""The per-connection queue and flag behave as asyncio.Queue and asyncio.Event do where the
server relies on them: order, bound, waiting, and cancellation."""

from __future__ import annotations

import asyncio

import pytest

from subscriptions.mailbox import Flag, Mailbox


async def test_items_come_out_in_the_order_they_went_in() -> None:
    mailbox: Mailbox[int] = Mailbox()
    for item in range(5):
        mailbox.put_nowait(item)

    assert mailbox.qsize() == 5
    assert [await mailbox.get() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert mailbox.empty()


async def test_a_full_mailbox_refuses_as_a_full_queue_does() -> None:
    mailbox: Mailbox[str] = Mailbox(maxsize=2)
    mailbox.put_nowait("a")
    mailbox.put_nowait("b")

    with pytest.raises(asyncio.QueueFull):
        mailbox.put_nowait("c")
    assert mailbox.get_nowait() == "a"
    mailbox.put_nowait("c")
    assert [mailbox.get_nowait(), mailbox.get_nowait()] == ["b", "c"]
    with pytest.raises(asyncio.QueueEmpty):
        mailbox.get_nowait()


async def test_a_getter_waits_for_the_next_item() -> None:
    mailbox: Mailbox[str] = Mailbox()
    getter = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    assert not getter.done()

    mailbox.put_nowait("update")

    assert await asyncio.wait_for(getter, 1) == "update"


async def test_each_waiting_getter_gets_one_item() -> None:
    mailbox: Mailbox[int] = Mailbox()
    getters = [asyncio.create_task(mailbox.get()) for _ in range(3)]
    await asyncio.sleep(0)

    for item in range(3):
        mailbox.put_nowait(item)

    assert sorted(await asyncio.wait_for(asyncio.gather(*getters), 1)) == [0, 1, 2]


async def test_a_getter_cancelled_after_its_wake_up_passes_the_item_on() -> None:
    mailbox: Mailbox[str] = Mailbox()
    first = asyncio.create_task(mailbox.get())
    second = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)

    mailbox.put_nowait("update")  # wakes `first`, which is cancelled before it runs
    first.cancel()

    assert await asyncio.wait_for(second, 1) == "update"
    assert first.cancelled()


async def test_a_cancelled_getter_leaves_the_mailbox_as_it_was() -> None:
    mailbox: Mailbox[str] = Mailbox()
    getter = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getter

    mailbox.put_nowait("later")

    assert await asyncio.wait_for(mailbox.get(), 1) == "later"


async def test_a_flag_lets_waiters_through_once_set() -> None:
    flag = Flag()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not flag.is_set() and not any(w.done() for w in waiters)

    flag.set()

    assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [True, True]
    assert await flag.wait()  # set: at once


async def test_a_cleared_flag_holds_new_waiters_until_set_again() -> None:
    flag = Flag()
    flag.set()
    flag.clear()
    waiter = asyncio.create_task(flag.wait())
    await asyncio.sleep(0.01)
    assert not waiter.done()

    flag.set()

    assert await asyncio.wait_for(waiter, 1)
