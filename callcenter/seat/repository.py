"""Storage for seat discipline: away episodes and leave-seat requests. Each method is one transaction of its
own; the rules (thresholds, findings, who may decide) and the live copies of open rows are in ``episodes.py``
and ``leave.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.seat.models import AwayEpisode, LeaveRequest


class SeatRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # away episodes ---------------------------------------------------------------------------------------------
    async def add_episode(self, values: dict[str, Any]) -> int:
        """Store a new episode; its id."""
        async with self.sessions() as s:
            row = AwayEpisode(**values)
            s.add(row)
            await s.commit()
            return row.id

    async def change_episode(self, episode_id: int, values: dict[str, Any]) -> None:
        async with self.sessions() as s:
            await s.execute(update(AwayEpisode).where(AwayEpisode.id == episode_id).values(**values))
            await s.commit()

    async def delete_episode(self, episode_id: int) -> None:
        async with self.sessions() as s:
            await s.execute(delete(AwayEpisode).where(AwayEpisode.id == episode_id))
            await s.commit()

    async def episodes(self, *, username: str | None, since: datetime | None, before: datetime | None,
                       violations_only: bool, finding: str | None, limit: int) -> list[AwayEpisode]:
        """Episodes newest first; ``since <= started_at < before``."""
        q = select(AwayEpisode).order_by(AwayEpisode.started_at.desc(), AwayEpisode.id.desc()).limit(limit)
        if username:
            q = q.where(AwayEpisode.username == username)
        if since is not None:
            q = q.where(AwayEpisode.started_at >= since)
        if before is not None:
            q = q.where(AwayEpisode.started_at < before)
        if violations_only:
            q = q.where(AwayEpisode.violation_at.is_not(None))
        if finding is not None:
            q = q.where(AwayEpisode.finding == finding)
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())

    # leave-seat requests ---------------------------------------------------------------------------------------
    async def add_request(self, values: dict[str, Any]) -> int:
        """Store a new request; its id."""
        async with self.sessions() as s:
            row = LeaveRequest(**values)
            s.add(row)
            await s.commit()
            return row.id

    async def change_request(self, request_id: int, values: dict[str, Any]) -> None:
        async with self.sessions() as s:
            await s.execute(update(LeaveRequest).where(LeaveRequest.id == request_id).values(**values))
            await s.commit()

    async def request(self, request_id: int) -> LeaveRequest | None:
        async with self.sessions() as s:
            return await s.get(LeaveRequest, request_id)

    async def requests(self, *, status: str | None, username: str | None, limit: int) -> list[LeaveRequest]:
        """Requests newest first."""
        q = select(LeaveRequest).order_by(LeaveRequest.created_at.desc(), LeaveRequest.id.desc()).limit(limit)
        if status is not None:
            q = q.where(LeaveRequest.status == status)
        if username:
            q = q.where(LeaveRequest.username == username)
        async with self.sessions() as s:
            return list((await s.execute(q)).scalars())

    # restart ---------------------------------------------------------------------------------------------------
    async def open_rows(self) -> tuple[list[AwayEpisode], list[LeaveRequest]]:
        """The episodes not ended (oldest first) and the live requests (pending or approved, not closed), read in
        one transaction."""
        async with self.sessions() as s:
            episodes = list((await s.execute(select(AwayEpisode).where(AwayEpisode.ended_at.is_(None))
                                             .order_by(AwayEpisode.started_at))).scalars())
            requests = list((await s.execute(select(LeaveRequest).where(
                LeaveRequest.status.in_(("pending", "approved")), LeaveRequest.closed_at.is_(None)))).scalars())
        return episodes, requests
