"""Seat-discipline tables: away episodes (one row per continuous stretch away from the desk) and leave-seat
requests (an agent asks, a team lead approves or rejects). The monthly report is computed from these rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

# where away time comes from: paused with an away reason / auto-paused after unanswered rings / phone unreachable
SOURCES = ("pause", "no_answer", "phone")
# what an ended (or ongoing) episode amounts to: 20 minutes or more is a violation; a shorter one without an approved
# leave-seat request is an unapproved absence (leaving the seat needs the lead's consent); "" = neither
FINDINGS = ("violation", "unapproved_absence")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled", "lapsed")


class LeaveRequest(Base):
    """An agent's request to leave the seat for ``minutes``; a team lead (supervisor/admin) decides. An approved
    request covers one away episode (``episode_id`` once used, ``used_from`` = when the approved time starts)."""

    __tablename__ = "leave_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    extension: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)  # asked for
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # the episode it covered (no FK: away_episodes points here)
    episode_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    used_from: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # no longer live: rejected, cancelled or lapsed at; or, when used, the end of the episode it covered
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_leave_requests_status", "status"),
        Index("ix_leave_requests_username_created", "username", "created_at"),
    )


class AwayEpisode(Base):
    """One continuous stretch away from the desk while logged in, whatever its causes along the way (``source``:
    every cause seen, in order, comma-separated; ``reason``: the pause reasons / phone states seen). ``warning_at``
    and ``violation_at`` are the threshold instants, written when they are reached (not at the end);
    ``limit_minutes`` is the threshold that applied (the normal one, or longer under an approved request)."""

    __tablename__ = "away_episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    extension: Mapped[str | None] = mapped_column(String(16), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    active_sources: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # the causes now ("" ended)
    warning_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    violation_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    limit_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    approved_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"), nullable=True)
    end_reason: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # back / logout
    finding: Mapped[str] = mapped_column(String(24), nullable=False, default="")  # FINDINGS or "" (0014)
    # every change of causes: [{"at": iso, "sources": [...], "reasons": [...]}]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)

    __table_args__ = (
        Index("ix_away_episodes_username_started", "username", "started_at"),
        Index("ix_away_episodes_started", "started_at"),
        Index("ix_away_episodes_open", "ended_at"),
    )
