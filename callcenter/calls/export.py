"""The CDR export (issue 17 part 3; docs/calls.md "CDR export"): every call record, inbound and outbound, whose
arrival falls on the days ``from`` .. ``to`` (inclusive) of the centre's timezone, as CSV, streamed.

A month of a large centre (1.5 million rows) is never built in memory: the rows are read in chunks of
:data:`CHUNK_ROWS` by keyset pagination on ``(arrived_at, id)`` (the index ``ix_calls_arrived_at``; each chunk
its own short read, so no connection is held while a slow client downloads), and each chunk is written to the
response as soon as it is read (``callcenter.csvstream``). The rows are fixed when the export starts: those
stored then (``id`` at most the largest id of the range at that moment), so the count in the audit entry and in
the ``X-Row-Count`` header is the number of rows the file holds.

Who: supervisors, QC and admins (as ``GET /api/calls``). Agents are refused (403): the CDR is the centre's
record of every agent's calls; an agent's own calls are on their desktop. Every export is audited before its
first byte: ``calls.export`` (who, the days, the filters, the rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Day
from callcenter.calls.errors import EXPORT_RANGE_REVERSED, EXPORT_RANGE_TOO_LONG
from callcenter.calls.models import Call
from callcenter.clock import Clock
from callcenter.csvstream import stream_csv
from callcenter.deps import provide
from callcenter.schema_types import CSV_CONTENT

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]

CHUNK_ROWS = 2000
MAX_EXPORT_DAYS = 93  # a quarter: three months of 31 days
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# the CSV's columns, in order: each a column of ``calls`` (times in the centre's timezone)
COLUMNS: tuple[str, ...] = (
    "id", "uniqueid", "linkedid", "direction", "callback_of", "outcome", "end_reason", "hangup_cause",
    "arrived_at", "ivr_entered_at", "ivr_exited_at", "queued_at", "ringing_at", "answered_at", "taken_at", "ended_at",
    "wait_seconds", "talk_seconds", "queue", "agent_username", "agent_extension", "agent_name", "agent_interface",
    "customer_id", "caller_number", "caller_name", "dialled_number", "channel", "ivr_flow_version_id",
    "survey_score",
)
_TIMES = frozenset(c.name for c in Call.__table__.columns if c.name.endswith("_at"))
_SECONDS = frozenset({"wait_seconds", "talk_seconds"})
_COLS = [Call.__table__.c[name] for name in COLUMNS]
_ARRIVED = COLUMNS.index("arrived_at")
_ID = COLUMNS.index("id")


@dataclass(frozen=True)
class CdrQuery:
    """What one export covers: the days, their UTC bounds, the filters."""

    first: date
    last: date
    start: datetime  # first day 00:00 in the centre's timezone
    end: datetime  # the day after the last, 00:00 there (excluded)
    direction: str | None = None
    queue: str | None = None
    agent: str | None = None  # the agent's username or seat extension

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [Call.arrived_at >= self.start, Call.arrived_at < self.end]
        if self.direction is not None:
            out.append(Call.direction == self.direction)
        if self.queue is not None:
            out.append(Call.queue == self.queue)
        if self.agent is not None:
            out.append(or_(Call.agent_username == self.agent, Call.agent_extension == self.agent))
        return out

    def audit_detail(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "direction": self.direction,
                "queue": self.queue, "agent": self.agent}


@dataclass(frozen=True)
class CdrPlan:
    """An export as it was fixed at its start: its query, the rows (``count``) and the largest id among them."""

    query: CdrQuery
    count: int
    max_id: int


class CdrExport:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, audit: Audit,
                 *, chunk_rows: int = CHUNK_ROWS) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.audit = audit
        self.chunk_rows = chunk_rows

    def query(self, first: date, last: date, *, direction: str | None = None, queue: str | None = None,
              agent: str | None = None) -> CdrQuery:
        """The days ``first`` .. ``last`` of the centre's timezone (refused: reversed, longer than the limit)."""
        if last < first:
            raise EXPORT_RANGE_REVERSED(to=last.isoformat(), from_day=first.isoformat(), field="to")
        days = (last - first).days + 1
        if days > MAX_EXPORT_DAYS:
            raise EXPORT_RANGE_TOO_LONG(limit=MAX_EXPORT_DAYS, days=days, field="to")
        start = datetime.combine(first, time(), self.tz)
        end = datetime.combine(last + timedelta(days=1), time(), self.tz)
        return CdrQuery(first, last, start, end, direction, queue, agent)

    async def plan(self, username: str, q: CdrQuery) -> CdrPlan:
        """Fix the rows of the export (how many, the largest id) and audit it, before any byte is sent."""
        async with self.sessions() as s:
            count, max_id = (await s.execute(
                select(func.count(Call.id), func.max(Call.id)).where(*q.conditions()))).one()
        plan = CdrPlan(q, int(count or 0), int(max_id or 0))
        await self.audit(username, "calls.export", "calls", {**q.audit_detail(), "rows": plan.count,
                                                              "timezone": self.tz.key})
        return plan

    async def chunks(self, plan: CdrPlan) -> AsyncIterator[list[Sequence[Any]]]:
        """The plan's rows as CSV cells, :attr:`chunk_rows` at a time, in arrival order (then id): each chunk one
        keyset read starting at the last row of the one before."""
        if plan.count == 0:
            return
        base = [*plan.query.conditions(), Call.id <= plan.max_id]
        after: tuple[datetime, int] | None = None
        while True:
            where = list(base)
            if after is not None:
                at, last_id = after
                # the lower bound on arrived_at keeps each read an index range starting at the last row
                where += [Call.arrived_at >= at, or_(Call.arrived_at > at, and_(Call.arrived_at == at,
                                                                                 Call.id > last_id))]
            stmt = select(*_COLS).where(*where).order_by(Call.arrived_at, Call.id).limit(self.chunk_rows)
            async with self.sessions() as s:
                rows = (await s.execute(stmt)).all()
            if not rows:
                return
            after = (rows[-1][_ARRIVED], rows[-1][_ID])
            yield [self._cells(r) for r in rows]
            if len(rows) < self.chunk_rows:
                return

    def _cells(self, row: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        for name, v in zip(COLUMNS, row, strict=True):
            if v is None:
                out.append(None)
            elif name in _TIMES:
                out.append(v.astimezone(self.tz).strftime(TIME_FORMAT))
            elif name in _SECONDS:
                out.append(round(v, 3))
            else:
                out.append(v)
        return out

    def csv(self, plan: CdrPlan) -> AsyncIterator[bytes]:
        """The file: the BOM and header, then one piece per chunk."""
        return stream_csv(COLUMNS, self.chunks(plan))


@dataclass(frozen=True)
class CdrDomain:
    export: CdrExport
    routers: tuple[APIRouter, ...]


def wire_cdr_export(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                    audit: Audit) -> CdrDomain:
    """The CDR export and its route (included before the calls' router: ``/api/calls/{call_id}`` would take
    ``export.csv`` for an id)."""
    return CdrDomain(CdrExport(sessions, clock, timezone, audit), (router,))


router = APIRouter(prefix="/api/calls", tags=["calls"])
ExportDep = Annotated[CdrExport, Depends(provide(CdrExport))]
Reader = Annotated[User, Depends(require_roles("supervisor", "qc", "admin"))]


@router.get("/export.csv", response_class=StreamingResponse,
            summary="Every call (inbound and outbound) that arrived on the days from .. to (centre's timezone) as "
                    f"CSV, streamed (UTF-8 with BOM; at most {MAX_EXPORT_DAYS} days; supervisors, QC, admins)",
            responses={200: {"content": CSV_CONTENT, "description": "the CSV file"}})
async def export_calls(
    svc: ExportDep, user: Reader,
    first: Annotated[Day, Query(alias="from", description="first day (YYYY-MM-DD, centre's timezone)")],
    last: Annotated[Day, Query(alias="to", description="last day, included (YYYY-MM-DD)")],
    direction: Annotated[Literal["inbound", "outbound"] | None, Query()] = None,
    queue: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    agent: Annotated[str | None, Query(min_length=1, max_length=64,
                                       description="the agent's username or seat extension")] = None,
) -> StreamingResponse:
    plan = await svc.plan(user.username, svc.query(first, last, direction=direction, queue=queue, agent=agent))
    name = f"calls-{first.isoformat()}-{last.isoformat()}.csv"
    return StreamingResponse(svc.csv(plan), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "X-Row-Count": str(plan.count)})
