"""The surveys' storage: each method one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.surveys.models import POINTS, Survey


class SurveyRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def add(self, values: dict[str, Any]) -> Survey:
        async with self.sessions() as s:
            row = Survey(**values)
            s.add(row)
            await s.commit()
            await s.refresh(row)
            return row

    async def of_month(self, month: str, agent: str | None = None) -> list[Survey]:
        async with self.sessions() as s:
            q = select(Survey).where(Survey.month == month).order_by(Survey.id)
            if agent is not None:
                q = q.where(Survey.agent_username == agent)
            return list((await s.execute(q)).scalars())

    async def put_for_call(self, call_uniqueid: str, replaces: tuple[str, ...], values: dict[str, Any]
                           ) -> tuple[Survey, dict[str, Any] | None]:
        """The call's survey of one of the ``replaces`` channels given ``values`` (the oldest such one, when there
        is one), else a new survey; with what the replaced one had (channel, month, points, taken_by, taken_at),
        None when new. One transaction."""
        async with self.sessions() as s:
            row = (await s.execute(select(Survey).where(Survey.call_uniqueid == call_uniqueid,
                                                        Survey.channel.in_(replaces))
                                   .order_by(Survey.id).limit(1))).scalar_one_or_none()
            before = None
            if row is None:
                row = Survey(**values)
                s.add(row)
            else:
                before = {k: getattr(row, k) for k in ("channel", "month", *POINTS, "taken_by", "taken_at")}
                for k, v in values.items():
                    setattr(row, k, v)
            await s.commit()
            await s.refresh(row)
            return row, before

    async def add_once_for_call(self, call_uniqueid: str, values: dict[str, Any]) -> Survey | None:
        """A new survey of ``values["channel"]`` for the call, unless the call has one of that channel (None)."""
        async with self.sessions() as s:
            found = (await s.execute(select(Survey.id).where(Survey.call_uniqueid == call_uniqueid,
                                                             Survey.channel == values["channel"]).limit(1))).first()
            if found is not None:
                return None
            row = Survey(**values)
            s.add(row)
            await s.commit()
            await s.refresh(row)
            return row

    async def set_point(self, survey_id: int, point: str, level: int) -> None:
        """One answer of a survey being taken (stored as soon as it is given)."""
        if point not in POINTS:
            raise ValueError(f"unknown survey point {point!r}")
        async with self.sessions() as s:
            await s.execute(update(Survey).where(Survey.id == survey_id).values({point: level}))
            await s.commit()

    async def of_calls(self, uniqueids: list[str]) -> list[Survey]:
        """The surveys of these calls, the latest first."""
        if not uniqueids:
            return []
        async with self.sessions() as s:
            return list((await s.execute(select(Survey).where(Survey.call_uniqueid.in_(uniqueids))
                                         .order_by(Survey.taken_at.desc(), Survey.id.desc()))).scalars())

    async def of_task(self, task_id: int) -> list[Survey]:
        async with self.sessions() as s:
            return list((await s.execute(select(Survey).where(Survey.task_id == task_id)
                                         .order_by(Survey.id))).scalars())

    async def poor_calls(self, uniqueids: list[str], poor: int) -> set[str]:
        """Which of these calls have a survey with a point at level ``poor`` or worse."""
        out: set[str] = set()
        async with self.sessions() as s:
            for i in range(0, len(uniqueids), 500):
                chunk = uniqueids[i:i + 500]
                rows = await s.execute(select(Survey.call_uniqueid, Survey.attitude, Survey.skill,
                                              Survey.timeliness, Survey.promises)
                                       .where(Survey.call_uniqueid.in_(chunk)))
                for uid, *points in rows.all():
                    if uid and any(p is not None and p >= poor for p in points):
                        out.add(uid)
        return out
