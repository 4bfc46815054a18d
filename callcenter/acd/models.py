"""The ACD's tables: the agent state (current row + append-only log). The directory it reads (seats, queues,
skills, pause reasons) is ``callcenter.directory.models``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

STATES = ("logged_out", "ready", "ringing", "on_call", "wrapup", "paused")


class AgentStatus(Base):
    """The current state of each agent who ever logged in (one row per user); the DB is the truth for who is
    logged in at which seat and paused why — re-applied to Asterisk after a restart."""

    __tablename__ = "agent_status"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    extension: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="logged_out")
    reason: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    since: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    logged_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    missed_rings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class AgentStateLog(Base):
    """Append-only: every state change with its time, reason, call and source (agent/ami/system/supervisor)."""

    __tablename__ = "agent_state_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    extension: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
