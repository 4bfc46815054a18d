"""Storage for the ACD's own tables: the agent state (current row + append-only log) and the figures read from the
log. The directory the ACD reads (seats, queues, skills, pause reasons) is ``callcenter.directory.repository``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.models import AgentStateLog, AgentStatus
from callcenter.auth.models import User
from callcenter.clock import Clock


class AcdRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    # agent state -----------------------------------------------------------------------------------------
    async def user(self, user_id: int) -> User | None:
        """The user behind a stored agent row (auth's table, read for the display name after a restart)."""
        async with self.sessions() as s:
            return await s.get(User, user_id)

    async def statuses(self) -> list[AgentStatus]:
        async with self.sessions() as s:
            return list((await s.execute(select(AgentStatus))).scalars())

    async def save_state(self, row: dict[str, Any], source: str, at: datetime) -> None:
        """Upsert the agent's current row and append the change to the state log, in one transaction."""
        await self.save_states([(row, source, at)])

    async def save_states(self, changes: list[tuple[dict[str, Any], str, datetime]]) -> None:
        """Several changes in order, in one transaction (the service's write-behind batches)."""
        async with self.sessions() as s:
            for row, source, at in changes:
                cur = await s.get(AgentStatus, row["user_id"])
                if cur is None:
                    s.add(AgentStatus(**row))
                else:
                    for k, v in row.items():
                        setattr(cur, k, v)
                # a seat is held by one agent: the unique extension column must be free before this row takes it
                await s.flush()
                s.add(AgentStateLog(user_id=row["user_id"], username=row["username"], extension=row["extension"],
                                    state=row["state"], reason=row["reason"], call_uniqueid=row["call_uniqueid"],
                                    source=source, at=at))
            await s.commit()

    async def was_on_call(self, username: str, call_uniqueid: str) -> bool:
        """Did ``username`` talk on that call (an on_call entry in the state log)?"""
        async with self.sessions() as s:
            row = (await s.execute(select(AgentStateLog.id).where(
                AgentStateLog.username == username, AgentStateLog.call_uniqueid == call_uniqueid,
                AgentStateLog.state == "on_call").limit(1))).first()
        return row is not None

    async def state_log(self, user_id: int | None = None, since: datetime | None = None,
                        limit: int = 500) -> list[AgentStateLog]:
        q = select(AgentStateLog)
        if user_id is not None:
            q = q.where(AgentStateLog.user_id == user_id)
        if since is not None:
            q = q.where(AgentStateLog.at >= since)
        async with self.sessions() as s:
            return list((await s.execute(q.order_by(AgentStateLog.id.desc()).limit(limit))).scalars())

    async def calls_answered_since(self, since: datetime) -> dict[str, int]:
        """Calls each agent answered since ``since`` (on_call entries of the state log), by username."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentStateLog.username, func.count(AgentStateLog.id))
                .where(AgentStateLog.at >= since, AgentStateLog.state == "on_call")
                .group_by(AgentStateLog.username))).all()
        return {u: int(n) for u, n in rows}

    async def wrapups_since(self, since: datetime) -> list[tuple[str, str | None, datetime, datetime | None]]:
        """Wrap-ups that began since ``since``: (username, call uniqueid, start, end or None while still in it); the
        end is the agent's next state change."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentStateLog.username, AgentStateLog.state, AgentStateLog.call_uniqueid, AgentStateLog.at)
                .where(AgentStateLog.at >= since).order_by(AgentStateLog.user_id, AgentStateLog.id))).all()
        out: list[tuple[str, str | None, datetime, datetime | None]] = []
        current: tuple[str, str | None, datetime] | None = None
        for username, state, uid, at in rows:
            if current is not None:
                out.append((*current, at if current[0] == username else None))
                current = None
            if state == "wrapup":
                current = (username, uid, at)
        if current is not None:
            out.append((*current, None))
        return out
