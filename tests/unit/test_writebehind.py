"""The write-behind used by call tracking and agent state: order, coalescing, retry, flush and stop; a bad row is
set aside with its error while every other row is stored; a database that is down is waited for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import DataError, OperationalError

from callcenter.writebehind import WriteBehind, dump_row, load_row


def locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, Exception("database is locked"))


class Store:
    """Stores batches; ``fail`` transient failures first; a batch holding a row in ``bad`` fails as a whole (as one
    transaction does) with a DataError."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.fail = 0
        self.delay = 0.0
        self.bad: set[Any] = set()
        self.attempts = 0

    async def write(self, rows: list[Any]) -> None:
        self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            self.fail -= 1
            raise locked()
        for r in rows:
            if any(r == b for b in self.bad):
                raise DataError("INSERT ...", {}, Exception(f"value too long for type character varying(64): {r}"))
        self.batches.append(rows)

    @property
    def rows(self) -> list[Any]:
        return [r for b in self.batches for r in b]


class Sink:
    def __init__(self) -> None:
        self.failed: list[tuple[str, Hashable | None, Any, str]] = []
        self.gone: list[Hashable] = []
        self.down = False

    async def record(self, writer: str, key: Hashable | None, row: Any, error: BaseException) -> None:
        if self.down:
            raise locked()
        self.failed.append((writer, key, row, str(error)))

    async def superseded(self, writer: str, key: Hashable) -> None:
        self.gone.append(key)


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


async def test_a_bad_row_is_set_aside_with_its_error_and_every_other_row_is_stored_in_order() -> None:
    store, sink = Store(), Sink()
    store.bad = {"bad-1", "bad-2"}
    w = WriteBehind(store.write, "t", failures=sink)
    for r in ["a", "b", "bad-1", "c", "d", "e", "bad-2", "f"]:
        w.add(r)
    w.start()
    await w.flush()
    assert store.rows == ["a", "b", "c", "d", "e", "f"]  # in order, none lost
    assert [(f[0], f[2]) for f in sink.failed] == [("t", "bad-1"), ("t", "bad-2")]
    assert "value too long" in sink.failed[0][3]
    assert w.failed == 2 and w.retries == 0
    # the queue goes on: later rows are stored at once
    w.add("g")
    await w.flush()
    assert store.rows[-1] == "g"
    await w.stop()


async def test_a_keyed_row_that_failed_is_superseded_when_a_later_state_of_it_is_stored() -> None:
    store, sink = Store(), Sink()
    store.bad = {"call-a-bad"}
    w = WriteBehind(store.write, "t", failures=sink)
    w.start()
    w.add("call-a-bad", key="a")
    w.add("call-b", key="b")
    await w.flush()
    assert sink.failed[0][1] == "a" and store.rows == ["call-b"]
    w.add("call-a-fixed", key="a")
    await w.flush()
    assert store.rows == ["call-b", "call-a-fixed"] and sink.gone == ["a"]
    await w.stop()


async def test_a_database_that_is_down_is_retried_with_backoff_and_nothing_is_set_aside() -> None:
    store, sink = Store(), Sink()
    store.fail = 4
    w = WriteBehind(store.write, "t", retry_delay=0.01, max_retry_delay=0.04, failures=sink)
    w.start()
    w.add("x")
    w.add("y")
    await w.flush()
    assert store.rows == ["x", "y"] and sink.failed == [] and w.retries == 4


async def test_when_the_failures_table_cannot_be_written_the_rows_wait_instead_of_being_dropped() -> None:
    store, sink = Store(), Sink()
    store.bad = {"bad"}
    sink.down = True
    w = WriteBehind(store.write, "t", retry_delay=0.01, failures=sink)
    w.start()
    for r in ["a", "bad", "b"]:
        w.add(r)
    for _ in range(200):
        if w.retries >= 2:
            break
        await asyncio.sleep(0.01)
    assert w.retries >= 2 and w.pending >= 1  # the bad row (and what follows it) still pending, not lost
    sink.down = False
    await w.flush()
    assert store.rows == ["a", "b"] and [f[2] for f in sink.failed] == ["bad"]
    await w.stop()


async def test_stop_isolates_a_bad_row_in_the_last_batch_and_stores_the_rest() -> None:
    store, sink = Store(), Sink()
    store.bad = {"bad"}
    w = WriteBehind(store.write, "t", failures=sink)
    w.start()
    w.add("a")
    w.add("bad")
    w.add("b")
    await w.stop()
    assert store.rows == ["a", "b"] and [f[2] for f in sink.failed] == ["bad"] and not w.running


async def test_stop_with_the_database_down_retries_for_a_bounded_time_then_logs_every_row_and_raises(
        caplog: pytest.LogCaptureFixture) -> None:
    store = Store()
    store.fail = 10**6
    w = WriteBehind(store.write, "t", retry_delay=0.01)
    w.start()
    w.add({"call": "a"})
    with caplog.at_level(logging.ERROR, "callcenter.writebehind"), pytest.raises(OperationalError):
        await w.stop(timeout=0.2)
    assert any('not stored at shutdown: {"call": "a"}' in r.getMessage() for r in caplog.records)


async def test_without_a_sink_failed_rows_are_kept_in_memory() -> None:
    store = Store()
    store.bad = {"bad"}
    w = WriteBehind(store.write, "t")
    w.add("bad")
    w.add("ok")
    await w.flush()
    assert store.rows == ["ok"] and [f["row"] for f in w.memory_failures] == ["bad"]


def test_rows_round_trip_through_their_json_form() -> None:
    row = ({"user_id": 1, "name": "a\x00b\udc80", "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)}, "ami",
           datetime(2026, 1, 2, tzinfo=UTC))
    text = dump_row(row)
    assert text.isascii() and load_row(text) == row
