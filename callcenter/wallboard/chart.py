"""The board's chart: calls waiting and the service level (over ``sl_alert_minutes`` before each point), all queues
and each, one point every ``chart_step_seconds`` for the last ``chart_hours``. After a restart the past points are
rebuilt from the stored calls (:meth:`Chart.backfill`)."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from callcenter.clock import from_epoch
from callcenter.settings import WallboardSettings
from callcenter.wallboard.queues import QueueFigures


class Chart:
    """``series``: the points, oldest first (the snapshot's ``series``)."""

    def __init__(self, settings: WallboardSettings, queues: QueueFigures) -> None:
        self.settings = settings
        self.queues = queues
        steps = max(1, settings.chart_hours * 3600 // settings.chart_step_seconds)
        self.series: deque[dict[str, Any]] = deque(maxlen=steps)
        self._next_point: datetime | None = None

    def _step_after(self, t: datetime) -> datetime:
        step = self.settings.chart_step_seconds
        return from_epoch(math.floor(t.timestamp() / step) * step + step)

    def _point(self, at: datetime, waiting: dict[str, int]) -> dict[str, Any]:
        fig = self.queues.fig
        since = at - timedelta(minutes=self.settings.sl_alert_minutes)
        return {"at": at, "waiting": sum(waiting.values()), "service_level": fig.service_level(None, since, at),
                "queues": {q: {"waiting": waiting.get(q, 0), "service_level": fig.service_level(q, since, at)}
                           for q in self.queues.info}}

    def due(self, now: datetime) -> dict[str, Any] | None:
        """The next point when its time has come (added to the series; the caller sends it), else None."""
        if self._next_point is None:
            self._next_point = self._step_after(now)
        if now < self._next_point:
            return None
        at = self._next_point
        waiting: dict[str, int] = {}
        for lc in self.queues.fig.waiting():
            waiting[lc.queue] = waiting.get(lc.queue, 0) + 1
        point = self._point(at, waiting)
        self.series.append(point)
        self._next_point = self._step_after(now)
        return point

    def backfill(self, calls: list[Any], now: datetime) -> None:
        """The chart's past points from the calls loaded at start (waiting = in the queue at that instant)."""
        step = self.settings.chart_step_seconds
        first = self._step_after(now - timedelta(hours=self.settings.chart_hours))
        changes: list[tuple[float, str, int]] = []
        for c in calls:
            left = c.answered_at or c.ended_at
            joined = c.queued_at
            if getattr(c, "callback_of", None):  # a call-back's place: in line from when it was made (after the
                left = c.taken_at or c.ended_at  # caller's own call left the line) until an agent took it
                joined = max(c.queued_at, c.arrived_at or c.queued_at)
            changes.append((joined.timestamp(), c.queue, 1))
            if left is not None:
                changes.append((left.timestamp(), c.queue, -1))
        changes.sort(key=lambda x: x[0])
        waiting: dict[str, int] = {}
        i = 0
        at = first
        self.series.clear()
        while at <= now:
            t = at.timestamp()
            while i < len(changes) and changes[i][0] <= t:
                _, q, d = changes[i]
                waiting[q] = waiting.get(q, 0) + d
                i += 1
            self.series.append(self._point(at, {q: n for q, n in waiting.items() if n > 0}))
            at = from_epoch(t + step)
        self._next_point = at
