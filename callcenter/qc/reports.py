"""QC reports: the monthly per-agent summary (appraisal input: QC scores and the agent's customer surveys) and the
weekly criteria summary (training-plan input), as JSON and as CSV. Scores are each evaluation's current version."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.qc.forms import below_par, grade_of, total_of
from callcenter.qc.models import QcTemplate
from callcenter.qc.repository import QcRepository
from callcenter.qc.sampling import day_bounds, parse_month, previous_months
from callcenter.surveys.models import POINTS
from callcenter.surveys.schemas import points_out
from callcenter.surveys.service import AgentMonth, Surveys

TREND_MONTHS = 2


def _mean(xs: list[float], digits: int) -> float | None:
    return round(sum(xs) / len(xs), digits) if xs else None


def _average(totals: list[float]) -> float | None:
    """An average of totals, cut to one decimal like a total (its grade is of the exact mean: grade_of)."""
    return total_of(sum(totals) / len(totals)) if totals else None


def _criteria_union(templates: dict[int, QcTemplate]) -> list[dict[str, Any]]:
    """Every criterion key of the forms used, in form order (oldest form first); labels from the first form."""
    out: dict[str, dict[str, Any]] = {}
    for tid in sorted(templates):
        for c in templates[tid].criteria:
            out.setdefault(c["key"], {k: c[k] for k in ("key", "label_en", "label_zh", "weight")})
    return list(out.values())


def surveys_out(a: AgentMonth) -> dict[str, Any]:
    """An agent's month of customer surveys, as GET /api/surveys/monthly counts them."""
    return {"surveys": a.surveys, "complete": a.complete, "poor": a.poor,
            "points": {k: v.model_dump() for k, v in points_out(a).items()}, "by_channel": dict(a.by_channel)}


async def agents_report(s: AsyncSession, month: str,
                        surveys: dict[str | None, AgentMonth] | None = None) -> dict[str, Any]:
    """Per agent sampled in ``month``: samples, scored samples, average total and its grade, average points per
    criterion, the average total of each of the previous two months (null when none), and the agent's customer
    surveys of the month (``surveys``: the results per rated agent, by the name the sample has)."""
    surveys = surveys or {}
    trend_months = previous_months(month, TREND_MONTHS)
    rows = await QcRepository.sample_scores(s, [month, *trend_months])
    templates = await QcRepository.templates_by_id(
        s, {r.template_id for r in rows if r.month == month and r.template_id})
    criteria = _criteria_union(templates)
    per: dict[str, dict[str, Any]] = {}
    past: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        if r.month != month:
            if r.total is not None:
                past.setdefault((r.agent, r.month), []).append(r.total)
            continue
        a = per.setdefault(r.agent, {"sampled": 0, "totals": [], "points": {}})
        a["sampled"] += 1
        if r.total is not None:
            a["totals"].append(r.total)
            for k, p in (r.points or {}).items():
                a["points"].setdefault(k, []).append(p)
    agents = []
    for agent in sorted(per):
        a = per[agent]
        avg = _average(a["totals"])
        agents.append({
            "agent": agent, "sampled": a["sampled"], "scored": len(a["totals"]), "average": avg,
            "grade": grade_of(sum(a["totals"]) / len(a["totals"])) if a["totals"] else None,
            "criteria": {c["key"]: _mean(a["points"].get(c["key"], []), 2) for c in criteria},
            "trend": [{"month": m, "average": _average(past.get((agent, m), []))} for m in trend_months],
            "surveys": surveys_out(surveys.get(agent) or AgentMonth(agent, month)),
        })
    return {"month": month, "criteria": criteria, "agents": agents}


async def weekly_report(s: AsyncSession, week_start: date, tz: str) -> dict[str, Any]:
    """Evaluations submitted in the 7 days from ``week_start`` (centre timezone): how many, their average, and
    per criterion how often it was below par (points < 80 % of its weight), most often first."""
    start, end = day_bounds(week_start, 7, tz)
    rows = await QcRepository.week_scores(s, start, end)
    templates = await QcRepository.templates_by_id(s, {r.template_id for r in rows})
    criteria = [{**c, "evaluated": 0, "below_par": 0} for c in _criteria_union(templates)]
    by_key = {c["key"]: c for c in criteria}
    agents: dict[str, dict[str, Any]] = {}
    for r in rows:
        a = agents.setdefault(r.agent, {"totals": [], "below": {}})
        a["totals"].append(r.total)
        for c in templates[r.template_id].criteria:
            p = (r.points or {}).get(c["key"])
            if p is None:
                continue
            by_key[c["key"]]["evaluated"] += 1
            if below_par(c, p):
                by_key[c["key"]]["below_par"] += 1
                a["below"][c["key"]] = a["below"].get(c["key"], 0) + 1
    order = {c["key"]: i for i, c in enumerate(criteria)}
    criteria.sort(key=lambda c: (-c["below_par"], order[c["key"]]))
    totals = [r.total for r in rows]
    return {
        "week_start": week_start.isoformat(), "week_end": (week_start + timedelta(days=6)).isoformat(),
        "evaluations": len(rows), "average": _average(totals), "criteria": criteria,
        "agents": [{"agent": name, "evaluations": len(a["totals"]), "average": _average(a["totals"]),
                    "below_par": dict(sorted(a["below"].items(), key=lambda kv: (-kv[1], order[kv[0]])))}
                   for name, a in sorted(agents.items())],
    }


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else _cell(v) for v in r])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese labels correctly


def _cell(v: Any) -> Any:
    """Excel would run text starting with = + - @ as a formula."""
    return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v


def agents_csv(report: dict[str, Any]) -> bytes:
    keys = [c["key"] for c in report["criteria"]]
    trend = [t["month"] for t in report["agents"][0]["trend"]] if report["agents"] else \
        previous_months(report["month"], TREND_MONTHS)
    header = ["month", "agent", "sampled", "scored", "average", "grade", *[f"{k}_points" for k in keys],
              *[f"average_{m}" for m in trend], "surveys", "surveys_complete", "surveys_poor",
              *[f"survey_{p}_{x}" for p in POINTS for x in ("average", "satisfied")]]
    rows = [[report["month"], a["agent"], a["sampled"], a["scored"], a["average"], a["grade"],
             *[a["criteria"][k] for k in keys], *[t["average"] for t in a["trend"]],
             a["surveys"]["surveys"], a["surveys"]["complete"], a["surveys"]["poor"],
             *[a["surveys"]["points"][p][x] for p in POINTS for x in ("average", "satisfied_share")]]
            for a in report["agents"]]
    return _csv(header, rows)


def weekly_csv(report: dict[str, Any]) -> bytes:
    header = ["week_start", "evaluations", "average", "criterion", "label_en", "label_zh", "weight", "evaluated",
              "below_par"]
    rows = [[report["week_start"], report["evaluations"], report["average"], c["key"], c["label_en"], c["label_zh"],
             c["weight"], c["evaluated"], c["below_par"]] for c in report["criteria"]]
    return _csv(header, rows)


class QcReports:
    """The reports over the stored evaluations, each read in one session of its own."""

    def __init__(self, repo: QcRepository, timezone: str, surveys: Surveys) -> None:
        self.repo = repo
        self.tz = timezone
        self.surveys = surveys

    async def agents_report(self, month: str) -> dict[str, Any]:
        parse_month(month)
        results = await self.surveys.results(month)
        async with self.repo.session() as s:
            return await agents_report(s, month, results)

    async def weekly_report(self, week_start: date) -> dict[str, Any]:
        async with self.repo.session() as s:
            return await weekly_report(s, week_start, self.tz)
