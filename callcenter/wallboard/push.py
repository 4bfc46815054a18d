"""The board's pushes: a board gets a snapshot when it connects, then deltas.

Changes only mark queues and agents dirty; one tick every ``push_interval_ms`` asks each part of the board what
changed since the last message and publishes one delta (built and serialised once for every board) through the
``BoardNotifier``, so a burst of events becomes one message and a browser gets a few per second at most; a chart
point goes out when one is due. The hub drops a board that cannot keep up (close 1013); it reconnects to a fresh
snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from callcenter.acd.service import AgentService
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import BoardNotifier
from callcenter.settings import WallboardSettings
from callcenter.wallboard.agents import AgentRows, LeaveRequests, SeatLink
from callcenter.wallboard.alerts import Alerts
from callcenter.wallboard.campaigns import CampaignTotals
from callcenter.wallboard.chart import Chart
from callcenter.wallboard.queues import QueueFigures

log = logging.getLogger(__name__)


class Events(Protocol):
    """The AMI event dispatcher: the event being handled now, if any (``current``)."""

    current: Any


class SourceTimes:
    """The AMI times of the events behind the changes since the last delta (its ``src``: how far behind we are)."""

    def __init__(self, events: Events | None) -> None:
        self.events = events
        self._src: list[float] | None = None

    def note(self, ts: str | float | None = None) -> None:
        """Remember the AMI time of the event behind a change (``ts``, else the event the dispatcher is
        handling)."""
        if ts is None and self.events is not None and self.events.current is not None:
            ts = self.events.current.get("Timestamp")
        if not ts:
            return
        try:
            t = float(ts)
        except ValueError:
            return
        if self._src is None:
            self._src = [t, t]
        else:
            self._src[1] = max(self._src[1], t)
            self._src[0] = min(self._src[0], t)

    def take(self) -> list[float] | None:
        """The first and the last time noted since the last take (None: none)."""
        src, self._src = self._src, None
        return src


class Pusher:
    """Runs the push loop and builds the messages from the board's parts: the queues, the agents' rows, the
    leave-seat requests, the alerts, the chart, the running campaigns."""

    def __init__(self, settings: WallboardSettings, timezone: str, clock: Clock, hub: Hub, acd: AgentService,
                 seat: SeatLink, queues: QueueFigures, rows: AgentRows, requests: LeaveRequests, alerts: Alerts,
                 chart: Chart, campaigns: CampaignTotals, events: Events | None) -> None:
        self.settings = settings
        self.timezone = timezone
        self.clock = clock
        self.notify = BoardNotifier(hub)  # every message to the boards goes through it
        self.acd = acd
        self.seat = seat
        self.queues = queues
        self.rows = rows
        self.requests = requests
        self.alerts = alerts
        self.chart = chart
        self.campaigns = campaigns
        self.src = SourceTimes(events)
        self.ticks = 0
        self.deltas = 0
        self._pruned_at: datetime | None = None
        self._snapshot_cache: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None

    # the loop --------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wallboard")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        interval = self.settings.push_interval_ms / 1000
        while True:
            await asyncio.sleep(interval)
            try:
                self.tick()
            except Exception:
                log.exception("wallboard tick failed")

    def tick(self) -> dict[str, Any] | None:
        """One push: what changed since the last one (None if nothing); a chart point when one is due."""
        now = self.clock.now()
        self.ticks += 1
        self.rows.roll_day(now)
        delta = self.compute(now)
        point = self.chart.due(now)
        if point is not None:
            self.notify.point(point)
        if self._pruned_at is None or now - self._pruned_at > timedelta(minutes=1):
            self._pruned_at = now
            self.queues.prune(now)
        return delta

    def compute(self, now: datetime, publish: bool = True) -> dict[str, Any] | None:
        """What changed since the last push, sent to the boards (``publish``; else only taken as the base of the
        next delta, at start); None when nothing did."""
        delta = {**self.queues.changes(now), **self.rows.changes(now), **self.requests.changes(),
                 **self.alerts.changes(now), **self.campaigns.changes()}
        if not delta:
            return None
        src = self.src.take()
        if not publish:
            return {"type": "delta", "at": now, "src": src, **delta}
        self.deltas += 1
        return self.notify.delta(now, src, delta)

    # the snapshot ----------------------------------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot serialised, shared by every board connecting before the next tick (a restart makes every
        board reconnect at once: one ~100 KB string, not one per board)."""
        if self._snapshot_cache is None or self._snapshot_cache[0] != self.ticks:
            self._snapshot_cache = (self.ticks, json.dumps(self.snapshot(), default=str, ensure_ascii=False))
        return self._snapshot_cache[1]

    def snapshot(self) -> dict[str, Any]:
        """What a board is sent when it connects: the figures as of the last push (later deltas build on it); the
        away thresholds are seat discipline's."""
        now = self.clock.now()
        queues, totals = self.queues.as_sent(now)
        s, seat = self.settings, self.seat()
        return {"type": "snapshot", "at": now, "timezone": self.timezone,
                "settings": {"away_warning_minutes": seat.warning_minutes,
                             "away_violation_minutes": seat.violation_minutes,
                             "sl_alert_minutes": s.sl_alert_minutes, "push_interval_ms": s.push_interval_ms,
                             "chart_step_seconds": s.chart_step_seconds, "chart_hours": s.chart_hours},
                "queues": queues, "totals": totals, "agents": dict(self.rows.sent),
                "alerts": list(self.alerts.shown.values()), "series": list(self.chart.series),
                "leave_requests": dict(self.requests.sent),
                "pause_reasons": self.acd.reason_list(), "campaigns": dict(self.campaigns.sent)}
