"""Interval statistics read from the rollups (never from the raw rows): rows per interval of the centre's
timezone (15 minutes, hours, days, ISO weeks from Monday, months) per queue or agent, the board's derived figures
(docs/wallboard.md), each interval's sums over the keys shown and the range's totals."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.departments.models import Department, DepartmentMember
from callcenter.directory.models import QueueDef
from callcenter.reports.config import ReportSettings
from callcenter.reports.errors import BAD_DATE, BAD_RANGE, RANGE_TOO_LONG, UNKNOWN_AGENT, UNKNOWN_QUEUE, UNKNOWN_TEAM
from callcenter.reports.models import (
    AGENT_COUNTS,
    AGENT_STATE_SECONDS,
    QUEUE_COUNTS,
    QUEUE_SUMS,
    AgentBucket,
    AgentPauseBucket,
    QueueBucket,
)
from callcenter.reports.rollups import ceil15, floor15, utc

Q_SUMMED = (*QUEUE_COUNTS, *QUEUE_SUMS)
A_SUMMED = (*AGENT_STATE_SECONDS, "away_seconds", *AGENT_COUNTS)


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _avg(total: float, n: float) -> float | None:
    return round(total / n, 1) if n else None


def queue_figures(v: dict[str, float]) -> dict[str, Any]:
    """The board's figures (``wallboard.figures.window_figures``) from summed rollups, plus the report's own."""
    concluded = v["answered"] + v["abandoned"]
    out: dict[str, Any] = {c: int(v[c]) for c in QUEUE_COUNTS}
    out.update({c: round(v[c], 1) for c in QUEUE_SUMS})
    out.update({
        "longest_wait": round(v["wait_max"], 1),
        "abandon_rate": _pct(v["abandoned"], concluded),
        "service_level": _pct(v["answered_in_sl"], concluded),
        "asa": _avg(v["wait_sum"], v["answered"]),
        "aht": _avg(v["talk_sum"] + v["wrapup_sum"], v["completed"]),
        "att": _avg(v["talk_sum"], v["completed"]),
        "acw": _avg(v["wrapup_sum"], v["completed"]),
    })
    return out


def agent_figures(v: dict[str, float], pauses: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {c: round(v[c], 1) for c in (*AGENT_STATE_SECONDS, "away_seconds")}
    out.update({c: int(v[c]) for c in AGENT_COUNTS})
    out["paused_by_reason"] = {r: round(s, 1) for r, s in sorted(pauses.items())}
    out["occupancy"] = _pct(v["on_call"] + v["wrapup"], v["logged_in"] - v["paused"])
    return out


def _zero(cols: tuple[str, ...]) -> dict[str, float]:
    return dict.fromkeys((*cols, "wait_max"), 0.0)


def _fold(into: dict[str, float], v: dict[str, float]) -> None:
    for k, x in v.items():
        into[k] = max(into[k], x) if k == "wait_max" else into[k] + x


@dataclass(frozen=True)
class Interval:
    start: datetime  # UTC
    end: datetime
    label: str  # local start, ISO 8601 with its offset


@dataclass(frozen=True)
class Request:
    kind: str
    start: datetime
    end: datetime
    by: str
    queues: tuple[str, ...] | None = None
    agents: tuple[str, ...] | None = None
    direction: str | None = None


def parse_when(value: str | None, field: str, tz: ZoneInfo, end: bool) -> datetime | None:
    """A date (``YYYY-MM-DD``: its local midnight; as ``to``, the next one — the day is included) or a local
    date-time (``YYYY-MM-DDTHH:MM``; a zone given is respected). None when absent."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            if end:
                d += timedelta(days=1)
            return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (t.replace(tzinfo=tz) if t.tzinfo is None else t).astimezone(UTC)
    except (ValueError, OverflowError):
        raise BAD_DATE(field=field, value=value[:40]) from None


