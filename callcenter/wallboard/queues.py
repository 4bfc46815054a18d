"""The board's queues: which queues it shows (ids, display names, thresholds, from the directory), their call
figures (``figures.Figures``, fed by every call change and by the agents' wrap-ups after a call), how many agents
serve each, and which queue rows changed since the last push.

Restart: the figures come from the stored calls (:meth:`QueueFigures.load`), the wrap-ups from the agent state log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from callcenter.acd.pop import split_label
from callcenter.acd.service import Agent, AgentService
from callcenter.calls.service import CallTracker
from callcenter.settings import WallboardSettings
from callcenter.wallboard.figures import Figures, window_figures

AGENT_STATES = ("ready", "ringing", "on_call", "wrapup", "paused")


class Calls(Protocol):
    async def queued_since(self, since: datetime) -> list[Any]: ...


class Directory(Protocol):
    """The directory's repository: the queues (their ids, display names and thresholds)."""

    async def queues(self, active_only: bool = False) -> list[Any]: ...


class AcdRepo(Protocol):
    """The ACD's state log: answered calls and wrap-ups."""

    async def calls_answered_since(self, since: datetime) -> dict[str, int]: ...

    async def wrapups_since(self, since: datetime) -> list[tuple[str, str | None, datetime, datetime | None]]: ...


class QueueFigures:
    """Every queue's row of the board (and the totals, name ``*``), computed from the figures and the ACD's
    agents; :meth:`changes` keeps what was last pushed (``sent``, ``sent_totals``: what the snapshot shows)."""

    def __init__(self, settings: WallboardSettings, timezone: str, tracker: CallTracker, acd: AgentService,
                 calls: Calls, acd_repo: AcdRepo, directory: Directory) -> None:
        self.settings = settings
        self.tracker = tracker
        self.acd = acd
        self.calls = calls
        self.acd_repo = acd_repo
        self.directory = directory
        self.info: dict[str, dict[str, Any]] = {}  # name → display_name, thresholds
        self.fig = Figures(timezone, [(s.name, s.start) for s in settings.shifts],
                           lambda q: int(self.info.get(q, {}).get("service_level_seconds", 20)))
        self._wrapups: dict[str, tuple[datetime, str | None]] = {}  # agent in wrap-up → (since, queue of the call)
        self.sent: dict[str, dict[str, Any]] = {}
        self.sent_totals: dict[str, Any] = {}

    # inputs ----------------------------------------------------------------------------------------------------
    async def reload(self) -> None:
        """Queue names, labels and thresholds (start, and after an admin changed queues)."""
        # ids stay the keys; people read the display name, in their language when it is written "English / 中文"
        self.info = {q.name: {"name": q.name, "display_name": q.display_name or q.name,
                              "labels": split_label(q.display_name or q.name),
                              "service_level_seconds": q.service_level_seconds,
                              "service_level_target": q.service_level_target,
                              "max_wait_seconds": q.max_wait_seconds}
                     for q in await self.directory.queues(active_only=True)}

    def observe(self, st: Any) -> bool:
        """A call changed: fold it in; whether any queue's figures changed."""
        return self.fig.observe(st) is not None

    def on_agent(self, a: Agent, prev: str) -> None:
        """An agent's state changed: a wrap-up that ended counts in the handle time of its call's queue."""
        if prev == "wrapup" and a.state != "wrapup":
            started = self._wrapups.pop(a.username, None)
            if started is not None and a.since is not None:
                self.fig.wrapup_done(started[1], a.since, (a.since - started[0]).total_seconds())
        if a.state == "wrapup" and prev != "wrapup" and a.since is not None:
            self._wrapups[a.username] = (a.since, a.call_queue)

    async def load(self, now: datetime) -> list[Any]:
        """The figures from the stored calls since the horizon and the calls still in progress (those the tracker
        loaded), the wrap-ups from the state log; returns those calls (the chart is rebuilt from them)."""
        horizon = self.horizon(now)
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
        return [*stored, *open_calls]

    def horizon(self, now: datetime) -> datetime:
        """The oldest call fact a window or the chart may still need."""
        return self.fig.horizon(now, self.settings.chart_hours)

    def prune(self, now: datetime) -> None:
        self.fig.prune(self.horizon(now))

    # figures ---------------------------------------------------------------------------------------------------
    def _agent_counts(self) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
        per: dict[str, dict[str, int]] = {q: dict.fromkeys(("logged_in", *AGENT_STATES), 0) for q in self.info}
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

    def figures(self, now: datetime) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Every queue's figures and the totals, computed now."""
        per_agents, total_agents = self._agent_counts()
        queues = {}
        for name, info in self.info.items():
            queues[name] = {**info, **self.fig.queue_figures(name, now), "agents": per_agents[name]}
        totals = {"name": "*", "display_name": "*", "service_level_seconds": None, "service_level_target": None,
                  "max_wait_seconds": None, **self.fig.queue_figures(None, now), "agents": total_agents}
        return queues, totals

    def since(self, queue: str, since: datetime) -> dict[str, Any]:
        """One queue's live waiting count and its counts since ``since``, computed now (the exactness check)."""
        return {"waiting": len(self.fig.waiting(queue)), **window_figures(self.fig.span(queue, since))}

    # pushing ---------------------------------------------------------------------------------------------------
    def changes(self, now: datetime) -> dict[str, Any]:
        """The delta's ``queues`` (rows that changed), ``queues_gone`` (an admin disabled or removed it) and
        ``totals``, each only when there is something; what is computed now becomes what was sent."""
        queues, totals = self.figures(now)
        out: dict[str, Any] = {}
        changed = {n: q for n, q in queues.items() if _steady(q) != _steady(self.sent.get(n, {}))}
        if changed:
            out["queues"] = changed
        gone = [n for n in self.sent if n not in queues]
        if gone:
            out["queues_gone"] = gone
        if _steady(totals) != _steady(self.sent_totals):
            out["totals"] = totals
        self.sent = queues
        self.sent_totals = totals
        return out

    def as_sent(self, now: datetime) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """The queues and totals as of the last push, with the longest wait as it is now (the snapshot)."""
        queues = {n: {**q, "longest_wait": _live_wait(q, now)} for n, q in self.sent.items()}
        totals = {**self.sent_totals, "longest_wait": _live_wait(self.sent_totals, now)}
        return queues, totals


def _steady(q: dict[str, Any]) -> dict[str, Any]:
    """A queue's figures without the ones that move every instant (the browser ticks those itself)."""
    return {k: v for k, v in q.items() if k != "longest_wait"}


def _live_wait(q: dict[str, Any], now: datetime) -> float:
    oldest = q.get("oldest_queued_at")
    return round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0
