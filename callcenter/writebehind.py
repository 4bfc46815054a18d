"""Write-behind: the AMI dispatcher and the IVR hand rows to a background task that stores them in batches, so
they never wait on the database. Used by call tracking (rows keyed by call: the latest state of a call wins) and
by the agent state machine (every change kept, in order).

One bad row must not stop the rest. A batch that fails is told apart by its error:

* **transient** (the database is down, locked, the connection dropped, a timeout): nothing is wrong with the rows;
  the whole batch is kept, in front of newer rows, and retried with a growing delay (``retry_delay`` doubling up
  to ``max_retry_delay``);
* **anything else** (a value too long for its column, a NUL byte, a broken constraint, a value the driver cannot
  encode: ``DataError``/``IntegrityError``/``StatementError``...): the batch is split in halves, each written on
  its own, down to the row(s) that fail; every other row is stored, in order, and each failed row is handed to the
  writer's ``failures`` sink (:class:`WriteFailureStore`: the ``write_failures`` table, shown in ``/api/health``)
  with its error. The queue never stops behind it and nothing else is dropped.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.clean import clean_value
from callcenter.clock import Clock
from callcenter.db import rows_affected
from callcenter.writebehind_models import WriteFailure

log = logging.getLogger(__name__)

# where a pending row sits: ("key", its key) for a keyed row (a later row with that key replaces it), or
# ("seq", n) for one that is always kept
_Slot = tuple[str, Hashable]

# rows kept in memory when no durable sink is attached (unit tests, a stack wired without one)
MEMORY_FAILURES = 1000


def is_transient(e: BaseException) -> bool:
    """Would the same write succeed later as it is? True for a database that is down, locked or unreachable;
    False for an error in the rows themselves (those are isolated, not retried forever)."""
    if isinstance(e, DBAPIError) and e.connection_invalidated:
        return True
    return isinstance(e, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, TimeoutError,
                          OSError))


def error_text(e: BaseException, limit: int = 2000) -> str:
    """A readable, storable error: the driver's message (not the SQL with every row's parameters), cleaned of
    the very bytes that may have caused it."""
    orig = getattr(e, "orig", None)  # SQLAlchemy's errors wrap the driver's; their str() holds every parameter
    text = f"{type(e).__name__}: {type(orig).__name__}: {orig}" if orig is not None else f"{type(e).__name__}: {e}"
    return clean_value(text.replace("\n", " "), limit)[0]


# rows as JSON that reads back as it was: datetimes, dates, tuples and bytes are tagged ----------------------
def _encode(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, date):
        return {"$date": v.isoformat()}
    if isinstance(v, tuple):
        return {"$tuple": [_encode(x) for x in v]}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _encode(x) for k, x in v.items()}
    if isinstance(v, bytes):
        return {"$bytes": base64.b64encode(v).decode()}
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return {"$repr": repr(v)}


def _decode(v: Any) -> Any:
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            (tag, x), = v.items()
            if tag == "$datetime":
                return datetime.fromisoformat(x)
            if tag == "$date":
                return date.fromisoformat(x)
            if tag == "$tuple":
                return tuple(_decode(y) for y in x)
            if tag == "$bytes":
                return base64.b64decode(x)
        return {k: _decode(x) for k, x in v.items()}
    return v


def _printable(v: Any) -> Any:
    if isinstance(v, str):
        return v.encode("utf-8", "replace").decode()
    if isinstance(v, list):
        return [_printable(x) for x in v]
    if isinstance(v, dict):
        return {_printable(k): _printable(x) for k, x in v.items()}
    return v


def dump_row(row: Any) -> str:
    """ASCII JSON (NUL bytes, lone surrogates and the like are escaped, so any database takes it)."""
    return json.dumps(_encode(row), ensure_ascii=True)


def load_row(text: str) -> Any:
    return _decode(json.loads(text))


class FailureSink(Protocol):
    async def record(self, writer: str, key: Hashable | None, row: Any, error: BaseException) -> None: ...

    async def superseded(self, writer: str, key: Hashable) -> None: ...


class WriteBehind:
    """``write(batch)`` stores a list of rows in one transaction. Rows added with the same ``key`` while still
    pending are coalesced (the later row replaces the earlier one in its place); rows without a key are all kept.
    Batches are written in the order rows were first added. See the module docstring for failed batches."""

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]], name: str, retry_delay: float = 1.0,
                 max_retry_delay: float = 30.0, failures: FailureSink | None = None) -> None:
        self._write = write
        self.name = name
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.failures = failures  # set by the composition root (the durable write_failures table)
        self._pending: dict[_Slot, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._seq = itertools.count()
        self._failed_keys: set[_Slot] = set()  # keyed rows set aside: a later stored row supersedes them
        self.added = 0  # rows handed over so far
        self.stored = 0  # ... and done with: written, or set aside as failed (coalesced rows count with their
        #                    replacement)
        self.failed = 0  # rows set aside with their error
        self.batches = 0
        self.retries = 0  # transient failures so far
        self.memory_failures: deque[dict[str, Any]] = deque(maxlen=MEMORY_FAILURES)  # without a sink

    @property
    def running(self) -> bool:
        return self._task is not None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    def add(self, row: Any, key: Hashable | None = None) -> None:
        k = ("key", key) if key is not None else ("seq", next(self._seq))
        if k in self._pending:
            self.stored += 1  # the earlier row is replaced: nothing is left to store for it
        self._pending[k] = row
        self.added += 1
        self._wake.set()

    def _requeue(self, items: list[tuple[_Slot, Any]]) -> None:
        """Back in front of what arrived meanwhile; a newer row for the same key wins."""
        back = dict(items)
        self.stored += len(back.keys() & self._pending.keys())
        self._pending = {**back, **self._pending}

    async def _write_pending(self) -> None:
        """Store what is pending. Raises (rows requeued) only on a transient error."""
        batch, self._pending = self._pending, {}
        if not batch:
            return
        items = list(batch.items())
        try:
            await self._write([row for _, row in items])
        except Exception as e:
            if is_transient(e):
                self._requeue(items)
                raise
            log.warning("%s: a batch of %d row(s) failed (%s); storing them apart to find the bad one(s)",
                        self.name, len(items), error_text(e, 300))
            await self._isolate(items)
            return
        await self._stored(items)

    async def _stored(self, items: list[tuple[_Slot, Any]]) -> None:
        self.stored += len(items)
        self.batches += 1
        if self._failed_keys:
            for k, _ in items:
                if k in self._failed_keys:
                    self._failed_keys.discard(k)
                    if self.failures is not None:
                        try:
                            await self.failures.superseded(self.name, k[1])
                        except Exception:
                            log.exception("%s: could not mark the failure of %r superseded", self.name, k[1])

    async def _isolate(self, items: list[tuple[_Slot, Any]]) -> None:
        """Bisect: write each half on its own; a half that fails is split again; a single row that fails is set
        aside with its error. Order is kept (left half first). A transient error on the way requeues every row not
        yet done and raises."""
        todo: deque[list[tuple[_Slot, Any]]] = deque([items[: len(items) // 2], items[len(items) // 2:]])
        while todo:
            part = todo.popleft()
            if not part:
                continue
            try:
                await self._write([row for _, row in part])
            except Exception as e:
                if is_transient(e):
                    self._requeue([it for p in (part, *todo) for it in p])
                    raise
                if len(part) > 1:
                    todo.appendleft(part[len(part) // 2:])
                    todo.appendleft(part[: len(part) // 2])
                    continue
                try:
                    await self._set_aside(part[0], e)
                except Exception:
                    # the failures table could not be written either: the database is the problem, not the row
                    self._requeue([it for p in (part, *todo) for it in p])
                    raise
                continue
            await self._stored(part)

    async def _set_aside(self, item: tuple[_Slot, Any], error: BaseException) -> None:
        k, row = item
        key = k[1] if k[0] == "key" else None
        if self.failures is not None:
            await self.failures.record(self.name, key, row, error)
        else:
            self.memory_failures.append({"key": key, "row": row, "error": error_text(error)})
        log.error("%s: a row could not be stored and was set aside (key %r): %s", self.name, key,
                  error_text(error, 500))
        if key is not None:
            self._failed_keys.add(k)
        self.failed += 1
        self.stored += 1

    async def write_now(self, row: Any) -> None:
        """Write one row at once (an admin retrying a failed row); raises what the store raises."""
        await self._write([row])

    async def _loop(self) -> None:
        delay = self.retry_delay
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._write_pending()
            except Exception as e:
                self.retries += 1
                log.error("%s: storing %d row(s) failed (%s); retrying in %gs", self.name, len(self._pending),
                          error_text(e, 300), delay)
                if self._stopping:
                    return  # stop() tries again, for a bounded time, and reports
                await asyncio.sleep(delay)
                delay = min(self.max_retry_delay, delay * 2)
                self._wake.set()
                continue
            delay = self.retry_delay
            if self._pending:
                self._wake.set()  # rows that arrived while the last batch was being written
            elif self._stopping:
                return

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until every row added so far is done with (stored or set aside; written now when no task
        runs)."""
        if self._task is None or self._task.done():
            await self._write_pending()
            return
        target = self.added
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.stored < target:
            if loop.time() > deadline:
                raise TimeoutError(f"{self.name}: rows not stored within {timeout:g}s")
            await asyncio.sleep(0.01)

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the task finish the batch it is writing and what is still pending, then stop it (cancelling it
        mid-transaction would roll that batch back and lose it). If the database is unreachable, what is left is
        tried again for up to ``timeout`` seconds; rows still not stored then are logged, each as JSON, and the
        error is raised."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await self._task
            finally:
                self._task = None
                self._stopping = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = min(self.retry_delay, 0.5)
        while True:
            try:
                await self._write_pending()
                return
            except Exception:
                if loop.time() + delay > deadline:
                    for row in self._pending.values():
                        log.error("%s: not stored at shutdown: %s", self.name, dump_row(row))
                    raise
                await asyncio.sleep(delay)
                delay = min(self.max_retry_delay, delay * 2)