def intervals(start: datetime, end: datetime, by: str, tz: ZoneInfo) -> list[Interval]:
    """The intervals of ``[start, end)`` in the centre's timezone, clipped to the range."""
    out: list[Interval] = []
    if by in ("15m", "hour"):
        t = start
        cur: tuple[Any, ...] | None = None
        while t < end:
            local = t.astimezone(tz)
            key = (local.replace(minute=local.minute // 15 * 15 if by == "15m" else 0, second=0, microsecond=0),
                   local.utcoffset())
            if key != cur:
                if out:
                    out[-1] = Interval(out[-1].start, t, out[-1].label)
                out.append(Interval(t, end, key[0].isoformat()))
                cur = key
            t += timedelta(minutes=15)
        return out
    d = start.astimezone(tz).date()
    if by == "week":
        d -= timedelta(days=d.weekday())
    elif by == "month":
        d = d.replace(day=1)
    while True:
        if by == "day":
            nd = d + timedelta(days=1)
        elif by == "week":
            nd = d + timedelta(days=7)
        else:
            nd = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        s = datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
        e = datetime.combine(nd, time(0), tzinfo=tz).astimezone(UTC)
        if s >= end:
            return out
        out.append(Interval(max(s, start), min(e, end), datetime.combine(d, time(0), tzinfo=tz).isoformat()))
        d = nd


class Intervals:
    """Reads the rollups for a request; the checks of the request's range and names first."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], timezone: str, settings: ReportSettings) -> None:
        self.sessions = sessions
        self.tz = ZoneInfo(timezone)
        self.settings = settings

    # the request -----------------------------------------------------------------------------------------------
    def span(self, start_s: str | None, to_s: str | None, by: str, today: datetime) -> tuple[datetime, datetime]:
        """The UTC range of ``from``/``to`` (default: today), floored/ceiled to 15 minutes, within the bucket's
        limit."""
        start = parse_when(start_s, "from", self.tz, end=False)
        end = parse_when(to_s, "to", self.tz, end=True)
        def midnight(d: date) -> datetime:
            return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

        if start is None:  # the day of ``to`` (today without it)
            last = (end - timedelta(seconds=1)) if end is not None else today
            start = midnight(last.astimezone(self.tz).date())
        if end is None:  # to the end of the day ``from`` is in
            end = midnight(start.astimezone(self.tz).date() + timedelta(days=1))
        start, end = floor15(start), ceil15(end)
        if end < start:
            raise BAD_RANGE(start=start_s or start.isoformat(), to=to_s or end.isoformat())
        days = (end - start).total_seconds() / 86400
        limit = self.settings.max_days.get(by, 31)
        if days > limit:
            raise RANGE_TOO_LONG(by=by, limit_days=limit, days=round(days, 1))
        return start, end

    async def check_queues(self, names: list[str]) -> None:
        async with self.sessions() as s:
            known = set((await s.execute(select(QueueDef.name).where(QueueDef.name.in_(names)))).scalars())
        for n in names:
            if n and n not in known:
                raise UNKNOWN_QUEUE(queue=n)

    async def check_agents(self, names: list[str]) -> None:
        async with self.sessions() as s:
            known = set((await s.execute(select(User.username).where(User.username.in_(names)))).scalars())
        for n in names:
            if n not in known:
                raise UNKNOWN_AGENT(agent=n)

    async def team_members(self, team: str) -> list[str]:
        """A team is a department (the product's only grouping of people): its members."""
        async with self.sessions() as s:
            cond = Department.id == int(team) if team.isdigit() else Department.name == team
            dep = (await s.execute(select(Department.id).where(cond))).scalar()
            if dep is None:
                raise UNKNOWN_TEAM(team=team)
            return sorted((await s.execute(select(DepartmentMember.username).where(
                DepartmentMember.department_id == dep))).scalars())

    async def thresholds(self) -> dict[str, dict[str, int]]:
        async with self.sessions() as s:
            return {n: {"service_level_seconds": sl, "service_level_target": tg} for n, sl, tg in (await s.execute(
                select(QueueDef.name, QueueDef.service_level_seconds, QueueDef.service_level_target))).all()}

    # reading ---------------------------------------------------------------------------------------------------
    async def report(self, r: Request) -> dict[str, Any]:
        ivs = intervals(r.start, r.end, r.by, self.tz)
        pauses: dict[int, dict[str, dict[str, float]]] = {}
        if r.kind == "queue":
            sums = await self._queue_sums(r, ivs)
            cols: tuple[str, ...] = Q_SUMMED
        else:
            sums, pauses = await self._agent_sums(r, ivs)
            cols = A_SUMMED

        def figures(v: dict[str, float], p: dict[str, float]) -> dict[str, Any]:
            return queue_figures(v) if r.kind == "queue" else agent_figures(v, p)

        rows: list[dict[str, Any]] = []
        out_ivs: list[dict[str, Any]] = []
        totals, totals_p = _zero(cols), dict[str, float]()
        by_key: dict[str, dict[str, float]] = {}
        by_key_p: dict[str, dict[str, float]] = {}
        for i, iv in enumerate(ivs):
            iv_sum, iv_p = _zero(cols), dict[str, float]()
            keys = sums.get(i, {})
            for key in sorted(keys):
                v = keys[key]
                p = pauses.get(i, {}).get(key, {})
                rows.append({"start": iv.start, "end": iv.end, "label": iv.label, "key": key, **figures(v, p)})
                _fold(iv_sum, v)
                _fold(by_key.setdefault(key, _zero(cols)), v)
                for reason, secs in p.items():
                    iv_p[reason] = iv_p.get(reason, 0.0) + secs
                    kp = by_key_p.setdefault(key, {})
                    kp[reason] = kp.get(reason, 0.0) + secs
            _fold(totals, iv_sum)
            for reason, secs in iv_p.items():
                totals_p[reason] = totals_p.get(reason, 0.0) + secs
            out_ivs.append({"start": iv.start, "end": iv.end, "label": iv.label, **figures(iv_sum, iv_p)})
        return {"kind": r.kind, "by": r.by, "from": r.start, "to": r.end, "timezone": str(self.tz),
                "direction": r.direction, "queues": list(r.queues) if r.queues is not None else None,
                "agents": list(r.agents) if r.agents is not None else None,
                "thresholds": await self.thresholds() if r.kind == "queue" else {},
                "rows": rows, "intervals": out_ivs, "totals": figures(totals, totals_p),
                "by_key": {k: figures(v, by_key_p.get(k, {})) for k, v in sorted(by_key.items())}}

    def _bucketed(self, r: Request) -> bool:
        return r.by in ("15m", "hour")

    async def _queue_sums(self, r: Request, ivs: list[Interval]) -> dict[int, dict[str, dict[str, float]]]:
        t = QueueBucket
        aggs = [func.sum(getattr(t, c)) for c in Q_SUMMED] + [func.max(t.wait_max)]
        names = (*Q_SUMMED, "wait_max")
        conds: list[Any] = []
        if r.queues is not None:
            conds.append(t.queue.in_(r.queues))
        if r.direction:
            conds.append(t.direction == r.direction)
        return await self._sums(t, t.queue, aggs, names, conds, ivs, self._bucketed(r))

    async def _agent_sums(self, r: Request, ivs: list[Interval]
                          ) -> tuple[dict[int, dict[str, dict[str, float]]], dict[int, dict[str, dict[str, float]]]]:
        t = AgentBucket
        aggs = [func.sum(getattr(t, c)) for c in A_SUMMED]
        conds = [t.agent.in_(r.agents)] if r.agents is not None else []
        sums = await self._sums(t, t.agent, aggs, A_SUMMED, conds, ivs, self._bucketed(r))
        p = AgentPauseBucket
        pconds = [p.agent.in_(r.agents)] if r.agents is not None else []
        raw = await self._sums(p, (p.agent, p.reason), [func.sum(p.seconds)], ("seconds",), pconds, ivs,
                               self._bucketed(r))
        pauses: dict[int, dict[str, dict[str, float]]] = {}
        for i, keys in raw.items():
            for (agent, reason), v in keys.items():
                pauses.setdefault(i, {}).setdefault(agent, {})[reason or "-"] = v["seconds"]
        return sums, pauses

    async def _sums(self, t: Any, key: Any, aggs: list[Any], names: tuple[str, ...], conds: list[Any],
                    ivs: list[Interval], bucketed: bool) -> dict[int, dict[Any, dict[str, float]]]:
        """{interval index: {key: {column: sum}}}: 15-minute / hourly intervals grouped by bucket in SQL and folded
        here (a day is 96 buckets); days, weeks and months summed in SQL, one statement per interval."""
        keys = list(key) if isinstance(key, tuple) else [key]
        out: dict[int, dict[Any, dict[str, float]]] = {}
        if not ivs:
            return out
        async with self.sessions() as s:
            if bucketed:
                starts = [iv.start for iv in ivs]
                q = (select(t.bucket, *keys, *aggs).where(t.bucket >= ivs[0].start, t.bucket < ivs[-1].end, *conds)
                     .group_by(t.bucket, *keys))
                for row in (await s.execute(q)).all():
                    i = bisect_right(starts, utc(row[0])) - 1
                    k = tuple(row[1:1 + len(keys)]) if len(keys) > 1 else row[1]
                    vals = {n: float(x or 0) for n, x in zip(names, row[1 + len(keys):], strict=True)}
                    acc = out.setdefault(i, {}).get(k)
                    if acc is None:
                        out[i][k] = vals
                    else:
                        _fold(acc, vals)
                return out
            for i, iv in enumerate(ivs):
                q = select(*keys, *aggs).where(t.bucket >= iv.start, t.bucket < iv.end, *conds).group_by(*keys)
                for row in (await s.execute(q)).all():
                    k = tuple(row[:len(keys)]) if len(keys) > 1 else row[0]
                    out.setdefault(i, {})[k] = {n: float(x or 0) for n, x in zip(names, row[len(keys):],
                                                                                  strict=True)}
        return out


CSV_QUEUE = ("label", "start", "end", "key", *QUEUE_COUNTS, *QUEUE_SUMS, "longest_wait", "service_level",
             "abandon_rate", "asa", "aht", "att", "acw")
CSV_AGENT = ("label", "start", "end", "key", *AGENT_STATE_SECONDS, "away_seconds", *AGENT_COUNTS, "occupancy",
             "paused_by_reason")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, dict):
        return ";".join(f"{k}={x}" for k, x in v.items())
    s = str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@") and not s[1:2].isdigit() else s  # no formula from a name


def as_csv(report: dict[str, Any]) -> str:
    """The rows and a last line of totals (key ``*``), UTF-8 with a BOM (spreadsheets read the Chinese)."""
    cols = CSV_QUEUE if report["kind"] == "queue" else CSV_AGENT
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(cols)
    for row in report["rows"]:
        w.writerow([_cell(row.get(c)) for c in cols])
    total = {**report["totals"], "label": "total", "start": report["from"], "end": report["to"], "key": "*"}
    w.writerow([_cell(total.get(c)) for c in cols])
    return "\ufeff" + out.getvalue()
