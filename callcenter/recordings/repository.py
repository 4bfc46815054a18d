"""Storage for the recordings index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.recordings.models import Recording


class RecordingRepository:
    def __init__(self, sessions: async_sessionmaker) -> None:  # type: ignore[type-arg]
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
