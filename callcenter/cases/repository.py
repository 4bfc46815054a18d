"""Case storage: every method is one transaction of its own.

A change of a case is one guarded ``UPDATE ... WHERE id = :id AND version = :version AND state IN (...)`` that bumps
the version, with its timeline row in the same transaction: two people acting on the same case at once, one wins
and the other's update matches no row (the service then tells which: the state or the version moved on).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.cases.clocks import CaseClockFacts, ComplaintArrival
from callcenter.cases.models import (
    OPEN_STATES,
    PREFIXES,
    Case,
    CaseCall,
    CaseClockEvent,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CasePause,
)
from callcenter.db import rows_affected


def like_escape(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _dialect_insert(s: AsyncSession) -> Any:
    """``INSERT`` with ``ON CONFLICT`` of the session's database (SQLite and PostgreSQL spell it the same)."""
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class Scope:
    """Which cases a list shows: all, or those accepted by / linked by / handled by ``username`` and those of the
    ``departments`` the user is a member of."""

    all: bool
    username: str = ""
    departments: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Filters:
    type: str | None = None
    state: str | None = None
    open: bool | None = None
    department_id: int | None = None
    handler: str | None = None
    customer_id: int | None = None
    q: str | None = None


@dataclass
class CaseDetail:
    case: Case
    calls: list[CaseCall] = field(default_factory=list)
    timeline: list[CaseEvent] = field(default_factory=list)
    files: list[CaseFile] = field(default_factory=list)
    pauses: list[CasePause] = field(default_factory=list)


class CaseRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # numbering and creation ------------------------------------------------------------------------------
    @staticmethod
    async def _next_seq(s: AsyncSession, type_: str, day: str) -> int:
        """The next sequence number of ``type_`` on ``day``: the counter row inserted (1) or bumped (n + 1) and read
        back by one statement, which holds the row (PostgreSQL) or the database (SQLite) until commit."""
        ins = _dialect_insert(s)(CaseCounter).values(type=type_, day=day, n=1)
        stmt = ins.on_conflict_do_update(index_elements=[CaseCounter.type, CaseCounter.day],
                                         set_={"n": CaseCounter.n + 1}).returning(CaseCounter.n)
        return int((await s.execute(stmt)).scalar_one())

    async def create(self, values: dict[str, Any], calls: Sequence[str], by: str, now: datetime, day: str,
                     event: dict[str, Any]) -> Case:
        """A new case numbered ``<prefix>-<day>-<seq>``, its calls and its first timeline row, in one transaction.
        The counter is the transaction's first statement, so on SQLite it takes the write lock before anything is
        read (a reader that later writes could be refused, a first writer waits its turn)."""
        type_ = values["type"]
        async with self.sessions() as s:
            seq = await self._next_seq(s, type_, day)
            c = Case(number=f"{PREFIXES[type_]}-{day}-{seq:05d}", version=1, accepted_at=now, updated_at=now,
                     accepted_by=by, **values)
            s.add(c)
            await s.flush()
            for uid in dict.fromkeys(calls):
                s.add(CaseCall(case_id=c.id, call_uniqueid=uid, linked_by=by, linked_at=now))
            s.add(CaseEvent(case_id=c.id, at=now, by=by, action="created", detail={"number": c.number, **event}))
            await s.commit()
            return c

    # reads -----------------------------------------------------------------------------------------------
    async def by_number(self, number: str) -> Case | None:
        async with self.sessions() as s:
            return (await s.execute(select(Case).where(Case.number == number))).scalar_one_or_none()

    async def by_id(self, case_id: int) -> Case | None:
        async with self.sessions() as s:
            return await s.get(Case, case_id)

    async def detail(self, case_id: int) -> CaseDetail | None:
        async with self.sessions() as s:
            c = await s.get(Case, case_id)
            if c is None:
                return None
            return CaseDetail(
                c,
                list((await s.execute(select(CaseCall).where(CaseCall.case_id == case_id)
                                      .order_by(CaseCall.linked_at, CaseCall.call_uniqueid))).scalars()),
                list((await s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                      .order_by(CaseEvent.id))).scalars()),
                list((await s.execute(select(CaseFile).where(CaseFile.case_id == case_id)
                                      .order_by(CaseFile.id))).scalars()),
                list((await s.execute(select(CasePause).where(CasePause.case_id == case_id)
                                      .order_by(CasePause.id))).scalars()))

    async def calls_of(self, case_id: int) -> list[CaseCall]:
        async with self.sessions() as s:
            return list((await s.execute(select(CaseCall).where(CaseCall.case_id == case_id))).scalars())

    async def pauses_of(self, case_ids: Sequence[int]) -> dict[int, tuple[tuple[datetime, datetime | None], ...]]:
        """The customer-wait pauses of each case (oldest first), one query (the clocks shown: ``clockview.py``)."""
        out: dict[int, list[tuple[datetime, datetime | None]]] = {}
        async with self.sessions() as s:
            for cid, start, end in await s.execute(
                    select(CasePause.case_id, CasePause.started_at, CasePause.ended_at)
                    .where(CasePause.case_id.in_(sorted(set(case_ids))))
                    .order_by(CasePause.case_id, CasePause.started_at)):
                out.setdefault(cid, []).append((start, end))
        return {cid: tuple(p) for cid, p in out.items()}

    async def case_of_call(self, case_id: int, uniqueid: str) -> bool:
        async with self.sessions() as s:
            return await s.get(CaseCall, (case_id, uniqueid)) is not None

    @staticmethod
    def _query(filters: Filters, scope: Scope) -> Select[Any]:
        q: Select[Any] = select(Case)
        if not scope.all:
            mine = [Case.accepted_by == scope.username, Case.handler == scope.username,
                    Case.id.in_(select(CaseCall.case_id).where(CaseCall.linked_by == scope.username))]
            if scope.departments:
                mine.append(Case.department_id.in_(sorted(scope.departments)))
            q = q.where(or_(*mine))
        if filters.type:
            q = q.where(Case.type == filters.type)
        if filters.state:
            q = q.where(Case.state == filters.state)
        if filters.open is not None:
            q = q.where(Case.state.in_(OPEN_STATES) if filters.open else Case.state.not_in(OPEN_STATES))
        if filters.department_id is not None:
            q = q.where(Case.department_id == filters.department_id)
        if filters.handler:
            q = q.where(Case.handler == filters.handler)
        if filters.customer_id is not None:
            q = q.where(Case.customer_id == filters.customer_id)
        if filters.q:
            pat = f"%{like_escape(filters.q)}%"
            q = q.where(or_(Case.number.ilike(pat, escape="!"), Case.description.ilike(pat, escape="!"),
                            Case.demand.ilike(pat, escape="!")))
        return q

    async def search(self, filters: Filters, scope: Scope, limit: int, offset: int, oldest_first: bool = False
                     ) -> tuple[list[Case], int]:
        q = self._query(filters, scope)
        order: list[ColumnElement[Any]] = ([Case.accepted_at.asc(), Case.id.asc()] if oldest_first
                                           else [Case.accepted_at.desc(), Case.id.desc()])
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = list((await s.execute(q.order_by(*order).limit(limit).offset(offset))).scalars())
        return rows, int(total)

    async def backlog(self, department_id: int) -> list[Case]:
        """The department's open cases, oldest first (工单滞留)."""
        async with self.sessions() as s:
            return list((await s.execute(select(Case).where(Case.department_id == department_id,
                                                            Case.state.in_(OPEN_STATES))
                                         .order_by(Case.accepted_at, Case.id))).scalars())

    # changes ---------------------------------------------------------------------------------------------
    async def change(self, case_id: int, version: int, states: Iterable[str], values: dict[str, Any], by: str,
                     now: datetime, action: str, detail: dict[str, Any]) -> Case | None:
        """Apply ``values`` if the case is still at ``version`` and in one of ``states``; bump the version and add
        the timeline row. None when the guard matched no row (someone else changed it first)."""
        async with self.sessions() as s:
            n = rows_affected(await s.execute(
                update(Case).where(Case.id == case_id, Case.version == version, Case.state.in_(list(states)))
                .values(**values, version=Case.version + 1, updated_at=now)))
            if not n:
                await s.rollback()
                return None
            if values.get("paused") is True:
                s.add(CasePause(case_id=case_id, started_at=now))
            elif values.get("paused") is False:  # resumed, or finished while waiting: the open pause ends
                await s.execute(update(CasePause).where(CasePause.case_id == case_id, CasePause.ended_at.is_(None))
                                .values(ended_at=now))
            s.add(CaseEvent(case_id=case_id, at=now, by=by, action=action, detail=detail))
            await s.commit()
            return await s.get(Case, case_id, populate_existing=True)

    async def add_event(self, case_id: int, by: str, now: datetime, action: str, detail: dict[str, Any]) -> None:
        async with self.sessions() as s:
            s.add(CaseEvent(case_id=case_id, at=now, by=by, action=action, detail=detail))
            await s.commit()

    async def link_call(self, case_id: int, uniqueid: str, by: str, now: datetime) -> bool:
        """False if the call was linked already."""
        async with self.sessions() as s:
            ins = _dialect_insert(s)(CaseCall).values(case_id=case_id, call_uniqueid=uniqueid, linked_by=by,
                                                      linked_at=now)
            got = (await s.execute(ins.on_conflict_do_nothing().returning(CaseCall.case_id))).first()
            if got is None:
                await s.rollback()
                return False
            s.add(CaseEvent(case_id=case_id, at=now, by=by, action="call_linked", detail={"call": uniqueid}))
            await s.commit()
            return True

    # files -----------------------------------------------------------------------------------------------
    async def file_count(self, case_id: int) -> int:
        async with self.sessions() as s:
            return int((await s.execute(select(func.count()).where(CaseFile.case_id == case_id))).scalar_one())

    async def add_file(self, case_id: int, name: str, content_type: str, size: int, by: str, now: datetime
                       ) -> CaseFile:
        async with self.sessions() as s:
            f = CaseFile(case_id=case_id, name=name, content_type=content_type, size=size, uploaded_by=by,
                         uploaded_at=now)
            s.add(f)
            await s.flush()
            s.add(CaseEvent(case_id=case_id, at=now, by=by, action="file_added",
                            detail={"file_id": f.id, "name": name, "size": size}))
            await s.commit()
            return f

    async def file(self, case_id: int, file_id: int) -> CaseFile | None:
        async with self.sessions() as s:
            f = await s.get(CaseFile, file_id)
            return f if f is not None and f.case_id == case_id else None

    # the clocks' source (callcenter/cases/checker.py) ----------------------------------------------------------
    async def open_case_clocks(self, only: int | None = None) -> list[CaseClockFacts]:
        """What the clocks need of every open case (``only``: of that one case, if open): three indexed reads, no
        per-case query."""
        is_open = Case.state.in_(OPEN_STATES) if only is None else (Case.state.in_(OPEN_STATES)) & (Case.id == only)
        async with self.sessions() as s:
            cases = list((await s.execute(
                select(Case.id, Case.number, Case.type, Case.severity, Case.department_id, Case.accepted_at,
                       Case.dispatched_at, Case.reported_at, Case.closed_at)
                .where(is_open).order_by(Case.id))).all())
            open_ids = select(Case.id).where(is_open).scalar_subquery()
            pauses: dict[int, list[tuple[datetime, datetime | None]]] = {}
            for cid, start, end in await s.execute(
                    select(CasePause.case_id, CasePause.started_at, CasePause.ended_at)
                    .where(CasePause.case_id.in_(open_ids)).order_by(CasePause.case_id, CasePause.started_at)):
                pauses.setdefault(cid, []).append((start, end))
            events: dict[int, set[str]] = {}
            for cid, kind in await s.execute(select(CaseClockEvent.case_id, CaseClockEvent.kind)
                                             .where(CaseClockEvent.case_id.in_(open_ids))):
                events.setdefault(cid, set()).add(kind)
        return [CaseClockFacts(case_id=r.id, number=r.number, type=r.type, severity=r.severity,
                               department_id=r.department_id, accepted_at=r.accepted_at,
                               dispatched_at=r.dispatched_at, reported_at=r.reported_at, closed_at=r.closed_at,
                               paused=tuple(pauses.get(r.id, ())), events=frozenset(events.get(r.id, ())))
                for r in cases]

    async def complaint_arrivals(self, since: datetime, until: datetime) -> list[ComplaintArrival]:
        """The complaints with a cause accepted between ``since`` and ``until`` (the incident rule's input)."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(Case.id, Case.number, Case.cause, Case.accepted_at)
                .where(Case.type == "complaint", Case.cause.is_not(None), Case.accepted_at >= since,
                       Case.accepted_at <= until).order_by(Case.accepted_at, Case.id))).all()
        return [ComplaintArrival(case_id=r.id, number=r.number, cause=r.cause, accepted_at=r.accepted_at)
                for r in rows]

    async def told_since(self, since: datetime, limit: int) -> list[CaseEvent]:
        """The timeline rows of the clock events that are told to people (escalations, incidents) at or after
        ``since``, newest first: what ``CaseLive.notices_for`` reads the notices of the last days from."""
        async with self.sessions() as s:
            q = (select(CaseEvent).where(CaseEvent.by == "system", CaseEvent.at >= since,
                                         or_(CaseEvent.action.like("clock.%.escalate.%"),
                                             CaseEvent.action == "clock.incident"))
                 .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(limit))
            return list((await s.execute(q)).scalars())

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        """Record clock event ``kind`` of a case once: its ``case_clock_events`` row (unique per case and kind) and
        the timeline row ``clock.<kind>`` by ``system`` at ``at`` (its true time). False if it was there already."""
        async with self.sessions() as s:
            ins = _dialect_insert(s)(CaseClockEvent).values(case_id=case_id, kind=kind, at=at)
            got = (await s.execute(ins.on_conflict_do_nothing(index_elements=[CaseClockEvent.case_id,
                                                                              CaseClockEvent.kind])
                                   .returning(CaseClockEvent.id))).first()
            if got is None:
                await s.rollback()
                return False
            await s.execute(insert(CaseEvent).values(case_id=case_id, at=at, by="system", action=f"clock.{kind}",
                                                     detail=dict(detail)))
            await s.commit()
            return True
