"""The ``write_failures`` table: rows a write-behind (call records, agent state changes) could not store, each kept
with its error until an admin retries or dismisses it (``/api/health`` is not ``ok`` while any is unresolved)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime


class WriteFailure(Base):
    """One row a writer could not store. ``row`` is the row as JSON (ASCII, tagged datetimes/tuples, so it can be
    written again as it was); a keyed row (a call: its uniqueid) has one unresolved entry, updated on each new
    failure, as the latest state of a call wins."""

    __tablename__ = "write_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    writer: Mapped[str] = mapped_column(String(64), nullable=False)  # call-writer | agent-state-writer
    row_key: Mapped[str | None] = mapped_column(String(200))
    row: Mapped[str] = mapped_column(Text, nullable=False)
    error_type: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))  # retried | dismissed | superseded
    note: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    __table_args__ = (
        Index("ix_write_failures_open", "resolved_at", "failed_at"),
        Index("ix_write_failures_writer_key", "writer", "row_key"),
    )
