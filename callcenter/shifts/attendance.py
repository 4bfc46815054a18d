"""Attendance: for every rostered (date, shift, agent), the first login and last logout from the agent state log,
and the findings of :func:`callcenter.shifts.rules.evaluate` (late, absence, early leave, left before relief, early
arrival), stored in ``shift_attendance``.

Live: a periodic check (``shifts.check_interval_seconds``; also woken by every login and logout) evaluates the
shifts whose login window has opened and that are not over yet, at the injected clock's now, with the ACD's
in-memory state on top of the state log (which is written behind); so a late login is recorded once start +
``late_minutes`` passes with nobody logged in, absence at the shift end. Recompute: the same evaluation of a whole
day from stored data only (state log, roster, approved leave), replacing that day's rows; for a day that is over it
gives the rows the live check stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.settings import ShiftSettings
from callcenter.shifts.common import Actor, Audit, iso, minutes, no_audit
from callcenter.shifts.errors import ATTENDANCE_RANGE_TOO_LONG, RANGE_REVERSED
from callcenter.shifts.models import AttendanceRecord, RosterEntry, ShiftLeave, ShiftTemplate
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.rules import (
    Attendance,
    Finding,
    LiveState,
    Relief,
    Session,
    Slot,
    Thresholds,
    covers,
    evaluate,
    patch_live,
    sessions_from_log,
)

log = logging.getLogger(__name__)
# a login this long before the earliest login window is still read, to tell a login from a carried-over session
LOOKBACK = timedelta(hours=12)
OnFinding = Callable[[str, dict[str, Any]], Awaitable[None] | None]


def finding_out(slot: Slot, f: Finding) -> dict[str, Any]:
    return {"roster_id": slot.roster_id, "day": slot.day.isoformat(), "shift": slot.shift,
            "template_id": slot.template_id, "username": slot.username, "kind": f.kind, "seconds": f.seconds,
            "minutes": minutes(f.seconds), "at": iso(f.at), "open": f.open, "seat": f.seat or None,
            "detail": f.detail or None}


def record_out(r: AttendanceRecord) -> dict[str, Any]:
    return {"id": r.id, "roster_id": r.roster_id, "day": r.day.isoformat(), "shift": r.shift,
            "template_id": r.template_id, "username": r.username, "kind": r.kind, "seconds": r.seconds,
            "minutes": minutes(r.seconds), "at": iso(r.at), "open": r.open, "seat": r.seat or None,
            "detail": r.detail or None, "recorded_at": iso(r.recorded_at), "updated_at": iso(r.updated_at)}


FINDING_KEYS = ("roster_id", "day", "shift", "template_id", "username", "kind", "seconds", "minutes", "at", "open",
                "seat", "detail")


@dataclass
class Evaluated:
    entry: RosterEntry
    template: ShiftTemplate
    att: Attendance
    leave: ShiftLeave | None  # the approved leave excusing it, if any


class AttendanceService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
                 settings: ShiftSettings, *, live: Callable[[], dict[str, LiveState]] | None = None,
                 on_finding: OnFinding | None = None, audit: Audit = no_audit) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = tz
        self.settings = settings
        self.th = Thresholds(late=timedelta(minutes=settings.late_minutes),
                             early_arrival=timedelta(minutes=settings.early_arrival_minutes),
                             login_window=timedelta(minutes=settings.login_window_minutes),
                             relief_gap=timedelta(minutes=settings.relief_gap_minutes),
                             relief_grace=timedelta(seconds=settings.relief_grace_seconds))
        self.live = live
        self.on_finding = on_finding
        self.audit = audit
        self._final: set[int] = set()  # roster ids whose evaluation cannot change any more (this process)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._kick: asyncio.Event | None = None

    # the live loop ------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._kick = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="shift-attendance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        assert self._kick is not None
        while True:
            try:
                await asyncio.wait_for(self._kick.wait(), self.settings.check_interval_seconds)
            except TimeoutError:
                pass
            self._kick.clear()
            try:
                await self.check()
            except Exception:
                log.exception("shift attendance check failed")

    async def on_agent(self, agent: Any, prev: str, event: dict[str, Any]) -> None:
        """ACD listener: a login or a logout wakes the live check."""
        if (prev == "logged_out") != (agent.state == "logged_out") and self._kick is not None:
            self._kick.set()

    # evaluation ---------------------------------------------------------------------------------------------
    async def _sessions(self, s: AsyncSession, names: set[str], since: datetime, until: datetime
                        ) -> dict[str, list[Session]]:
        """Each agent's login sessions from the state log since ``since``: only the rows where the agent logs in or
        out are read (the first row after a ``logged_out`` one, and the ``logged_out`` rows). An agent's first row
        in the span that is not a login (a login is stored as paused/not_ready, ``AgentService.login``) means they
        were logged in already: that session is taken to start at ``since`` (carried over)."""
        if not names:
            return {}
        rows = await self.repo.login_rows(s, sorted(names), since, until)
        per: dict[str, list[tuple[str, datetime, str | None]]] = defaultdict(list)
        for username, state, reason, at, ext, before in rows:
            if before is None and state != "logged_out" and not (state == "paused" and reason == "not_ready"):
                at = since
            per[username].append((state, at, ext))
        return {u: sessions_from_log(r) for u, r in per.items()}

    async def _evaluate(self, s: AsyncSession, entries: list[tuple[RosterEntry, ShiftTemplate]], now: datetime,
                        live: bool) -> list[Evaluated]:
        if not entries:
            return []
        th = self.th
        lo = min(e.starts_at for e, _ in entries) - th.login_window - timedelta(days=1)
        hi = max(e.ends_at for e, _ in entries) + th.relief_gap + timedelta(days=1)
        around = await self.repo.shifts_starting(s, lo, hi)
        by_user: dict[str, list[RosterEntry]] = defaultdict(list)
        by_seat: dict[str, list[tuple[RosterEntry, ShiftTemplate]]] = defaultdict(list)
        for o, ot in around:
            by_user[o.username].append(o)
            if o.seat:
                by_seat[o.seat].append((o, ot))

        def window_start(e: RosterEntry) -> datetime:
            ws = e.starts_at - th.login_window
            for o in by_user.get(e.username, []):
                if o.id != e.id and ws < o.ends_at <= e.starts_at:
                    ws = o.ends_at  # the login window begins when the agent's previous shift ends
            return ws

        windows = {e.id: window_start(e) for e, _ in entries}
        names = {e.username for e, _ in entries} | {o.username for o, _ in around if o.seat}
        sessions = await self._sessions(s, names, min(windows.values()) - LOOKBACK, now)
        if live and self.live is not None:
            states = self.live()
            sessions = {u: patch_live(sessions.get(u, []), states.get(u)) for u in names}
        days = [o.day for o, _ in around]
        leaves = await self.repo.leaves_of(s, sorted(names), ("approved",), min(days), max(days))
        leaves_of: dict[str, list[ShiftLeave]] = defaultdict(list)
        for lv in leaves:
            leaves_of[lv.username].append(lv)

        def leave_for(e: RosterEntry) -> ShiftLeave | None:
            return next((lv for lv in leaves_of.get(e.username, [])
                         if covers(lv.start_day, lv.end_day, lv.template_id, e.day, e.template_id)), None)

        out = []
        for e, t in entries:
            def relief_of(seat: str, e: RosterEntry = e) -> Relief | None:
                cands = [(o, ot) for o, ot in by_seat.get(seat, []) if o.id != e.id and o.username != e.username
                         and e.starts_at < o.starts_at <= e.ends_at + th.relief_gap]
                if not cands:
                    return None
                o, ot = min(cands, key=lambda c: (c[0].starts_at, c[0].id))
                return Relief(o.username, o.id, ot.name, o.starts_at, tuple(sessions.get(o.username, [])),
                              leave_for(o) is not None)

            slot = Slot(e.id, e.day, e.template_id, t.name, e.username, e.seat, e.starts_at, e.ends_at)
            leave = leave_for(e)
            att = evaluate(slot, sessions.get(e.username, []), now, th, window_start=windows[e.id],
                           excused=leave is not None, relief_of=relief_of,
                           sick=leave is not None and leave.kind == "sick")
            out.append(Evaluated(e, t, att, leave))
        return out

    async def _store(self, s: AsyncSession, evaluated: list[Evaluated], now: datetime
                     ) -> list[tuple[str, dict[str, Any]]]:
        """Make the stored rows of these entries match their findings; returns (new|changed|removed, row)."""
        ids = [x.entry.id for x in evaluated]
        existing: dict[tuple[int, str], AttendanceRecord] = {}
        for rec in await self.repo.records_of(s, ids):
            existing[(rec.roster_id, rec.kind)] = rec
        changes: list[tuple[str, dict[str, Any]]] = []
        for x in evaluated:
            e, att = x.entry, x.att
            for f in att.findings:
                r = existing.pop((e.id, f.kind), None)
                values = {"seconds": f.seconds, "at": f.at, "open": f.open, "seat": f.seat,
                          "detail": f.detail or None}
                if r is None:
                    r = AttendanceRecord(roster_id=e.id, day=e.day, template_id=e.template_id, shift=att.slot.shift,
                                         username=e.username, kind=f.kind, recorded_at=now, **values)
                    s.add(r)
                    changes.append(("new", finding_out(att.slot, f)))
                elif any(getattr(r, k) != v for k, v in values.items()) or r.username != e.username:
                    for k, v in values.items():
                        setattr(r, k, v)
                    r.username = e.username
                    r.updated_at = now
                    changes.append(("changed", finding_out(att.slot, f)))
        for r in existing.values():
            changes.append(("removed", {k: v for k, v in record_out(r).items() if k in FINDING_KEYS}))
            await s.delete(r)
        await s.commit()
        return changes

    async def _notify(self, changes: list[tuple[str, dict[str, Any]]]) -> None:
        if self.on_finding is None:
            return
        for change, row in changes:
            if change == "new" and row["kind"] not in ("early_arrival", "sick_leave"):
                try:
                    r = self.on_finding(row["kind"], row)
                    if asyncio.iscoroutine(r):
                        await r
                except Exception:
                    log.exception("shift finding listener failed")

    async def check(self) -> list[tuple[str, dict[str, Any]]]:
        """The live check: shifts whose login window has opened and that ended at most two days ago (and whose
        evaluation can still change), at now."""
        now = self.clock.now()
        async with self._lock, self.repo.session() as s:
            rows = await self.repo.shifts_around(s, now + self.th.login_window, now - timedelta(days=2))
            self._final &= {e.id for e, _ in rows}  # forget shifts out of the scope
            entries = [(e, t) for e, t in rows if e.id not in self._final]
            evaluated = await self._evaluate(s, entries, now, live=True)
            changes = await self._store(s, evaluated, now)
        for x in evaluated:
            if x.att.final(now, self.th):
                self._final.add(x.entry.id)
        await self._notify(changes)
        return changes

    async def refresh(self, days: Iterable[date]) -> None:
        """Re-evaluate (live) the shifts of these dates, e.g. after a leave decision."""
        days = sorted(set(days))
        if not days:
            return
        now = self.clock.now()
        async with self._lock, self.repo.session() as s:
            entries = await self.repo.shifts_on(s, days, starts_by=now + self.th.login_window)
            evaluated = await self._evaluate(s, entries, now, live=True)
            changes = await self._store(s, evaluated, now)
        await self._notify(changes)

    async def recompute_day(self, actor: Actor | None, day: date) -> dict[str, Any]:
        """Rebuild a day's rows from stored data only (state log, roster, approved leave)."""
        now = self.clock.now()
        async with self._lock, self.repo.session() as s:
            entries = await self.repo.shifts_on(s, [day])
            evaluated = await self._evaluate(s, entries, now, live=False)
            changes = await self._store(s, evaluated, now)
        rows = sorted((finding_out(x.att.slot, f) for x in evaluated for f in x.att.findings),
                      key=lambda r: (r["roster_id"], r["kind"]))
        if actor is not None:
            await self.audit(actor.username, "shifts.attendance.recompute", f"day:{day}",
                             {"rows": len(rows), "changes": [{"change": c, "roster_id": r["roster_id"],
                                                              "kind": r["kind"]} for c, r in changes]})
        return {"day": day.isoformat(), "as_of": iso(now), "rows": rows,
                "changes": [{"change": c, **r} for c, r in changes]}

    # reads ----------------------------------------------------------------------------------------------------
    async def records(self, *, day: date | None = None, start: date | None = None, end: date | None = None,
                      username: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            rows = await self.repo.records(s, day=day, start=start, end=end, username=username, kind=kind)
            return [record_out(r) for r in rows]

    async def evaluate_day(self, day: date, live: bool = True) -> tuple[datetime, list[Evaluated],
                                                                         dict[int, ShiftLeave]]:
        """Every roster entry of ``day`` evaluated at now (not stored), with any pending leave per entry."""
        now = self.clock.now()
        async with self.repo.session() as s:
            entries = await self.repo.shifts_on(s, [day], by_start=True)
            evaluated = await self._evaluate(s, entries, now, live=live)
            names = sorted({e.username for e, _ in entries})
            pending: dict[int, ShiftLeave] = {}
            if names:
                for lv in await self.repo.leaves_of(s, names, ("pending",), day, day):
                    for e, _ in entries:
                        if e.username == lv.username and covers(lv.start_day, lv.end_day, lv.template_id, e.day,
                                                                  e.template_id):
                            pending.setdefault(e.id, lv)
        return now, evaluated, pending

    @staticmethod
    def check_day_range(start: date, end: date, most: int = 62) -> None:
        if end < start:
            raise RANGE_REVERSED(field="to")
        if (end - start).days >= most:
            raise ATTENDANCE_RANGE_TOO_LONG({"most": most}, field="to")
