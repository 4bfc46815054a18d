"""Write-behind: the AMI dispatcher and the IVR hand rows to a background task that stores them in batches, so
they never wait on the database. Used by call tracking (rows keyed by call: the latest state of a call wins) and
by the agent state machine (every change kept, in order)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)


class WriteBehind:
    """``write(batch)`` stores a list of rows in one transaction. Rows added with the same ``key`` while still
    pending are coalesced (the later row replaces the earlier one in its place); rows without a key are all kept.
    Batches are written in the order rows were first added. A failed batch is retried after ``retry_delay``."""

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]], name: str, retry_delay: float = 1.0) -> None:
        self._write = write
        self.name = name
        self.retry_delay = retry_delay
        self._pending: dict[Hashable, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._seq = itertools.count()
        self.added = 0  # rows handed over so far
        self.stored = 0  # ... and written (coalesced rows count as stored with the row that replaced them)
        self.batches = 0

    @property
    def running(self) -> bool:
        return self._task is not None

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

    async def _write_pending(self) -> None:
        batch, self._pending = self._pending, {}
        if not batch:
            return
        try:
            await self._write(list(batch.values()))
        except Exception:
            # back in front of what arrived meanwhile; a newer row for the same key wins
            self.stored += len(batch.keys() & self._pending.keys())
            self._pending = {**batch, **self._pending}
            raise
        self.stored += len(batch)
        self.batches += 1

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._write_pending()
            except Exception:
                log.exception("%s: storing %d row(s) failed; retrying", self.name, len(self._pending))
                if self._stopping:
                    return  # stop()'s final write tries once more and reports
                await asyncio.sleep(self.retry_delay)
                self._wake.set()
                continue
            if self._pending:
                self._wake.set()  # rows that arrived while the last batch was being written
            elif self._stopping:
                return

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until every row added so far is stored (written now when no task runs)."""
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

    async def stop(self) -> None:
        """Let the task finish the batch it is writing and what is still pending, then stop it (cancelling it
        mid-transaction would roll that batch back and lose it); a last failed batch is written once more here."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await self._task
            finally:
                self._task = None
                self._stopping = False
        await self._write_pending()