class WriteFailureStore:
    """The durable sink of every writer: the ``write_failures`` table. Writers are attached by name, so an admin
    can retry a failed row through the writer that failed it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.writers: dict[str, WriteBehind] = {}

    def attach(self, *writers: WriteBehind) -> None:
        for w in writers:
            w.failures = self
            self.writers[w.name] = w

    async def record(self, writer: str, key: Hashable | None, row: Any, error: BaseException) -> None:
        now = self.clock.now()
        values = {"row": dump_row(row), "error_type": type(error).__name__[:128], "error": error_text(error),
                  "failed_at": now}
        row_key = clean_value(str(key), 200)[0] if key is not None else None
        async with self.sessions() as s:
            if row_key is not None:
                res = await s.execute(update(WriteFailure).where(
                    WriteFailure.writer == writer, WriteFailure.row_key == row_key,
                    WriteFailure.resolved_at.is_(None)).values(attempts=WriteFailure.attempts + 1, **values))
                if rows_affected(res):
                    await s.commit()
                    return
            s.add(WriteFailure(writer=writer, row_key=row_key, first_failed_at=now, attempts=1, **values))
            await s.commit()

    async def superseded(self, writer: str, key: Hashable) -> None:
        """A later row for the same key was stored: the failed one is history."""
        await self._resolve(writer, clean_value(str(key), 200)[0], "superseded", "system",
                            "a later state of the same row was stored")

    async def _resolve(self, writer: str, row_key: str, resolution: str, by: str, note: str) -> None:
        async with self.sessions() as s:
            await s.execute(update(WriteFailure).where(
                WriteFailure.writer == writer, WriteFailure.row_key == row_key, WriteFailure.resolved_at.is_(None))
                .values(resolved_at=self.clock.now(), resolved_by=by, resolution=resolution, note=note))
            await s.commit()

    async def summary(self) -> dict[str, Any]:
        """For /api/health: how many are unresolved, and the latest one."""
        async with self.sessions() as s:
            n = (await s.execute(select(func.count()).select_from(WriteFailure)
                                 .where(WriteFailure.resolved_at.is_(None)))).scalar_one()
            latest = (await s.execute(select(WriteFailure).where(WriteFailure.resolved_at.is_(None))
                                      .order_by(WriteFailure.failed_at.desc(), WriteFailure.id.desc()).limit(1))
                      ).scalar_one_or_none()
        return {"unresolved": int(n), "latest": self.out(latest, with_row=False) if latest else None}

    @staticmethod
    def out(f: WriteFailure, with_row: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": f.id, "writer": f.writer, "key": f.row_key, "error_type": f.error_type, "error": f.error,
            "attempts": f.attempts, "first_failed_at": f.first_failed_at.isoformat().replace("+00:00", "Z"),
            "failed_at": f.failed_at.isoformat().replace("+00:00", "Z"),
            "resolved_at": f.resolved_at.isoformat().replace("+00:00", "Z") if f.resolved_at else None,
            "resolved_by": f.resolved_by, "resolution": f.resolution, "note": f.note,
        }
        if with_row:  # as JSON for the API: a lone surrogate (the very value that failed) shown as "?"
            d["row"] = _printable(json.loads(f.row))
        return d

    async def recent(self, unresolved: bool = True, limit: int = 100) -> list[WriteFailure]:
        q = select(WriteFailure)
        if unresolved:
            q = q.where(WriteFailure.resolved_at.is_(None))
        async with self.sessions() as s:
            return list((await s.execute(q.order_by(WriteFailure.failed_at.desc(), WriteFailure.id.desc())
                                         .limit(limit))).scalars())

    async def get(self, failure_id: int) -> WriteFailure | None:
        async with self.sessions() as s:
            return await s.get(WriteFailure, failure_id)

    async def retry(self, f: WriteFailure, by: str) -> str | None:
        """Write the row again through its writer; None when stored (resolved ``retried``), else the error
        (kept, attempts counted)."""
        w = self.writers.get(f.writer)
        if w is None:
            return f"no writer {f.writer!r} in this service"
        try:
            await w.write_now(load_row(f.row))
        except Exception as e:  # noqa: BLE001 - reported to the admin, kept in the table
            async with self.sessions() as s:
                await s.execute(update(WriteFailure).where(WriteFailure.id == f.id).values(
                    attempts=WriteFailure.attempts + 1, error_type=type(e).__name__[:128], error=error_text(e),
                    failed_at=self.clock.now()))
                await s.commit()
            return error_text(e)
        await self._close(f.id, "retried", by, "stored on retry")
        return None

    async def dismiss(self, f: WriteFailure, by: str, note: str) -> None:
        await self._close(f.id, "dismissed", by, note)

    async def _close(self, failure_id: int, resolution: str, by: str, note: str) -> None:
        async with self.sessions() as s:
            await s.execute(update(WriteFailure).where(WriteFailure.id == failure_id).values(
                resolved_at=self.clock.now(), resolved_by=by, resolution=resolution, note=note[:300]))
            await s.commit()
