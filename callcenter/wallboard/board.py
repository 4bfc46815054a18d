"""The wallboard service: keeps the figures (``figures.Figures``) fed from the call tracker and the agent states,
and pushes them to supervisors' boards through the hub.

Push model: a board gets a snapshot when it connects, then deltas. Changes only mark queues and agents dirty;
one tick every ``push_interval_ms`` computes what changed since the last message and publishes one delta (built
and serialised once for every board), so a burst of events becomes one message and a browser gets a few per
second at most. The hub drops a board that cannot keep up (close 1013); it reconnects to a fresh snapshot.

Restart: figures come from the stored calls (loaded at start), calls-today from the agent state log, the chart
from both, so neither a service restart nor an Asterisk restart resets them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import deque
from datetime import datetime, timedelta
from typing import Any, Protocol

from callcenter.acd.pop import split_label
from callcenter.acd.service import Agent, AgentService
from callcenter.asterisk.events import TypedEvent
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock, from_epoch
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import BoardNotifier
from callcenter.settings import WallboardSettings
from callcenter.wallboard.figures import Figures, local_date, window_figures

log = logging.getLogger(__name__)

AGENT_STATES = ("ready", "ringing", "on_call", "wrapup", "paused")


class _Calls(Protocol):
    async def queued_since(self, since: datetime) -> list[Any]: ...


class _Queues(Protocol):
    """The directory's queues (``callcenter.directory.repository.DirectoryRepository``)."""

    async def queues(self, active_only: bool = False) -> list[Any]: ...


class _AcdRepo(Protocol):
    """The ACD's state log (``callcenter.acd.repository.AcdRepository``)."""

    async def calls_answered_since(self, since: datetime) -> dict[str, int]: ...

    async def wrapups_since(self, since: datetime) -> list[tuple[str, str | None, datetime, datetime | None]]: ...


class _Events(Protocol):
    current: Any


class _Seat(Protocol):
    """Seat discipline (``callcenter.seat.service.SeatService``): the away rule's state, the leave-seat requests."""

    @property
    def warning_minutes(self) -> float: ...

    @property
    def violation_minutes(self) -> float: ...

    def watch(self, watcher: Any) -> None: ...

    def away_status(self, username: str, now: datetime | None = None) -> dict[str, Any] | None: ...

    def pending_requests(self) -> list[dict[str, Any]]: ...


