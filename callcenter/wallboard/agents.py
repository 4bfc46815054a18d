"""The board's people: one row per agent logged in at a seat (the ACD's agent, the caller of its current call, its
calls answered today, its away state as seat discipline sees it) and the pending leave-seat requests.

Away time, levels and thresholds are seat discipline's (``callcenter.seat``: its episodes count the phone being
unreachable too, an approved absence is not a violation); the board only shows them. Rows are recomputed when
something marked them (a state change, a seat-discipline change, a new day) and while the agent is away (the level
moves with the clock).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from callcenter.acd.service import Agent, AgentService
from callcenter.calls.service import CallTracker
from callcenter.wallboard.figures import day_start, local_date
from callcenter.wallboard.queues import AcdRepo


class SeatDiscipline(Protocol):
    """Seat discipline (``callcenter.seat.service.SeatService``): the away rule's state and thresholds, the
    leave-seat requests."""

    @property
    def warning_minutes(self) -> float: ...

    @property
    def violation_minutes(self) -> float: ...

    def watch(self, watcher: Any) -> None: ...

    def away_status(self, username: str, now: datetime | None = None) -> dict[str, Any] | None: ...

    def pending_requests(self) -> list[dict[str, Any]]: ...


class SeatLink:
    """Seat discipline as the board's parts read it. It is attached after both are built (the ACD's listeners hear
    the board before seat discipline: ``wallboard.wiring.attach_seat_discipline``); the board has no away rule of
    its own, so reading it before then is a wiring error."""

    def __init__(self) -> None:
        self._seat: SeatDiscipline | None = None

    def attach(self, seat: SeatDiscipline) -> None:
        self._seat = seat

    def __call__(self) -> SeatDiscipline:
        if self._seat is None:
            raise RuntimeError("the board shows seat discipline's away state and thresholds: attach it first "
                               "(callcenter.wallboard.wiring.attach_seat_discipline)")
        return self._seat


class AgentRows:
    """The agents' rows; ``sent`` holds each row as last pushed (the snapshot's ``agents``)."""

    def __init__(self, timezone: str, now: datetime, tracker: CallTracker, acd: AgentService,
                 seat: SeatLink) -> None:
        self.tz = ZoneInfo(timezone)
        self.tracker = tracker
        self.acd = acd
        self.seat = seat
        self.calls_today: dict[str, int] = {}
        self._day = local_date(now, self.tz)
        self.sent: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()

    # inputs ----------------------------------------------------------------------------------------------------
    def mark(self, username: str) -> None:
        """That agent's row goes out with the next push (if it changed)."""
        self._dirty.add(username)

    def on_agent(self, a: Agent, prev: str, now: datetime) -> None:
        """An agent's state changed; an answered call counts on the day it was answered."""
        if a.state == "on_call" and prev != "on_call":
            at = a.since or now
            self.roll_day(at)
            if local_date(at, self.tz) == self._day:
                self.calls_today[a.username] = self.calls_today.get(a.username, 0) + 1
        self.mark(a.username)

    def roll_day(self, at: datetime) -> None:
        """Midnight in the centre's timezone passed: a new day of answered calls per agent."""
        day = local_date(at, self.tz)
        if day > self._day:
            self._day = day
            self.calls_today = {}
            self._dirty.update(self.sent)

    async def load(self, now: datetime, acd_repo: AcdRepo) -> None:
        """The agents' calls answered today, from the state log."""
        self._day = local_date(now, self.tz)
        self.calls_today = await acd_repo.calls_answered_since(day_start(now, self.tz))

    # rows ------------------------------------------------------------------------------------------------------
    def row(self, a: Agent, now: datetime) -> dict[str, Any]:
        row = a.public()
        st = self.tracker.call(a.call_uniqueid or "")
        away = self.seat().away_status(a.username, now)
        row.update({"caller_number": st.caller_number if st else None,
                    "calls_today": self.calls_today.get(a.username, 0),
                    "away": away is not None, "away_since": away["since"] if away else None,
                    "away_level": away["level"] if away else "ok",
                    "away_sources": away["active_sources"] if away else [],
                    "away_approved_until": away["approved_until"] if away else None})
        return row

    def changes(self, now: datetime) -> dict[str, Any]:
        """The delta's ``agents`` (rows that changed: of the agents marked, new or away) and ``agents_gone``
        (logged out)."""
        agents: dict[str, dict[str, Any]] = {}
        seated = {a.username: a for a in self.acd.by_ext.values()}
        for username, a in seated.items():
            if username in self._dirty or username not in self.sent or self.sent[username].get("away"):
                row = self.row(a, now)
                if row != self.sent.get(username):
                    agents[username] = row
                    self.sent[username] = row
        gone = [u for u in self.sent if u not in seated]
        for u in gone:
            del self.sent[u]
        self._dirty.clear()
        out: dict[str, Any] = {}
        if agents:
            out["agents"] = agents
        if gone:
            out["agents_gone"] = gone
        return out


class LeaveRequests:
    """The leave-seat requests waiting for a team lead (seat discipline's); ``sent`` as last pushed, by id."""

    def __init__(self, seat: SeatLink) -> None:
        self.seat = seat
        self.sent: dict[str, dict[str, Any]] = {}

    def changes(self) -> dict[str, Any]:
        """The delta's ``leave_requests`` (new or changed) and ``leave_requests_gone`` (decided or lapsed)."""
        requests = {str(r["id"]): r for r in self.seat().pending_requests()}
        changed = {k: r for k, r in requests.items() if self.sent.get(k) != r}
        gone = [k for k in self.sent if k not in requests]
        self.sent = requests
        out: dict[str, Any] = {}
        if changed:
            out["leave_requests"] = changed
        if gone:
            out["leave_requests_gone"] = gone
        return out
