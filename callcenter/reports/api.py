"""REST API of the interval reports (``/api/reports/intervals``; docs/reports.md): supervisors, admins and QC read
every queue and agent; an agent reads their own agent rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.deps import CLOCK, provide
from callcenter.reports.errors import BAD_DATE, OWN_ROWS_ONLY
from callcenter.reports.intervals import Intervals, Request, as_csv
from callcenter.reports.schemas import IntervalReport
from callcenter.schema_types import CSV_CONTENT

router = APIRouter(prefix="/api/reports", tags=["reports"])
IntervalsDep = Annotated[Intervals, Depends(provide(Intervals))]
ClockDep = Annotated[Clock, Depends(provide(CLOCK))]
Reader = Annotated[User, Depends(require_roles("agent", "supervisor", "admin", "qc"))]
LEADS = {"supervisor", "admin", "qc"}
Name = Annotated[str | None, Query(min_length=1, max_length=64)]


def _iso(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, dict):
        return {k: _iso(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_iso(x) for x in v]
    return v


@router.get("/intervals", response_model=IntervalReport, response_model_by_alias=True,
            responses={200: {"content": CSV_CONTENT, "description": "the report (format=csv: as CSV)"}},
            summary="Interval statistics per queue or agent (15 minutes to months, in the centre's timezone)")
async def interval_report(
        svc: IntervalsDep, clock: ClockDep, user: Reader,
        kind: Literal["queue", "agent"] = "queue",
        from_: Annotated[str | None, Query(alias="from", max_length=40,
                                           description="YYYY-MM-DD (local midnight) or a local date-time")] = None,
        to: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (that day included) or a "
                                                                      "date-time (excluded)")] = None,
        by: Literal["15m", "hour", "day", "week", "month"] = "hour",
        queue: Name = None, agent: Name = None,
        agents: Annotated[str | None, Query(max_length=2000, description="comma-separated usernames")] = None,
        team: Annotated[str | None, Query(min_length=1, max_length=100,
                                          description="a department (id or name): its members")] = None,
        direction: Literal["inbound", "outbound"] | None = None,
        format: Literal["json", "csv"] = "json") -> Any:
    try:
        start, end = svc.span(from_, to, by, clock.now())
    except OverflowError:
        raise BAD_DATE(field="to" if to else "from", value=(to or from_ or "")[:40]) from None
    queues: tuple[str, ...] | None = None
    names: tuple[str, ...] | None = None
    if kind == "queue":
        if not set(user.roles) & LEADS:
            raise OWN_ROWS_ONLY(username=user.username)
        if queue is not None:
            await svc.check_queues([queue])
            queues = (queue,)
    else:
        wanted: list[str] = []
        if agent is not None:
            wanted.append(agent)
        if agents:
            wanted += [a.strip() for a in agents.split(",") if a.strip()]
        if team is not None:
            wanted += await svc.team_members(team)
        if not set(user.roles) & LEADS:
            if any(a != user.username for a in wanted):
                raise OWN_ROWS_ONLY(username=user.username)
            wanted = [user.username]
        if wanted:
            await svc.check_agents(sorted(set(wanted)))
            names = tuple(sorted(set(wanted)))
        elif team is not None:
            names = ()  # a team with nobody in it: zeros
    report = await svc.report(Request(kind, start, end, by, queues, names, direction))
    if format == "csv":
        stamp = start.astimezone(svc.tz).strftime("%Y%m%d")
        return Response(as_csv(report).encode(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{kind}-{by}-{stamp}.csv"'})
    return IntervalReport.model_validate({**_iso(report)})