class Board:
    def __init__(self, settings: WallboardSettings, timezone: str, clock: Clock, hub: Hub, tracker: CallTracker,
                 acd: AgentService, calls: _Calls, acd_repo: _AcdRepo, directory: _Queues,
                 events: _Events | None = None) -> None:
        self.settings = settings
        self.timezone = timezone
        self.clock = clock
        self.notify = BoardNotifier(hub)  # every message to the boards goes through it
        self.tracker = tracker
        self.acd = acd
        self.calls = calls
        self.acd_repo = acd_repo
        self.directory = directory
        self.events = events
        self.queues: dict[str, dict[str, Any]] = {}  # name → display_name, thresholds
        self.fig = Figures(timezone, [(s.name, s.start) for s in settings.shifts],
                           lambda q: int(self.queues.get(q, {}).get("service_level_seconds", 20)))
        self.calls_today: dict[str, int] = {}
        self._wrapups: dict[str, tuple[datetime, str | None]] = {}  # agent in wrap-up → (since, queue of the call)
        self._day = local_date(clock.now(), self.fig.tz)
        self._sent_queues: dict[str, dict[str, Any]] = {}
        self._sent_totals: dict[str, Any] = {}
        self._sent_agents: dict[str, dict[str, Any]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}
        self._raised: dict[str, tuple[dict[str, Any], datetime]] = {}  # raise_alert(): alert, shown until
        steps = max(1, settings.chart_hours * 3600 // settings.chart_step_seconds)
        self.series: deque[dict[str, Any]] = deque(maxlen=steps)
        self._next_point: datetime | None = None
        self._dirty_agents: set[str] = set()
        self._src: list[float] | None = None
        self._pruned_at: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.deltas = 0
        self._snapshot_cache: tuple[int, str] | None = None
        self.seat: _Seat | None = None
        self._sent_requests: dict[str, dict[str, Any]] = {}

    def attach_seat(self, seat: _Seat) -> None:
        """Away time, levels and ``away`` alerts come from seat discipline (its episodes and thresholds: the
        agent's phone being unreachable counts too, an approved absence is not a violation); its pending
        leave-seat requests are shown (``leave_requests``, alerts ``leave_request``). The wiring also has the seat
        service call :meth:`on_seat` on every change."""
        self.seat = seat

    def on_seat(self, username: str) -> None:
        """That agent's away state or leave-seat requests changed: its row goes out with the next push."""
        self._dirty_agents.add(username)

    # inputs ----------------------------------------------------------------------------------------------------
    def _note_src(self, ts: str | None = None) -> None:
        """Remember the AMI time of the event behind a change (``src`` of the next delta: how far behind we are)."""
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

    def on_call(self, st: Any) -> None:
        if self.fig.observe(st) is not None:
            self._note_src()

    def _roll_day(self, at: datetime) -> None:
        """Midnight in the centre's timezone passed: a new day of answered calls per agent."""
        day = local_date(at, self.fig.tz)
        if day > self._day:
            self._day = day
            self.calls_today = {}
            self._dirty_agents.update(self._sent_agents)

    async def on_agent(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        if prev == "wrapup" and a.state != "wrapup":
            started = self._wrapups.pop(a.username, None)
            if started is not None and a.since is not None:
                self.fig.wrapup_done(started[1], a.since, (a.since - started[0]).total_seconds())
        if a.state == "wrapup" and prev != "wrapup" and a.since is not None:
            self._wrapups[a.username] = (a.since, a.call_queue)
        if a.state == "on_call" and prev != "on_call":
            at = a.since or self.clock.now()
            self._roll_day(at)
            if local_date(at, self.fig.tz) == self._day:
                self.calls_today[a.username] = self.calls_today.get(a.username, 0) + 1
        self._dirty_agents.add(a.username)
        ami = ev.get("ami")  # the AMI event behind the change, if one was
        self._note_src(ami.timestamp if isinstance(ami, TypedEvent) else None)

    # start / stop ----------------------------------------------------------------------------------------------
    async def reload_queues(self) -> None:
        """Queue names, labels and thresholds (start, and after an admin changed queues)."""
        # ids stay the keys; people read the display name, in their language when it is written "English / 中文"
        self.queues = {q.name: {"name": q.name, "display_name": q.display_name or q.name,
                                "labels": split_label(q.display_name or q.name),
                                "service_level_seconds": q.service_level_seconds,
                                "service_level_target": q.service_level_target,
                                "max_wait_seconds": q.max_wait_seconds}
                       for q in await self.directory.queues(active_only=True)}

    async def load(self) -> None:
        """Today's (and the chart's) figures from the stored calls and the agents' answered calls from the state
        log; calls still in progress are those the tracker loaded."""
        await self.reload_queues()
        now = self.clock.now()
        horizon = self.fig.horizon(now, self.settings.chart_hours)
        rows = await self.calls.queued_since(horizon)
        open_calls = [st for st in self.tracker.active.values() if st.queued_at is not None]
        stored = [c for c in rows if c.ended_at is not None and c.uniqueid not in self.tracker.active]
        self.fig.begin_bulk()
        for c in sorted([*stored, *open_calls], key=lambda c: c.queued_at):
            self.fig.observe(c)
        queue_of = {c.uniqueid: c.queue for c in [*stored, *open_calls]}
        in_wrapup = {a.username for a in self.acd.by_ext.values() if a.state == "wrapup"}
        for username, uid, start, end in await self.acd_repo.wrapups_since(horizon):
            if end is not None:
                self.fig.wrapup_done(queue_of.get(uid or ""), end, (end - start).total_seconds())
            elif username in in_wrapup:
                self._wrapups[username] = (start, queue_of.get(uid or ""))
        self.fig.end_bulk()
        self._day = local_date(now, self.fig.tz)
        self.calls_today = await self.acd_repo.calls_answered_since(self.fig.windows(now)["today"][0])
        self._backfill_series([*stored, *open_calls], now)
        self._compute(now, publish=False)
        self._src = None

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

    # figures ---------------------------------------------------------------------------------------------------
    def _agent_counts(self) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
        per: dict[str, dict[str, int]] = {q: dict.fromkeys(("logged_in", *AGENT_STATES), 0) for q in self.queues}
        total = dict.fromkeys(("logged_in", *AGENT_STATES), 0)
        for a in self.acd.by_ext.values():
            total["logged_in"] += 1
            if a.state in total:
                total[a.state] += 1
            for q in a.memberships:
                c = per.get(q)
                if c is not None:
                    c["logged_in"] += 1
                    if a.state in c:
                        c[a.state] += 1
        return per, total

    def queue_figures(self, now: datetime) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Every queue's figures and the totals, computed now."""
        per_agents, total_agents = self._agent_counts()
        queues = {}
        for name, info in self.queues.items():
            queues[name] = {**info, **self.fig.queue_figures(name, now), "agents": per_agents[name]}
        totals = {"name": "*", "display_name": "*", "service_level_seconds": None, "service_level_target": None,
                  "max_wait_seconds": None, **self.fig.queue_figures(None, now), "agents": total_agents}
        return queues, totals

    def _discipline(self) -> _Seat:
        """Seat discipline owns the away rule and its thresholds (``settings.seat``); the board only shows them."""
        if self.seat is None:
            raise RuntimeError("the board shows seat discipline's away state and thresholds: attach it first "
                               "(callcenter.wallboard.wiring.attach_seat_discipline)")
        return self.seat

    def _away(self, a: Agent, now: datetime) -> tuple[bool, datetime | None, str]:
        st = self._discipline().away_status(a.username, now)
        return (False, None, "ok") if st is None else (True, st["since"], st["level"])

    def agent_row(self, a: Agent, now: datetime) -> dict[str, Any]:
        row = a.public()
        st = self.tracker.call(a.call_uniqueid or "")
        away, away_since, level = self._away(a, now)
        row.update({"caller_number": st.caller_number if st else None, "calls_today": self.calls_today.get(
            a.username, 0), "away": away, "away_since": away_since, "away_level": level})
        if self.seat is not None:
            sa = self.seat.away_status(a.username, now) if away else None
            row.update({"away_sources": sa["active_sources"] if sa else [],
                        "away_approved_until": sa["approved_until"] if sa else None})
        return row

    def current_alerts(self, now: datetime, queues: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        minutes = self.settings.sl_alert_minutes
        for name, info in self.queues.items():
            sl = self.fig.service_level(name, now - timedelta(minutes=minutes))
            if sl is not None and sl < info["service_level_target"]:
                out[f"sl:{name}"] = {"kind": "service_level", "queue": name, "username": None,
                                     "detail": {"service_level": sl, "target": info["service_level_target"],
                                                "minutes": minutes}}
        for lc in self.fig.waiting():
            limit = self.queues.get(lc.queue, {}).get("max_wait_seconds")
            if limit is not None and (now - lc.queued_at).total_seconds() > limit:
                out[f"wait:{lc.uniqueid}"] = {"kind": "long_wait", "queue": lc.queue, "username": None,
                                              "detail": {"caller_number": lc.caller_number,
                                                         "queued_at": lc.queued_at, "max_wait_seconds": limit}}
        seat = self._discipline()
        for a in self.acd.by_ext.values():
            sa = seat.away_status(a.username, now)
            if sa is not None and sa["level"] == "violation":
                out[f"away:{a.username}"] = {"kind": "away", "queue": None, "username": a.username, "detail": {
                    "reason": sa["reason"], "minutes": sa["minutes"], "level": "violation", "violation": True,
                    "sources": sa["active_sources"], "since": sa["since"], "episode_id": sa["episode_id"],
                    "limit_minutes": sa["limit_minutes"], "approved_request_id": sa["approved_request_id"]}}
        for r in self.seat.pending_requests() if self.seat is not None else []:
            out[f"leave:{r['id']}"] = {"kind": "leave_request", "queue": None, "username": r["username"],
                                       "detail": {"request_id": r["id"], "reason": r["reason"],
                                                  "minutes": r["minutes"], "created_at": r["created_at"]}}
        for aid, (alert, until) in list(self._raised.items()):
            if now >= until:
                del self._raised[aid]
            else:
                out[aid] = alert
        return out

    def raise_alert(self, aid: str, kind: str, detail: dict[str, Any], *, queue: str | None = None,
                    username: str | None = None, minutes: float = 60) -> None:
        """An alert from another part of the service (a recording missing at the end of a call): on the boards
        from the next push for ``minutes``."""
        self._raised[aid] = ({"kind": kind, "queue": queue, "username": username, "detail": detail},
                             self.clock.now() + timedelta(minutes=minutes))

    @staticmethod
    def _steady(q: dict[str, Any]) -> dict[str, Any]:
        """A queue's figures without the ones that move every instant (the browser ticks those itself)."""
        return {k: v for k, v in q.items() if k != "longest_wait"}

    def _compute(self, now: datetime, publish: bool = True) -> dict[str, Any] | None:
        queues, totals = self.queue_figures(now)
        delta: dict[str, Any] = {}
        changed_q = {n: q for n, q in queues.items() if self._steady(q) != self._steady(self._sent_queues.get(n, {}))}
        if changed_q:
            delta["queues"] = changed_q
        queues_gone = [n for n in self._sent_queues if n not in queues]  # an admin disabled or removed it
        if queues_gone:
            delta["queues_gone"] = queues_gone
        if self._steady(totals) != self._steady(self._sent_totals):
            delta["totals"] = totals
        self._sent_queues = queues
        self._sent_totals = totals
        # agents: the ones whose state changed, and the away ones (their level moves with time)
        agents: dict[str, dict[str, Any]] = {}
        seated = {a.username: a for a in self.acd.by_ext.values()}
        for username, a in seated.items():
            if username in self._dirty_agents or username not in self._sent_agents or \
                    self._sent_agents[username].get("away"):
                row = self.agent_row(a, now)
                if row != self._sent_agents.get(username):
                    agents[username] = row
                    self._sent_agents[username] = row
        gone = [u for u in self._sent_agents if u not in seated]
        for u in gone:
            del self._sent_agents[u]
        self._dirty_agents.clear()
        if agents:
            delta["agents"] = agents
        if gone:
            delta["agents_gone"] = gone
        if self.seat is not None:
            requests = {str(r["id"]): r for r in self.seat.pending_requests()}
            changed_r = {k: r for k, r in requests.items() if self._sent_requests.get(k) != r}
            requests_gone = [k for k in self._sent_requests if k not in requests]
            self._sent_requests = requests
            if changed_r:
                delta["leave_requests"] = changed_r
            if requests_gone:
                delta["leave_requests_gone"] = requests_gone
        current = self.current_alerts(now, queues)
        raised = []
        for aid, alert in current.items():
            if aid not in self.alerts:
                self.alerts[aid] = {"id": aid, "since": now, **alert}
                raised.append(self.alerts[aid])
            else:
                self.alerts[aid]["detail"] = alert["detail"]
        cleared = [aid for aid in self.alerts if aid not in current]
        for aid in cleared:
            del self.alerts[aid]
        if raised:
            delta["alerts_raised"] = raised
        if cleared:
            delta["alerts_cleared"] = cleared
        if not delta:
            return None
        src, self._src = self._src, None
        if not publish:
            return {"type": "delta", "at": now, "src": src, **delta}
        self.deltas += 1
        return self.notify.delta(now, src, delta)

    def tick(self) -> dict[str, Any] | None:
        """One push: what changed since the last one (None if nothing); a chart point when one is due."""
        now = self.clock.now()
        self.ticks += 1
        self._roll_day(now)
        delta = self._compute(now)
        self._chart(now)
        if self._pruned_at is None or now - self._pruned_at > timedelta(minutes=1):
            self._pruned_at = now
            self.fig.prune(self.fig.horizon(now, self.settings.chart_hours))
        return delta

    # chart -----------------------------------------------------------------------------------------------------
    def _step_after(self, t: datetime) -> datetime:
        step = self.settings.chart_step_seconds
        return from_epoch(math.floor(t.timestamp() / step) * step + step)

    def _point(self, at: datetime, waiting: dict[str, int]) -> dict[str, Any]:
        since = at - timedelta(minutes=self.settings.sl_alert_minutes)
        return {"at": at, "waiting": sum(waiting.values()), "service_level": self.fig.service_level(None, since, at),
                "queues": {q: {"waiting": waiting.get(q, 0), "service_level": self.fig.service_level(q, since, at)}
                           for q in self.queues}}

    def _chart(self, now: datetime) -> None:
        if self._next_point is None:
            self._next_point = self._step_after(now)
        if now < self._next_point:
            return
        at = self._next_point
        waiting: dict[str, int] = {}
        for lc in self.fig.waiting():
            waiting[lc.queue] = waiting.get(lc.queue, 0) + 1
        point = self._point(at, waiting)
        self.series.append(point)
        self._next_point = self._step_after(now)
        self.notify.point(point)

    def _backfill_series(self, calls: list[Any], now: datetime) -> None:
        """The chart's past points from the calls loaded at start (waiting = in the queue at that instant)."""
        step = self.settings.chart_step_seconds
        first = self._step_after(now - timedelta(hours=self.settings.chart_hours))
        changes: list[tuple[float, str, int]] = []
        for c in calls:
            left = c.answered_at or c.ended_at
            changes.append((c.queued_at.timestamp(), c.queue, 1))
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

    # reading ---------------------------------------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot serialised, shared by every board connecting before the next tick (a restart makes every
        board reconnect at once: one ~100 KB string, not one per board)."""
        if self._snapshot_cache is None or self._snapshot_cache[0] != self.ticks:
            self._snapshot_cache = (self.ticks, json.dumps(self.snapshot(), default=str, ensure_ascii=False))
        return self._snapshot_cache[1]

    def snapshot(self) -> dict[str, Any]:
        """What a board is sent when it connects: the figures as of the last push (later deltas build on it)."""
        now = self.clock.now()
        queues = {n: {**q, "longest_wait": _live_wait(q, now)} for n, q in self._sent_queues.items()}
        totals = {**self._sent_totals, "longest_wait": _live_wait(self._sent_totals, now)}
        s, seat = self.settings, self._discipline()  # the away thresholds are seat discipline's
        return {"type": "snapshot", "at": now, "timezone": self.timezone,
                "settings": {"away_warning_minutes": seat.warning_minutes,
                             "away_violation_minutes": seat.violation_minutes,
                             "sl_alert_minutes": s.sl_alert_minutes, "push_interval_ms": s.push_interval_ms,
                             "chart_step_seconds": s.chart_step_seconds, "chart_hours": s.chart_hours},
                "queues": queues, "totals": totals, "agents": dict(self._sent_agents),
                "alerts": list(self.alerts.values()), "series": list(self.series),
                "leave_requests": dict(self._sent_requests),
                "pause_reasons": self.acd.reason_list()}

    def figures_since(self, queue: str, since: datetime) -> dict[str, Any]:
        """One queue's live waiting count and its counts since ``since``, computed now (the exactness check)."""
        return {"waiting": len(self.fig.waiting(queue)), **window_figures(self.fig.span(queue, since))}


def _live_wait(q: dict[str, Any], now: datetime) -> float:
    oldest = q.get("oldest_queued_at")
    return round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0
