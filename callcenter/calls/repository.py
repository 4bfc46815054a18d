"""Storage for call records. Writes are idempotent upserts keyed by Asterisk uniqueid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.calls.models import Call

# the tracker's columns; the survey result is written by whoever records the survey (the QC service), never reset
WRITABLE = [c.name for c in Call.__table__.columns if c.name not in ("id", "survey_score")]


class CallRepository:
    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.engine = engine
        self.sessions = sessions
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._upsert_stmt: Any = None

    async def upsert(self, values: dict[str, Any]) -> None:
        """Insert or update the call with ``values['uniqueid']`` (every column is written; missing ones as NULL, a
        missing ``direction`` as inbound).

        A call that has ended is final: later writes for it (a replayed event, a late AGI callback) change
        nothing, so replaying a trace never duplicates or rewrites a row."""
        await self.upsert_many([values])

    async def upsert_many(self, rows: list[dict[str, Any]]) -> None:
        """Several calls in one transaction (the tracker's write-behind batches), as one executemany of a
        statement compiled once."""
        if not rows:
            return
        params = [{k: r.get(k) for k in WRITABLE} for r in rows]
        for p in params:
            p["direction"] = p["direction"] or "inbound"
        async with self.engine.begin() as conn:
            await conn.execute(self._upsert_all, params)

    @property
    def _upsert_all(self) -> Any:
        if self._upsert_stmt is None:
            stmt = self._insert(Call)
            self._upsert_stmt = stmt.on_conflict_do_update(
                index_elements=[Call.uniqueid],
                set_={k: getattr(stmt.excluded, k) for k in WRITABLE if k != "uniqueid"},
                where=Call.__table__.c.ended_at.is_(None),
            )
        return self._upsert_stmt

    async def get(self, call_id: int) -> Call | None:
        async with self.sessions() as s:
            return await s.get(Call, call_id)

    async def get_by_uniqueid(self, uniqueid: str) -> Call | None:
        async with self.sessions() as s:
            return (await s.execute(select(Call).where(Call.uniqueid == uniqueid))).scalar_one_or_none()

    async def open_calls(self) -> list[Call]:
        async with self.sessions() as s:
            return list((await s.execute(select(Call).where(Call.ended_at.is_(None)))).scalars())

    async def search(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        queue: str | None = None,
        agent: str | None = None,
        outcome: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[Call], int]:
        q = select(Call)
        if since is not None:
            q = q.where(Call.arrived_at >= since)
        if until is not None:
            q = q.where(Call.arrived_at < until)
        if queue:
            q = q.where(Call.queue == queue)
        if agent:
            q = q.where(Call.agent_extension == agent)
        if outcome:
            q = q.where(Call.outcome == outcome)
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = await s.execute(q.order_by(Call.arrived_at.desc(), Call.id.desc()).limit(limit).offset(offset))
            return list(rows.scalars()), int(total)

    async def queued_since(self, since: datetime) -> list[Call]:
        """Calls that were in a queue and entered it or ended since ``since`` (the wallboard's start-up load)."""
        q = select(Call).where(Call.queued_at.is_not(None),
                               or_(Call.queued_at >= since, Call.ended_at >= since)).order_by(Call.queued_at)
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())
