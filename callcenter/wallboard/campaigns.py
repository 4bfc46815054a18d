"""The board's campaigns: the live totals of every running campaign — numbers, dialled, connected, remaining and
the numbers by their last outcome — and nothing else (no numbers, no settings: the campaigns page has those).

The campaigns service owns these figures (``Campaigns.running_figures``, stored in the database) and says when a
campaign's state or numbers changed (``Campaigns.watch``, registered by ``wallboard.wiring.attach_campaigns``);
the board only shows them. A change marks the part; its own loop (started and stopped with the board) reads the
figures again at once, then at most once per :data:`MIN_INTERVAL` seconds while changes keep coming (a progressive
campaign changes on every pacer tick), so the push loop never waits on the database. Each push compares what was
read with what was last sent: a changed campaign goes out whole in the delta's ``campaigns``, one no longer running
(paused, stopped) in ``campaigns_gone``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two reads of the figures while changes keep coming


class CampaignSource(Protocol):
    """The campaigns service (``callcenter.campaigns.service.Campaigns``) as the board reads it."""

    async def running_figures(self) -> list[dict[str, Any]]: ...


class CampaignTotals:
    """``current``: the figures as last read, by campaign id (a string, as the JSON keys); ``sent``: as last pushed
    (the snapshot's ``campaigns``). ``marked`` counts the changes told, ``read_upto`` the changes the figures in
    ``current`` include (those told before their read started)."""

    def __init__(self) -> None:
        self._source: CampaignSource | None = None
        self.current: dict[str, dict[str, Any]] = {}
        self.sent: dict[str, dict[str, Any]] = {}
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.marked = 0
        self.read_upto = 0

    # inputs ----------------------------------------------------------------------------------------------------
    def attach(self, source: CampaignSource) -> None:
        self._source = source
        self._dirty.set()

    def mark(self, campaign_id: int) -> None:
        """A campaign's state or numbers changed (the campaigns service's watcher): read them again."""
        self.marked += 1
        self._dirty.set()

    async def refresh(self) -> None:
        """Read the running campaigns' figures now (at start, and by the loop after a change)."""
        if self._source is None:
            return
        self._dirty.clear()
        upto = self.marked
        try:
            rows = await self._source.running_figures()
        except BaseException:
            self._dirty.set()  # read again on the next round
            raise
        self.current = {str(r["id"]): r for r in rows}
        self.read_upto = max(self.read_upto, upto)

    # the loop --------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None and self._source is not None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wallboard campaigns")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            try:
                await self.refresh()
            except Exception:
                log.exception("wallboard: the campaigns' figures could not be read")
            await asyncio.sleep(MIN_INTERVAL)

    # the push --------------------------------------------------------------------------------------------------
    def changes(self) -> dict[str, Any]:
        """The delta's ``campaigns`` (new or changed since the last push) and ``campaigns_gone`` (no longer
        running)."""
        changed = {k: r for k, r in self.current.items() if self.sent.get(k) != r}
        gone = [k for k in self.sent if k not in self.current]
        self.sent = dict(self.current)
        out: dict[str, Any] = {}
        if changed:
            out["campaigns"] = changed
        if gone:
            out["campaigns_gone"] = gone
        return out
