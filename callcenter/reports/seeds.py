"""The seeds' reports (issue 17, part 2; docs/reports.md "The seeds' reports"), computed on demand from the stored
tables — no table of their own:

- the daily and weekly **workload** per agent and per team (the team is the queue of the contact: the product has
  no teams): consultations, queries, business handled, complaints, suggestions, fault reports (service records by
  category, cases by type, as ``settings.seed_reports`` maps them) and proactive service (the agent's outbound
  calls);
- the weekly **case summary** (accepted, dispatched, chased, fed back, called back, closed, overdue) per case type;
- the weekly **satisfaction analysis** (the four points × four levels, by channel, per agent);
- the monthly **service-quality analysis** (QC by criterion and agent, the customers' ratings, complaint causes,
  SLA compliance of the cases' clocks, the call-back rate, attendance violations), the previous month beside;
- the agent's monthly **appraisal** (weighted parts on a 100-point scale, the house's grade bands).

Every read is bounded by the period and uses an index: service records by (author, created_at), cases by
(state, accepted_at), calls by (direction, arrived_at), QC samples by month, evaluations by submitted_at, the
call-back tasks by due_at, the responsibility reviews by month, the attendance rows by day. Surveys have no index
on ``taken_at`` (the weekly satisfaction reads them by the rated months, filtered by ``taken_at``)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.callbacks.models import CallbackTask
from callcenter.calls.models import Call
from callcenter.cases.config import CLOCKS
from callcenter.cases.models import STATES as CASE_STATES
from callcenter.cases.models import TYPES as CASE_TYPES
from callcenter.cases.models import Case, CaseCall, CaseClockEvent, CaseReview
from callcenter.clock import Clock
from callcenter.customers.models import ServiceRecord
from callcenter.qc.forms import grade_of, total_of
from callcenter.qc.repository import QcRepository
from callcenter.reports.seeds_config import FIGURES, PARTS, SeedReportSettings
from callcenter.reports.seeds_errors import BAD_MONTH, NOT_KEPT
from callcenter.surveys.models import POINTS, Survey
from callcenter.surveys.service import AgentMonth

CASE_FIGURES = ("accepted", "dispatched", "chased", "fed_back", "called_back", "closed", "overdue")
CALLED_BACK = ("reached", "refused", "problem_stands", "unreachable")  # a task closed (not cancelled)
LEVEL_KEYS = ("1", "2", "3", "4")
Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]


class RateRow(Protocol):
    key: str
    due: int
    closed_in_time: int
    closed_late: int
    open: int

    @property
    def rate(self) -> float | None: ...


class CallbackRate(Protocol):
    """``CallbackDesk.rate``: the call-back rate over due times in [since, until): in all, per period, per agent."""

    async def __call__(self, username: str, since: datetime, until: datetime, period: str
                      ) -> tuple[Any, list[Any], list[Any]]: ...


class ClockStatesOf(Protocol):
    """``ClockView.states``: each case's clock states at the clock's now."""

    async def __call__(self, cases: Sequence[Case]) -> Any: ...


@dataclass(frozen=True)
class Period:
    kind: str  # day, week, month
    label: str  # 2026-12-01, 2026-W49, 2026-12
    first: date
    last: date  # inclusive
    start: datetime  # UTC, the first day's 00:00 local
    end: datetime  # UTC, the day after the last's 00:00 local

    def out(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "first": self.first.isoformat(),
                "last": self.last.isoformat(), "start": _iso(self.start), "end": _iso(self.end)}


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def day_period(d: date, tz: ZoneInfo) -> Period:
    return Period("day", d.isoformat(), d, d, *_bounds(d, d, tz))


def week_period(d: date, tz: ZoneInfo) -> Period:
    """The week (Monday to Sunday, the centre's days) holding ``d``."""
    monday = d - timedelta(days=d.weekday())
    y, w, _ = monday.isocalendar()
    sunday = monday + timedelta(days=6)
    return Period("week", f"{y}-W{w:02d}", monday, sunday, *_bounds(monday, sunday, tz))


def parse_month(month: str) -> tuple[int, int]:
    try:
        y, m = (int(x) for x in month.split("-"))
        date(y, m, 1)
    except ValueError:
        raise BAD_MONTH({"month": month}, field="month") from None
    if len(month) != 7:
        raise BAD_MONTH({"month": month}, field="month")
    return y, m


def month_period(month: str, tz: ZoneInfo) -> Period:
    y, m = parse_month(month)
    first = date(y, m, 1)
    last = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    return Period("month", month, first, last, *_bounds(first, last, tz))


def previous_month(month: str) -> str:
    y, m = parse_month(month)
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return f"{y:04d}-{m:02d}"


def _ratio(n: float, d: float, digits: int = 4) -> float | None:
    return round(n / d, digits) if d else None


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _points(a: AgentMonth) -> dict[str, dict[str, Any]]:
    return {p: {"levels": {str(lv): n for lv, n in r.levels.items()}, "answered": r.answered,
                "average": r.average, "satisfied_share": r.satisfied_share} for p, r in a.points.items()}


def _satisfied(a: AgentMonth) -> float | None:
    """The share of answered points at very satisfied or satisfied, over the four points together."""
    answered = sum(r.answered for r in a.points.values())
    return _ratio(sum(r.levels[1] + r.levels[2] for r in a.points.values()), answered)


def _survey_block(a: AgentMonth) -> dict[str, Any]:
    return {"surveys": a.surveys, "complete": a.complete, "poor": a.poor, "satisfied_share": _satisfied(a),
            "points": _points(a)}


# CSV: the house's way (UTF-8 with BOM, CRLF, a text cell a spreadsheet would run as a formula written with ') ---
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def tables_csv(report: dict[str, Any]) -> bytes:
    """A report's tables one after another: the table's name on its own line, its header, its rows, a blank
    line. UTF-8 with BOM (Excel reads the Chinese names), CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["report", report["report"], "period", report["period"]["label"]])
    for t in report["tables"]:
        w.writerow([])
        w.writerow([t["key"]])
        w.writerow(t["columns"])
        for row in t["rows"]:
            w.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _table(key: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"key": key, "columns": list(columns), "rows": [list(r) for r in rows]}


@dataclass
class SeedReports:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    timezone: str
    settings: SeedReportSettings
    audit: Audit
    users: Callable[[], Awaitable[list[User]]]
    callback_rate: CallbackRate
    violations: Callable[[str], Awaitable[dict[str, Any]]]
    clock_states: ClockStatesOf
    kept_dir: Path | None = None  # where the generated monthly analyses are kept (None: not kept)
    tell: Callable[[str, str, datetime], None] | None = None  # (username, month, at): the analysis is ready
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.timezone)

    # periods --------------------------------------------------------------------------------------------------
    def day(self, d: date) -> Period:
        return day_period(d, self.tz)

    def week(self, d: date) -> Period:
        return week_period(d, self.tz)

    def month(self, month: str) -> Period:
        return month_period(month, self.tz)

    async def _agents(self) -> tuple[list[str], list[str]]:
        """(the active users with the agent role, every username): the report's rows, the authors looked up."""
        users = await self.users()
        return sorted(u.username for u in users if u.active and "agent" in u.roles), sorted(u.username for u in users)

    # 1. workload -----------------------------------------------------------------------------------------------
    async def _workload(self, p: Period) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Per agent and per queue (team): each figure's count in the period. A contact counts once per figure:
        a case whose call already has a service record of the same figure by the same agent is not counted
        again."""
        cfg = self.settings
        agents, authors = await self._agents()
        per_agent: dict[str, dict[str, int]] = {a: _zero() for a in agents}
        per_queue: dict[str, dict[str, int]] = {}

        def add(agent: str, queue: str | None, figure: str) -> None:
            per_agent.setdefault(agent, _zero())[figure] += 1
            per_queue.setdefault(queue or "", _zero())[figure] += 1

        async with self.sessions() as s:
            recorded: set[tuple[str, str, str]] = set()
            if authors:
                rows = (await s.execute(
                    select(ServiceRecord.agent_username, ServiceRecord.category, ServiceRecord.call_uniqueid,
                           Call.queue)
                    .outerjoin(Call, Call.uniqueid == ServiceRecord.call_uniqueid)
                    .where(ServiceRecord.agent_username.in_(authors), ServiceRecord.created_at >= p.start,
                           ServiceRecord.created_at < p.end))).all()
                for agent, category, uid, queue in rows:
                    figure = cfg.record_categories.get(category)
                    if figure is None:
                        continue
                    add(agent, queue, figure)
                    if uid:
                        recorded.add((agent, figure, uid))
            cases = (await s.execute(
                select(Case.id, Case.accepted_by, Case.type)
                .where(Case.state.in_(CASE_STATES), Case.accepted_at >= p.start, Case.accepted_at < p.end))).all()
            calls: dict[int, list[tuple[str, str | None]]] = {}
            if cases:
                for cid, uid, queue in (await s.execute(
                        select(CaseCall.case_id, CaseCall.call_uniqueid, Call.queue)
                        .outerjoin(Call, Call.uniqueid == CaseCall.call_uniqueid)
                        .where(CaseCall.case_id.in_([c[0] for c in cases]))
                        .order_by(CaseCall.case_id, CaseCall.linked_at))).all():
                    calls.setdefault(cid, []).append((uid, queue))
            for cid, agent, ctype in cases:
                figure = cfg.case_types.get(ctype)
                if figure is None:
                    continue
                linked = calls.get(cid, [])
                if any((agent, figure, uid) in recorded for uid, _ in linked):
                    continue
                add(agent, next((q for _, q in linked if q), None), figure)
            if cfg.proactive_outcomes:
                for placed_by, queue in (await s.execute(
                        select(Call.agent_username, Call.queue)
                        .where(Call.direction == "outbound", Call.arrived_at >= p.start, Call.arrived_at < p.end,
                               Call.outcome.in_(cfg.proactive_outcomes), Call.agent_username.is_not(None)))).all():
                    if placed_by:
                        add(placed_by, queue, "proactive")
        return per_agent, per_queue

    async def workload(self, username: str, p: Period) -> dict[str, Any]:
        per_agent, per_queue = await self._workload(p)
        total = _zero()
        for figures in per_agent.values():
            for k, v in figures.items():
                total[k] += v

        def row(key: str, name: str, f: dict[str, int]) -> dict[str, Any]:
            return {key: name, **f, "total": sum(f.values())}

        agents = [row("agent", a, per_agent[a]) for a in sorted(per_agent)]
        teams = [row("queue", q, per_queue[q]) for q in sorted(per_queue)]
        cols = [*FIGURES, "total"]
        await self.audit(username, "report.workload", f"report:{p.label}", {"period": p.kind})
        return {"report": "workload", "period": p.out(), "figures": list(FIGURES), "agents": agents,
                "teams": teams, "total": row("agent", "", total),
                "tables": [_table("agents", ["agent", *cols], ([r["agent"], *[r[c] for c in cols]] for r in agents)),
                           _table("teams", ["queue", *cols], ([r["queue"], *[r[c] for c in cols]] for r in teams)),
                           _table("total", cols, [[total[c] if c != "total" else sum(total.values())
                                                   for c in cols]])]}

    # 2a. the weekly case summary --------------------------------------------------------------------------------
    async def case_summary(self, username: str, p: Period) -> dict[str, Any]:
        """Per case type, what happened in the period: accepted, dispatched (first dispatch), chased (a clock's
        warning or escalation recorded), fed back (the customer informed), called back (the call-back task
        closed: reached, refused, problem stands, unreachable), closed, overdue (a clock's breach recorded). The
        cases are read by acceptance from ``case_lookback_days`` before the period."""
        since = p.start - timedelta(days=self.settings.case_lookback_days)
        per = {t: dict.fromkeys(CASE_FIGURES, 0) for t in CASE_TYPES}
        chased_detail = {"warnings": 0, "escalations": 0, "breaches": 0}

        def within(t: datetime | None) -> bool:
            return t is not None and p.start <= _aware(t) < p.end

        async with self.sessions() as s:
            cases = (await s.scalars(select(Case).where(
                Case.state.in_(CASE_STATES), Case.accepted_at >= since, Case.accepted_at < p.end))).all()
            by_id = {c.id: c for c in cases}
            for c in cases:
                f = per.setdefault(c.type, dict.fromkeys(CASE_FIGURES, 0))
                f["accepted"] += within(c.accepted_at)
                f["dispatched"] += within(c.dispatched_at)
                f["fed_back"] += within(c.informed_at)
                f["closed"] += within(c.closed_at)
            chased: set[int] = set()
            overdue: set[int] = set()
            if by_id:
                for cid, kind, at in (await s.execute(
                        select(CaseClockEvent.case_id, CaseClockEvent.kind, CaseClockEvent.at)
                        .where(CaseClockEvent.case_id.in_(sorted(by_id))))).all():
                    if not within(at):
                        continue
                    if kind.endswith(".breach"):
                        overdue.add(cid)
                        chased_detail["breaches"] += 1
                    elif kind.endswith(".warning"):
                        chased.add(cid)
                        chased_detail["warnings"] += 1
                    elif ".escalate." in kind:
                        chased.add(cid)
                        chased_detail["escalations"] += 1
            for cid in chased:
                per[by_id[cid].type]["chased"] += 1
            for cid in overdue:
                per[by_id[cid].type]["overdue"] += 1
            follow_ups = 0
            for ctype, case_id, closed_at in (await s.execute(
                    select(CallbackTask.case_type, CallbackTask.case_id, CallbackTask.closed_at)
                    .where(CallbackTask.due_at >= since,
                           CallbackTask.due_at < p.end + timedelta(days=7),
                           CallbackTask.state.in_(CALLED_BACK)))).all():
                if not within(closed_at):
                    continue
                if case_id is None and ctype is None:
                    follow_ups += 1
                    continue
                per.setdefault(ctype or "", dict.fromkeys(CASE_FIGURES, 0))["called_back"] += 1
        total = {k: sum(f[k] for f in per.values()) for k in CASE_FIGURES}
        rows = [{"type": t, **per[t]} for t in per]
        await self.audit(username, "report.case_summary", f"report:{p.label}", None)
        return {"report": "case_summary", "period": p.out(), "figures": list(CASE_FIGURES), "types": rows,
                "total": total, "chased_detail": chased_detail, "follow_ups_called_back": follow_ups,
                "tables": [_table("types", ["type", *CASE_FIGURES],
                                  ([r["type"], *[r[k] for k in CASE_FIGURES]] for r in rows)),
                           _table("total", list(CASE_FIGURES), [[total[k] for k in CASE_FIGURES]]),
                           _table("chased_detail", [*chased_detail, "follow_ups_called_back"],
                                  [[*chased_detail.values(), follow_ups]])]}

    # 2b. the weekly satisfaction analysis ---------------------------------------------------------------------------
    async def _surveys(self, p: Period) -> list[Survey]:
        months = sorted({p.first.strftime("%Y-%m"), p.last.strftime("%Y-%m"),
                         (p.first - timedelta(days=31)).strftime("%Y-%m")})
        async with self.sessions() as s:
            return list((await s.scalars(select(Survey).where(
                Survey.month.in_(months), Survey.taken_at >= p.start, Survey.taken_at < p.end))).all())

    async def satisfaction(self, username: str, p: Period) -> dict[str, Any]:
        """The surveys taken in the period: the four points × four levels in all, by channel and per agent
        rated."""
        everyone = AgentMonth(None, p.label)
        by_channel: dict[str, AgentMonth] = {}
        by_agent: dict[str, AgentMonth] = {}
        for sv in await self._surveys(p):
            everyone.add(sv)
            by_channel.setdefault(sv.channel, AgentMonth(None, p.label)).add(sv)
            by_agent.setdefault(sv.agent_username or "", AgentMonth(sv.agent_username, p.label)).add(sv)
        channels = [{"channel": c, **_survey_block(by_channel[c])} for c in sorted(by_channel)]
        agents = [{"agent": a, **_survey_block(by_agent[a])} for a in sorted(by_agent)]
        all_block = _survey_block(everyone)

        def level_rows(blocks: Iterable[tuple[str, dict[str, Any]]]) -> list[list[Any]]:
            return [[name, pt, *[b["points"][pt]["levels"][lv] for lv in LEVEL_KEYS], b["points"][pt]["answered"],
                     b["points"][pt]["average"], b["points"][pt]["satisfied_share"]]
                    for name, b in blocks for pt in POINTS]

        level_cols = ["point", "very_satisfied", "satisfied", "fair", "poor", "answered", "average",
                      "satisfied_share"]
        summary_cols = ["surveys", "complete", "poor_surveys", "satisfied_share"]
        await self.audit(username, "report.satisfaction", f"report:{p.label}", None)
        return {"report": "satisfaction", "period": p.out(), "all": all_block, "channels": channels,
                "agents": agents,
                "tables": [
                    _table("points", level_cols, [r[1:] for r in level_rows([("", all_block)])]),
                    _table("channels", ["channel", *summary_cols],
                           ([c["channel"], c["surveys"], c["complete"], c["poor"], c["satisfied_share"]]
                            for c in channels)),
                    _table("channel_points", ["channel", *level_cols],
                           level_rows((c["channel"], c) for c in channels)),
                    _table("agents", ["agent", *summary_cols, *[f"{pt}_satisfied_share" for pt in POINTS]],
                           ([a["agent"], a["surveys"], a["complete"], a["poor"], a["satisfied_share"],
                             *[a["points"][pt]["satisfied_share"] for pt in POINTS]] for a in agents))]}

    # 3. the monthly service-quality analysis ----------------------------------------------------------------------
    async def _qc(self, s: AsyncSession, month: str) -> dict[str, Any]:
        rows = [r for r in await QcRepository.sample_scores(s, [month]) if r.total is not None]
        templates = await QcRepository.templates_by_id(s, {r.template_id for r in rows if r.template_id})
        labels: dict[str, dict[str, Any]] = {}
        for tid in sorted(templates):
            for c in templates[tid].criteria:
                labels.setdefault(c["key"], {k: c[k] for k in ("key", "label_en", "label_zh", "weight")})
        points: dict[str, list[float]] = {}
        agents: dict[str, dict[str, Any]] = {}
        for r in rows:
            a = agents.setdefault(r.agent, {"totals": [], "points": {}})
            assert r.total is not None
            a["totals"].append(r.total)
            for k, v in (r.points or {}).items():
                points.setdefault(k, []).append(v)
                a["points"].setdefault(k, []).append(v)

        def mean(xs: list[float]) -> float | None:
            return round(sum(xs) / len(xs), 2) if xs else None

        totals = [r.total for r in rows if r.total is not None]
        return {
            "evaluations": len(totals), "average": total_of(sum(totals) / len(totals)) if totals else None,
            "criteria": [{**c, "average": mean(points.get(k, []))} for k, c in labels.items()],
            "agents": {name: {"scored": len(a["totals"]), "average": total_of(sum(a["totals"]) / len(a["totals"])),
                              "grade": grade_of(sum(a["totals"]) / len(a["totals"])),
                              "criteria": {k: mean(v) for k, v in a["points"].items()}}
                       for name, a in sorted(agents.items())}}

    async def _month_surveys(self, s: AsyncSession, month: str) -> dict[str, AgentMonth]:
        by: dict[str, AgentMonth] = {}
        for sv in (await s.scalars(select(Survey).where(Survey.month == month))).all():
            by.setdefault(sv.agent_username or "", AgentMonth(sv.agent_username, month)).add(sv)
        return by

    async def _causes(self, s: AsyncSession, p: Period) -> dict[str, Any]:
        rows = (await s.execute(select(Case.cause_class, Case.cause).where(
            Case.state.in_(CASE_STATES), Case.type == "complaint", Case.accepted_at >= p.start,
            Case.accepted_at < p.end))).all()
        classes = {"quality": 0, "non_quality": 0, "unclassified": 0}
        causes: dict[str, int] = {}
        for cls, cause in rows:
            classes[cls if cls in classes else "unclassified"] += 1
            if cause:
                causes[cause] = causes.get(cause, 0) + 1
        return {"complaints": len(rows), "classes": classes, "causes": dict(sorted(causes.items()))}

    async def _sla(self, s: AsyncSession, p: Period) -> dict[str, Any]:
        """The clocks of the cases accepted in the period, at now: met (before the deadline), met late, breached
        (past it, not met), still running (not due yet); compliance = met ÷ (met + met late + breached)."""
        cases = (await s.scalars(select(Case).where(
            Case.state.in_(CASE_STATES), Case.accepted_at >= p.start, Case.accepted_at < p.end))).all()
        states = await self.clock_states(cases)
        out: dict[str, dict[str, Any]] = {c: {"met": 0, "met_late": 0, "breached": 0, "running": 0} for c in CLOCKS}
        for c in cases:
            for st in states.of(c.id):
                if st.status == "off":
                    continue
                key = st.status if st.status in ("met", "met_late", "breached") else "running"
                out[st.clock][key] += 1
        for v in out.values():
            v["compliance"] = _ratio(v["met"], v["met"] + v["met_late"] + v["breached"])
        met = sum(v["met"] for v in out.values())
        done = sum(v["met"] + v["met_late"] + v["breached"] for v in out.values())
        return {"cases": len(cases), "clocks": out, "compliance": _ratio(met, done)}

    async def _callbacks(self, username: str, p: Period) -> tuple[dict[str, Any], dict[str, Any]]:
        total, _, agents = await self.callback_rate(username, p.start, p.end, "month")

        def out(r: Any) -> dict[str, Any]:
            return {"due": r.due, "closed_in_time": r.closed_in_time, "closed_late": r.closed_late, "open": r.open,
                    "rate": r.rate}

        return out(total), {r.key: out(r) for r in agents}

    async def _attendance(self, month: str) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
        report = await self.violations(month)
        keys = ("late_count", "away_count", "violations", "absence_count", "early_leave_count",
                "left_before_relief_count", "unapproved_absence_count")
        total = {k: sum(a[k] for a in report["agents"]) for k in keys}
        return total, {a["username"]: a for a in report["agents"]}

    async def _quality_month(self, username: str, month: str) -> dict[str, Any]:
        p = self.month(month)
        async with self.sessions() as s:
            qc = await self._qc(s, month)
            surveys = await self._month_surveys(s, month)
            causes = await self._causes(s, p)
            sla = await self._sla(s, p)
        everyone = AgentMonth(None, month)
        for a in surveys.values():
            everyone.surveys += a.surveys
            everyone.complete += a.complete
            everyone.poor += a.poor
            for pt, r in a.points.items():
                for lv, n in r.levels.items():
                    everyone.points[pt].levels[lv] += n
                everyone.points[pt].answered += r.answered
        callbacks, _ = await self._callbacks(username, p)
        attendance, _ = await self._attendance(month)
        return {"qc": qc, "ratings": _survey_block(everyone), "causes": causes, "sla": sla, "callbacks": callbacks,
                "attendance": attendance}

    async def quality(self, username: str, month: str) -> dict[str, Any]:
        """Month ``month`` and the month before, side by side."""
        p = self.month(month)
        prev = previous_month(month)
        cur, old = await self._quality_month(username, month), await self._quality_month(username, prev)
        rows: list[list[Any]] = []

        def add(section: str, key: str, a: Any, b: Any) -> None:
            rows.append([section, key, a, b])

        add("qc", "evaluations", cur["qc"]["evaluations"], old["qc"]["evaluations"])
        add("qc", "average", cur["qc"]["average"], old["qc"]["average"])
        old_criteria = {c["key"]: c["average"] for c in old["qc"]["criteria"]}
        for c in cur["qc"]["criteria"]:
            add("qc_criterion", c["key"], c["average"], old_criteria.get(c["key"]))
        for key in ("surveys", "complete", "poor", "satisfied_share"):
            add("ratings", key, cur["ratings"][key], old["ratings"][key])
        for pt in POINTS:
            add("ratings_point", pt, cur["ratings"]["points"][pt]["satisfied_share"],
                old["ratings"]["points"][pt]["satisfied_share"])
        add("causes", "complaints", cur["causes"]["complaints"], old["causes"]["complaints"])
        for cls in cur["causes"]["classes"]:
            add("cause_class", cls, cur["causes"]["classes"][cls], old["causes"]["classes"][cls])
        for cause in sorted(set(cur["causes"]["causes"]) | set(old["causes"]["causes"])):
            add("cause", cause, cur["causes"]["causes"].get(cause, 0), old["causes"]["causes"].get(cause, 0))
        add("sla", "cases", cur["sla"]["cases"], old["sla"]["cases"])
        add("sla", "compliance", cur["sla"]["compliance"], old["sla"]["compliance"])
        for clock in CLOCKS:
            for key in ("met", "met_late", "breached", "running", "compliance"):
                add(f"sla_{clock}", key, cur["sla"]["clocks"][clock][key], old["sla"]["clocks"][clock][key])
        for key in ("due", "closed_in_time", "closed_late", "open", "rate"):
            add("callbacks", key, cur["callbacks"][key], old["callbacks"][key])
        for key in cur["attendance"]:
            add("attendance", key, cur["attendance"][key], old["attendance"][key])
        crit = [c["key"] for c in cur["qc"]["criteria"]]
        qc_agents = [[name, a["scored"], a["average"], a["grade"],
                      (old["qc"]["agents"].get(name) or {}).get("average"), *[a["criteria"].get(k) for k in crit]]
                     for name, a in cur["qc"]["agents"].items()]
        await self.audit(username, "report.quality", f"report:{month}", None)
        return {"report": "quality", "period": p.out(), "month": month, "previous_month": prev,
                "current": cur, "previous": old,
                "tables": [_table("comparison", ["section", "item", month, prev], rows),
                           _table("qc_agents", ["agent", "scored", "average", "grade", f"average_{prev}", *crit],
                                  qc_agents)]}

    # 3b. kept: generated before its due day, the recipients told (files under <data_dir>/reports/quality) ------
    def generate_at(self, month: str) -> datetime:
        """When month ``month``'s analysis is generated: 00:00 local ``quality_generate_days_before`` days before
        ``quality_due_day`` of the month after."""
        y, m = parse_month(month)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        day = date(y, m, self.settings.quality_due_day) - timedelta(days=self.settings.quality_generate_days_before)
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def _kept_path(self, month: str) -> Path | None:
        parse_month(month)
        return None if self.kept_dir is None else self.kept_dir / f"quality-{month}.json"

    async def recipients(self) -> list[str]:
        if self.settings.quality_recipients:
            return list(self.settings.quality_recipients)
        return sorted(u.username for u in await self.users() if u.active and "supervisor" in u.roles)

    async def generate(self, username: str, month: str) -> dict[str, Any]:
        """Generate month ``month``'s analysis now, keep it (replacing one kept before: re-runnable) and tell the
        recipients it is ready."""
        path = self._kept_path(month)
        report = await self.quality(username, month)
        now = self.clock.now()
        told = await self.recipients()
        kept = {"month": month, "generated_at": _iso(now), "generated_by": username, "told": told,
                "report": report}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(kept, ensure_ascii=False, default=str), encoding="utf-8")
            os.replace(tmp, path)
        if self.tell is not None:
            for who in told:
                self.tell(who, month, now)
        return kept

    def kept(self, month: str) -> dict[str, Any]:
        path = self._kept_path(month)
        if path is None or not path.exists():
            raise NOT_KEPT({"month": month}, field="month")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def kept_months(self) -> list[dict[str, Any]]:
        if self.kept_dir is None or not self.kept_dir.exists():
            return []
        out = []
        for path in sorted(self.kept_dir.glob("quality-*.json"), reverse=True):
            data = json.loads(path.read_text(encoding="utf-8"))
            out.append({k: data[k] for k in ("month", "generated_at", "generated_by", "told")})
        return out

    async def check(self) -> str | None:
        """The scheduler's call: when last month's analysis is due to be generated (``generate_at``) and is not
        kept yet, generate it (as ``system``); the month generated, or None."""
        now = self.clock.now()
        local = now.astimezone(self.tz)
        month = previous_month(local.strftime("%Y-%m"))
        path = self._kept_path(month)
        if now < self.generate_at(month) or path is None or path.exists():
            return None
        await self.generate("system", month)
        return month

    # 4. the appraisal ----------------------------------------------------------------------------------------------
    async def appraisal(self, username: str, month: str, only: str | None = None) -> dict[str, Any]:
        """One row per agent (``only``: that agent's row alone): each part scored 0..1 (None: nothing to score it
        by, its weight left out), the weighted score on ``scale`` and its grade band."""
        cfg = self.settings.appraisal
        p = self.month(month)
        agents, _ = await self._agents()
        async with self.sessions() as s:
            qc = await self._qc(s, month)
            surveys = await self._month_surveys(s, month)
            upheld: dict[str, int] = {}
            for (employee,) in (await s.execute(select(CaseReview.employee).where(
                    CaseReview.month == month, CaseReview.responsibility == "upheld"))).all():
                if employee:
                    upheld[employee] = upheld.get(employee, 0) + 1
        _, rates = await self._callbacks(username, p)
        _, attendance = await self._attendance(month)
        per_agent, _ = await self._workload(p)
        workload = {a: sum(f.values()) for a, f in per_agent.items()}
        best = max((workload.get(a, 0) for a in agents), default=0)
        weights = {k: float(cfg.weights.get(k, 0)) for k in PARTS}
        rows: list[dict[str, Any]] = []
        for a in agents:
            q = qc["agents"].get(a)
            sv = surveys.get(a)
            rate = rates.get(a)
            att = attendance.get(a) or {}
            violations = int(att.get("violations", 0))
            figures: dict[str, Any] = {"qc_average": q["average"] if q else None, "qc_scored": q["scored"] if q else 0,
                       "surveys": sv.surveys if sv else 0, "satisfied_share": _satisfied(sv) if sv else None,
                       "upheld_complaints": upheld.get(a, 0), "callbacks_due": rate["due"] if rate else 0,
                       "callback_rate": rate["rate"] if rate else None,
                       "late_count": int(att.get("late_count", 0)), "away_count": int(att.get("away_count", 0)),
                       "violations": violations, "workload": workload.get(a, 0)}
            parts: dict[str, float | None] = {
                "qc": None if figures["qc_average"] is None else min(1.0, figures["qc_average"] / 100),
                "surveys": figures["satisfied_share"],
                "complaints": max(0.0, 1 - figures["upheld_complaints"] / cfg.upheld_limit),
                "callbacks": figures["callback_rate"],
                "attendance": max(0.0, 1 - violations / cfg.violations_limit),
                "workload": None if not best else min(1.0, figures["workload"] / best)}
            counted = {k: v for k, v in parts.items() if v is not None and weights[k] > 0}
            w = sum(weights[k] for k in counted)
            exact = cfg.scale * sum(weights[k] * v for k, v in counted.items()) / w if w else None
            score = None if exact is None else total_of(exact)
            rows.append({"agent": a, **figures,
                         "parts": {k: None if v is None else round(v, 4) for k, v in parts.items()},
                         "score": score, "grade": None if exact is None else grade_of(exact * 100 / cfg.scale)})
        if only is not None:
            rows = [r for r in rows if r["agent"] == only]
        await self.audit(username, "report.appraisal", f"report:{month}", {"only": only})
        fig_cols = ["qc_average", "qc_scored", "surveys", "satisfied_share", "upheld_complaints", "callbacks_due",
                    "callback_rate", "late_count", "away_count", "violations", "workload"]
        return {"report": "appraisal", "period": p.out(), "month": month, "scale": cfg.scale, "weights": weights,
                "bands": [{"grade": "excellent", "from": 95}, {"grade": "good", "from": 90},
                          {"grade": "competent", "from": 80}, {"grade": "basic", "from": 60},
                          {"grade": "not_competent", "from": 0}],
                "agents": rows,
                "tables": [_table("agents", ["agent", *fig_cols, *[f"part_{k}" for k in PARTS], "score", "grade"],
                                  ([r["agent"], *[r[c] for c in fig_cols], *[r["parts"][k] for k in PARTS],
                                    r["score"], r["grade"]] for r in rows)),
                           _table("weights", list(PARTS), [[weights[k] for k in PARTS]])]}


def _aware(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t
