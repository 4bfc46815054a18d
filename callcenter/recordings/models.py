from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

STATUSES = ("recording", "ok", "empty", "missing", "deleted")


class Recording(Base):
    """One call's recording (both legs in one file), indexed when the call ends. ``path`` is relative to the
    recordings directory. A recording that is missing or empty at the end is kept as such (status, problem)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_extension: Mapped[str | None] = mapped_column(String(32))
    agent_username: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(8), nullable=False, default="wav")
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="recording")
    problem: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # stretches muted from the agent desktop: [{"from": s, "to": s | null, "by": username}] (seconds into the file)
    mutes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)

    __table_args__ = (
        Index("ix_recordings_started_at", "started_at"),
        Index("ix_recordings_agent_started", "agent_username", "started_at"),
    )
