"""The write-behind used by call tracking and agent state: order, coalescing, retry, flush and stop."""

from __future__ import annotations

import asyncio
from typing import Any

from callcenter.writebehind import WriteBehind


class Store:
    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.fail = 0
        self.delay = 0.0

    async def write(self, rows: list[Any]) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database is locked")
        self.batches.append(rows)


async def test_rows_are_written_in_order_and_keyed_rows_coalesce() -> None:
    store = Store()
    w = WriteBehind(store.write, "t")
    w.start()
    w.add({"call": "a", "n": 1}, key="a")
    w.add("log-1")
    w.add({"call": "a", "n": 2}, key="a")  # replaces n=1 in its place
    w.add("log-2")
    await w.flush()
    assert store.batches == [[{"call": "a", "n": 2}, "log-1", "log-2"]]
    await w.stop()


async def test_a_failed_batch_is_retried_before_newer_rows_and_nothing_is_lost() -> None:
    store = Store()
    store.fail = 1
    w = WriteBehind(store.write, "t", retry_delay=0.01)
    w.start()
    w.add("first")
    await asyncio.sleep(0)  # the writer takes 'first' and fails
    w.add("second")
    await w.flush()
    assert [r for b in store.batches for r in b] == ["first", "second"]
    await w.stop()


async def test_stop_finishes_the_batch_in_flight_and_what_is_pending() -> None:
    store = Store()
    store.delay = 0.05
    w = WriteBehind(store.write, "t")
    w.start()
    w.add(1)
    await asyncio.sleep(0.01)  # batch [1] in flight
    w.add(2)
    await w.stop()
    assert [r for b in store.batches for r in b] == [1, 2] and not w.running


async def test_without_a_task_flush_writes_at_once() -> None:
    store = Store()
    w = WriteBehind(store.write, "t")
    w.add("x")
    await w.flush()
    assert store.batches == [["x"]]
