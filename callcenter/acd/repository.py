"""Storage for seats, queues, skills, pause reasons and agent state (current row + append-only log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.models import AgentSkill, AgentStateLog, AgentStatus, PauseReason, QueueDef, Seat
from callcenter.asterisk.config import QueueConf, SeatConf
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.settings import Settings

# level → member penalty, per queue routing. app_queue rings the lowest penalty first and higher penalties
# only when every member at the lower one is busy, paused or did not answer.
PENALTIES: dict[str, dict[str, int]] = {
    "equal": {"senior": 0, "intermediate": 0, "junior": 0},
    "seniors_first": {"senior": 0, "intermediate": 1, "junior": 2},
    "juniors_first": {"junior": 0, "intermediate": 1, "senior": 2},
}


def penalty_for(level: str, routing: str) -> int:
    """The app_queue penalty of an agent at ``level`` in a queue routed ``routing``."""
    try:
        return PENALTIES[routing][level]
    except KeyError:
        raise ValueError(f"unknown level {level!r} or routing {routing!r}") from None


class AcdRepository:
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

    # configuration ---------------------------------------------------------------------------------------
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

    async def set_skill(self, user_id: int, queue: str, level: str | None) -> None:
        """Give ``user_id`` the queue at ``level`` (None removes it)."""
        async with self.sessions() as s:
            qd = (await s.execute(select(QueueDef).where(QueueDef.name == queue))).scalar_one()
            await s.execute(delete(AgentSkill).where(AgentSkill.user_id == user_id, AgentSkill.queue_id == qd.id))
            if level is not None:
                s.add(AgentSkill(user_id=user_id, queue_id=qd.id, level=level))
            await s.commit()

    # agent state -----------------------------------------------------------------------------------------
    async def user(self, user_id: int) -> User | None:
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
