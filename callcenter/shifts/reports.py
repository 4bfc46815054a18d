"""Reports: violations per agent per month, and the daily attendance sheet, each as JSON and CSV.

The monthly report counts the stored attendance rows of the month's shift dates (``shift_attendance``, rebuilt from
the state log by ``recompute``) and the away-from-desk findings of the seat-discipline package (``away_episodes``
with a ``violation_at``, by the local date the episode started; minutes = the whole episode, up to now while still
open; and the unapproved short absences). Its ``violations`` are the two the regulations name: late by
``late_minutes`` or more, and away ``away_violation_minutes`` or more; absence, early leave and the unapproved short
absences are their own columns, not counted as violations. The sheet evaluates every roster entry of the day from
the state log at now.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.shifts.attendance import Evaluated
from callcenter.shifts.common import iso, minutes, to_csv
from callcenter.shifts.errors import BAD_MONTH
from callcenter.shifts.models import ShiftLeave
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.rules import Attendance

COUNTED = ("late", "away")  # the violations the regulations name (late >= 20 min, away >= 20 min)


def month_bounds(month: str) -> tuple[date, date]:
    try:
        y, m = (int(x) for x in month.split("-"))
        first = date(y, m, 1)
    except ValueError:
        raise BAD_MONTH({"month": month}, field="month") from None
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


async def monthly_violations(repo: ShiftRepository, s: AsyncSession, tz: ZoneInfo, month: str, now: datetime
                             ) -> dict[str, Any]:
    first, last = month_bounds(month)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "late_count": 0, "late_seconds": 0, "away_count": 0, "away_seconds": 0, "absence_count": 0,
        "early_leave_count": 0, "early_leave_seconds": 0, "left_before_relief_count": 0, "early_arrival_count": 0,
        "sick_leave_count": 0, "unapproved_absence_count": 0, "shifts": 0})
    for username in await repo.rostered(s, first, last):
        per[username]["shifts"] += 1
    for r in await repo.records(s, day=None, start=first, end=last, username=None, kind=None):
        a = per[r.username]
        a[f"{r.kind}_count"] += 1
        if f"{r.kind}_seconds" in a:
            a[f"{r.kind}_seconds"] += r.seconds
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    for ep in await repo.away_findings(s, start, end):
        a = per[ep.username]
        if ep.violation_at is None:
            a["unapproved_absence_count"] += 1
            continue
        a["away_count"] += 1
        a["away_seconds"] += int(((ep.ended_at or now) - ep.started_at).total_seconds())
    agents = []
    for username in sorted(per):
        a = per[username]
        agents.append({
            "username": username, "shifts": a["shifts"],
            "late_count": a["late_count"], "late_minutes": minutes(a["late_seconds"]),
            "away_count": a["away_count"], "away_minutes": minutes(a["away_seconds"]),
            "absence_count": a["absence_count"],
            "early_leave_count": a["early_leave_count"], "early_leave_minutes": minutes(a["early_leave_seconds"]),
            "left_before_relief_count": a["left_before_relief_count"],
            "early_arrival_count": a["early_arrival_count"],
            "violations": sum(a[f"{k}_count"] for k in COUNTED),
            "unapproved_absence_count": a["unapproved_absence_count"], "sick_leave_count": a["sick_leave_count"]})
    return {"month": month, "timezone": str(tz.key), "as_of": iso(now), "agents": agents}


VIOLATIONS_HEADER = ["month", "username", "shifts", "late_count", "late_minutes", "away_count", "away_minutes",
                     "absence_count", "early_leave_count", "early_leave_minutes", "left_before_relief_count",
                     "early_arrival_count", "violations", "unapproved_absence_count", "sick_leave_count"]


def violations_csv(report: dict[str, Any]) -> bytes:
    return to_csv(VIOLATIONS_HEADER, ([report["month"], *[a[k] for k in VIOLATIONS_HEADER[1:]]]
                                      for a in report["agents"]))


def sheet(day: date, now: datetime, evaluated: list[Evaluated], pending: dict[int, ShiftLeave],
          tz: ZoneInfo) -> dict[str, Any]:
    rows = []
    for x in evaluated:
        e, t, att = x.entry, x.template, x.att

        def mins(kind: str, att: Attendance = att) -> float | None:
            f = att.finding(kind)
            return minutes(f.seconds) if f else None

        late = att.finding("late")
        relief = att.finding("left_before_relief")
        leave = x.leave or pending.get(e.id)
        rows.append({
            "roster_id": e.id, "day": e.day.isoformat(), "shift": t.name, "template_id": t.id,
            "local_start": t.start, "local_end": t.end, "starts_at": iso(e.starts_at), "ends_at": iso(e.ends_at),
            "username": e.username, "job": e.job, "skill_level": e.skill_level, "seat": e.seat or None,
            "first_login": iso(att.first_login), "last_logout": iso(att.last_logout), "logged_in": att.logged_in,
            "carried_over": att.carried_over,
            "early_arrival_minutes": mins("early_arrival"),
            "late_minutes": mins("late"), "late_open": bool(late and late.open),
            "absent": att.finding("absence") is not None,
            "sick_leave": att.finding("sick_leave") is not None,
            "early_leave_minutes": mins("early_leave"),
            "left_before_relief": relief.detail.get("relief") if relief else None,
            "leave": None if leave is None else {"id": leave.id, "status": leave.status, "kind": leave.kind,
                                                 "required_level": leave.required_level},
        })
    return {"day": day.isoformat(), "timezone": str(tz.key), "as_of": iso(now), "rows": rows}


SHEET_HEADER = ["day", "shift", "local_start", "local_end", "username", "job", "skill_level", "seat", "first_login",
                "last_logout", "early_arrival_minutes", "late_minutes", "absent", "early_leave_minutes",
                "left_before_relief", "leave_id", "leave_status", "leave_kind"]


def sheet_csv(report: dict[str, Any], tz: ZoneInfo) -> bytes:
    def local(v: str | None) -> str | None:
        if v is None:
            return None
        return datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    return to_csv(SHEET_HEADER, ([
        r["day"], r["shift"], r["local_start"], r["local_end"], r["username"], r["job"], r["skill_level"], r["seat"],
        local(r["first_login"]), local(r["last_logout"]), r["early_arrival_minutes"], r["late_minutes"],
        "yes" if r["absent"] else "", r["early_leave_minutes"], r["left_before_relief"],
        r["leave"]["id"] if r["leave"] else None, r["leave"]["status"] if r["leave"] else None,
        r["leave"]["kind"] if r["leave"] else None]
        for r in report["rows"]))
