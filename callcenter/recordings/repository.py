"""Storage for the recordings index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import rows_affected
from callcenter.recordings.models import Recording


class RecordingRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def add(self, values: dict[str, Any]) -> None:
        async with self.sessions() as s:
            s.add(Recording(**values))
            await s.commit()

    async def change(self, call_uniqueid: str, **values: Any) -> None:
        async with self.sessions() as s:
            await s.execute(update(Recording).where(Recording.call_uniqueid == call_uniqueid).values(**values))
            await s.commit()

    async def get(self, call_uniqueid: str) -> Recording | None:
        async with self.sessions() as s:
            return (await s.execute(select(Recording).where(Recording.call_uniqueid == call_uniqueid))
                    ).scalar_one_or_none()

    async def unfinished(self) -> list[Recording]:
        """Recordings still marked as running (their call ended while the service was down: checked at start)."""
        async with self.sessions() as s:
            return list((await s.execute(select(Recording).where(Recording.status == "recording"))).scalars())

    async def older_than(self, queue: str, before: datetime, limit: int = 500) -> list[Recording]:
        """Finished recordings of ``queue`` started before ``before`` and not deleted yet (retention)."""
        async with self.sessions() as s:
            return list((await s.execute(
                select(Recording).where(Recording.queue == queue, Recording.started_at < before,
                                        Recording.status.in_(("ok", "empty", "missing")))
                .order_by(Recording.started_at).limit(limit))).scalars())

    # playback / transcoding ------------------------------------------------------------------------------------
    async def by_id(self, recording_id: int) -> Recording | None:
        async with self.sessions() as s:
            return await s.get(Recording, recording_id)

    async def search(self, *, agent: str | None = None, queue: str | None = None, since: datetime | None = None,
                     until: datetime | None = None, status: str | None = None, limit: int = 100,
                     offset: int = 0) -> tuple[list[Recording], int]:
        """Recordings newest first; ``agent`` is a username or an extension; ``since <= started_at < until``."""
        q = select(Recording)
        if agent:
            q = q.where(or_(Recording.agent_username == agent, Recording.agent_extension == agent))
        if queue:
            q = q.where(Recording.queue == queue)
        if since is not None:
            q = q.where(Recording.started_at >= since)
        if until is not None:
            q = q.where(Recording.started_at < until)
        if status:
            q = q.where(Recording.status == status)
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
            rows = await s.execute(q.order_by(Recording.started_at.desc(), Recording.id.desc())
                                   .limit(limit).offset(offset))
            return list(rows.scalars()), int(total)

    async def to_transcode(self, fmt: str = "wav") -> list[str]:
        """Call uniqueids of the finished recordings still in ``fmt``, oldest first (service start with
        transcoding on: queued again)."""
        async with self.sessions() as s:
            return list((await s.execute(
                select(Recording.call_uniqueid).where(Recording.status == "ok", Recording.format == fmt)
                .order_by(Recording.started_at, Recording.id))).scalars())

    async def change_if_unchanged(self, call_uniqueid: str, at_path: str, /, **values: Any) -> bool:
        """Change a finished recording only if it is still ``ok`` at ``at_path`` (not deleted by retention, not
        replaced meanwhile); whether it was changed."""
        async with self.sessions() as s:
            res = await s.execute(update(Recording).where(
                Recording.call_uniqueid == call_uniqueid, Recording.status == "ok", Recording.path == at_path)
                .values(**values))
            await s.commit()
            return bool(rows_affected(res))
