"""The call-back desk's storage: each method one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.callbacks.models import CallbackAttempt, CallbackTask


@dataclass(frozen=True)
class TaskFilters:
    state: str = "open"  # open, closed, all, or one closed state
    queue: str | None = None
    department_id: int | None = None
    case_type: str | None = None
    agent: str | None = None  # tasks this agent attempted


class CallbackRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def add(self, values: dict[str, Any]) -> CallbackTask:
        async with self.sessions() as s:
            t = CallbackTask(**values)
            s.add(t)
            await s.commit()
            await s.refresh(t)
            return t

    async def get(self, task_id: int) -> CallbackTask | None:
        async with self.sessions() as s:
            return await s.get(CallbackTask, task_id)

    async def open_of_case(self, case_id: int) -> CallbackTask | None:
        async with self.sessions() as s:
            return (await s.execute(select(CallbackTask).where(CallbackTask.case_id == case_id,
                                                               CallbackTask.state == "open")
                                    .limit(1))).scalar_one_or_none()

    async def open_of_record(self, record_id: int) -> CallbackTask | None:
        async with self.sessions() as s:
            return (await s.execute(select(CallbackTask).where(CallbackTask.service_record_id == record_id,
                                                               CallbackTask.state == "open")
                                    .limit(1))).scalar_one_or_none()

    async def search(self, f: TaskFilters, limit: int, offset: int) -> tuple[list[CallbackTask], int]:
        """Due order (earliest first), then id."""
        q = select(CallbackTask)
        if f.state == "open":
            q = q.where(CallbackTask.state == "open")
        elif f.state == "closed":
            q = q.where(CallbackTask.state != "open")
        elif f.state != "all":
            q = q.where(CallbackTask.state == f.state)
        if f.queue is not None:
            q = q.where(CallbackTask.queue == f.queue)
        if f.department_id is not None:
            q = q.where(CallbackTask.department_id == f.department_id)
        if f.case_type is not None:
            q = q.where(CallbackTask.case_type == f.case_type)
        if f.agent is not None:
            q = q.where(CallbackTask.id.in_(select(CallbackAttempt.task_id)
                                            .where(CallbackAttempt.agent_username == f.agent)))
        async with self.sessions() as s:
            total = int((await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one())
            rows = (await s.execute(q.order_by(CallbackTask.due_at, CallbackTask.id).limit(limit)
                                    .offset(offset))).scalars()
            return list(rows), total

    async def change(self, task_id: int, version: int, values: dict[str, Any], *,
                     only_open: bool = True) -> CallbackTask | None:
        """Apply ``values`` if the task is still at ``version`` (and open); bump the version. None if not."""
        async with self.sessions() as s:
            q = (update(CallbackTask).where(CallbackTask.id == task_id, CallbackTask.version == version)
                 .values(**values, version=version + 1))
            if only_open:
                q = q.where(CallbackTask.state == "open")
            if (await s.execute(q)).rowcount != 1:  # type: ignore[attr-defined]
                await s.rollback()
                return None
            await s.commit()
            return await s.get(CallbackTask, task_id)

    async def attempts(self, task_id: int) -> list[CallbackAttempt]:
        async with self.sessions() as s:
            return list((await s.execute(select(CallbackAttempt).where(CallbackAttempt.task_id == task_id)
                                         .order_by(CallbackAttempt.id))).scalars())

    async def add_attempt(self, values: dict[str, Any]) -> CallbackAttempt:
        async with self.sessions() as s:
            a = CallbackAttempt(**values)
            s.add(a)
            await s.commit()
            await s.refresh(a)
            return a

    async def change_attempt(self, attempt_id: int, values: dict[str, Any], *, unset: bool = False) -> bool:
        """Set ``values`` on the attempt (``unset``: only if its outcome is not recorded yet)."""
        async with self.sessions() as s:
            q = update(CallbackAttempt).where(CallbackAttempt.id == attempt_id).values(**values)
            if unset:
                q = q.where(CallbackAttempt.outcome.is_(None))
            ok = (await s.execute(q)).rowcount == 1  # type: ignore[attr-defined]
            await s.commit()
            return bool(ok)

    async def attempt_of_call(self, call_uniqueid: str) -> CallbackAttempt | None:
        async with self.sessions() as s:
            return (await s.execute(select(CallbackAttempt).where(CallbackAttempt.call_uniqueid == call_uniqueid)
                                    .limit(1))).scalar_one_or_none()

    async def overdue(self, now: datetime) -> list[CallbackTask]:
        async with self.sessions() as s:
            return list((await s.execute(select(CallbackTask).where(CallbackTask.state == "open",
                                                                    CallbackTask.due_at <= now)
                                         .order_by(CallbackTask.due_at))).scalars())

    async def due_between(self, since: datetime, until: datetime) -> list[CallbackTask]:
        async with self.sessions() as s:
            return list((await s.execute(select(CallbackTask).where(CallbackTask.due_at >= since,
                                                                    CallbackTask.due_at < until,
                                                                    CallbackTask.state != "cancelled")
                                         .order_by(CallbackTask.due_at))).scalars())

    async def last_agents(self, task_ids: Iterable[int]) -> dict[int, str]:
        """The agent of each task's last attempt."""
        ids = list(task_ids)
        out: dict[int, str] = {}
        async with self.sessions() as s:
            for i in range(0, len(ids), 500):
                rows = await s.execute(select(CallbackAttempt.task_id, CallbackAttempt.agent_username)
                                       .where(CallbackAttempt.task_id.in_(ids[i:i + 500]))
                                       .order_by(CallbackAttempt.id))
                for tid, agent in rows.all():
                    out[tid] = agent
        return out
