"""Storage for the directory: seats, queues, agents' skills and pause reasons. All the SQL on those tables is here;
each method is one transaction of its own."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.config import QueueConf, SeatConf
from callcenter.clock import Clock
from callcenter.directory.models import AgentSkill, PauseReason, QueueDef, Seat
from callcenter.settings import Settings

# level → member penalty, per queue routing. app_queue rings the lowest penalty first and higher penalties
# only when every member at the lower one is busy, paused or did not answer.
PENALTIES: dict[str, dict[str, int]] = {
    "equal": {"senior": 0, "intermediate": 0, "junior": 0},
    "seniors_first": {"senior": 0, "intermediate": 1, "junior": 2},
    "juniors_first": {"junior": 0, "intermediate": 1, "senior": 2},
}

# the directory's rows an admin creates, changes and deletes by id
_Row = TypeVar("_Row", Seat, QueueDef, PauseReason)


def penalty_for(level: str, routing: str) -> int:
    """The app_queue penalty of an agent at ``level`` in a queue routed ``routing``."""
    try:
        return PENALTIES[routing][level]
    except KeyError:
        raise ValueError(f"unknown level {level!r} or routing {routing!r}") from None


class DirectoryRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    # first run -------------------------------------------------------------------------------------------
    async def seed_from_settings(self, settings: Settings) -> None:
        """First run only: seats from ``settings.agents``, queues from ``settings.queues`` (then the DB rules)."""
        async with self.sessions() as s:
            if (await s.execute(select(Seat.id).limit(1))).first() is None:
                for a in settings.agents:
                    s.add(Seat(extension=a.extension, name=a.name, password=a.password, static_contact="",
                               active=True, created_at=self.clock.now()))
            if (await s.execute(select(QueueDef.id).limit(1))).first() is None:
                for q in settings.queues:
                    s.add(QueueDef(name=q.name, display_name=q.display_name or q.name, strategy=q.strategy,
                                   ring_timeout_seconds=15,
                                   retry_seconds=2, wrapup_seconds=q.wrapup_seconds,
                                   max_wait_seconds=q.timeout_seconds, announce="",
                                   service_level_seconds=q.service_level_seconds, routing=q.routing, active=True))
            await s.commit()

    # reads -----------------------------------------------------------------------------------------------
    async def seats(self, active_only: bool = False) -> list[Seat]:
        q = select(Seat).order_by(Seat.extension)
        if active_only:
            q = q.where(Seat.active.is_(True))
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())

    async def seat(self, extension: str) -> Seat | None:
        async with self.sessions() as s:
            return (await s.execute(select(Seat).where(Seat.extension == extension))).scalar_one_or_none()

    async def queues(self, active_only: bool = False) -> list[QueueDef]:
        q = select(QueueDef).order_by(QueueDef.name)
        if active_only:
            q = q.where(QueueDef.active.is_(True))
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())

    async def queue(self, name: str) -> QueueDef | None:
        async with self.sessions() as s:
            return (await s.execute(select(QueueDef).where(QueueDef.name == name))).scalar_one_or_none()

    async def queue_named_like(self, name: str) -> str | None:
        """The name of a queue spelt like ``name`` but for case (Asterisk's app_queue compares names without
        case), if there is one."""
        async with self.sessions() as s:
            return (await s.execute(
                select(QueueDef.name).where(func.lower(QueueDef.name) == name.lower()).limit(1)
            )).scalar_one_or_none()

    async def seat_confs(self) -> list[SeatConf]:
        return [SeatConf(x.extension, x.password, x.name, x.static_contact) for x in await self.seats(True)]

    async def queue_confs(self) -> list[QueueConf]:
        return [QueueConf(q.name, q.strategy, q.ring_timeout_seconds, q.retry_seconds, q.service_level_seconds,
                          q.announce) for q in await self.queues(True)]

    async def pause_reasons(self, active_only: bool = True) -> list[PauseReason]:
        q = select(PauseReason).order_by(PauseReason.id)
        if active_only:
            q = q.where(PauseReason.active.is_(True))
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())

    async def pause_reason(self, code: str) -> PauseReason | None:
        async with self.sessions() as s:
            return (await s.execute(select(PauseReason).where(PauseReason.code == code))).scalar_one_or_none()

    # skills ----------------------------------------------------------------------------------------------
    async def memberships(self, user_id: int) -> dict[str, int]:
        """queue name → penalty for the user's skills on active queues."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(QueueDef.name, QueueDef.routing, AgentSkill.level)
                .join(AgentSkill, AgentSkill.queue_id == QueueDef.id)
                .where(AgentSkill.user_id == user_id, QueueDef.active.is_(True)).order_by(QueueDef.name)
            )).all()
        return {name: penalty_for(level, routing) for name, routing, level in rows}

    async def skills(self, user_id: int) -> list[dict[str, Any]]:
        async with self.sessions() as s:
            rows = (await s.execute(
                select(QueueDef.name, AgentSkill.level).join(AgentSkill, AgentSkill.queue_id == QueueDef.id)
                .where(AgentSkill.user_id == user_id).order_by(QueueDef.name)
            )).all()
        return [{"queue": n, "level": lvl} for n, lvl in rows]

    async def skills_by_user(self) -> dict[int, list[dict[str, str]]]:
        """user id → their skills (queue, level), by queue name."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentSkill.user_id, QueueDef.name, AgentSkill.level)
                .join(QueueDef, QueueDef.id == AgentSkill.queue_id).order_by(QueueDef.name)
            )).all()
        out: dict[int, list[dict[str, str]]] = {}
        for uid, queue, level in rows:
            out.setdefault(uid, []).append({"queue": queue, "level": level})
        return out

    async def skill_counts(self) -> dict[int, int]:
        """queue id → how many users have a skill on it."""
        async with self.sessions() as s:
            rows = (await s.execute(
                select(AgentSkill.queue_id, func.count(AgentSkill.id)).group_by(AgentSkill.queue_id)
            )).all()
        return {qid: int(n) for qid, n in rows}

    async def set_skill(self, user_id: int, queue: str, level: str | None) -> None:
        """Give ``user_id`` the queue at ``level`` (None removes it)."""
        async with self.sessions() as s:
            qd = (await s.execute(select(QueueDef).where(QueueDef.name == queue))).scalar_one()
            await s.execute(delete(AgentSkill).where(AgentSkill.user_id == user_id, AgentSkill.queue_id == qd.id))
            if level is not None:
                s.add(AgentSkill(user_id=user_id, queue_id=qd.id, level=level))
            await s.commit()

    async def replace_skills(self, user_id: int, levels: dict[int, str]) -> None:
        """The user's skills become exactly ``levels`` (queue id → level)."""
        async with self.sessions() as s:
            await s.execute(delete(AgentSkill).where(AgentSkill.user_id == user_id))
            for queue_id, level in levels.items():
                s.add(AgentSkill(user_id=user_id, queue_id=queue_id, level=level))
            await s.commit()

    # the admin's changes of seats, queues and pause reasons ---------------------------------------------------
    async def add(self, row: _Row) -> _Row | None:
        """Store a new seat, queue or pause reason; None when its unique key is already taken (a concurrent
        create: the service checks first)."""
        async with self.sessions() as s:
            s.add(row)
            try:
                await s.commit()
            except IntegrityError:
                return None
            await s.refresh(row)
        return row

    async def update(self, model: type[_Row], row_id: int, changes: dict[str, Any]) -> _Row:
        """Apply ``changes`` (column → value) to the row and return it as stored."""
        async with self.sessions() as s:
            row = (await s.execute(select(model).where(model.id == row_id))).scalar_one()
            for k, v in changes.items():
                setattr(row, k, v)
            await s.commit()
            await s.refresh(row)
        return row

    async def remove(self, model: type[_Row], row_id: int) -> None:
        async with self.sessions() as s:
            await s.execute(delete(model).where(model.id == row_id))
            await s.commit()
