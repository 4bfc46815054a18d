"""The directory's tables: seats (SIP phones), queues on app_queue, agents' skills and pause reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

LEVELS = ("junior", "intermediate", "senior")
ROUTINGS = ("equal", "seniors_first", "juniors_first")
STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom")


class Seat(Base):
    """A SIP phone (PJSIP endpoint/auth/aor rendered into pjsip.conf). The password never leaves the server."""

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    extension: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    password: Mapped[str] = mapped_column(String(128), nullable=False)
    # optional fixed contact (sip:1001@127.0.0.1:16001) for phones that do not register
    static_contact: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class QueueDef(Base):
    """A queue on app_queue, rendered into queues.conf (no static members: the bridge adds them)."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    strategy: Mapped[str] = mapped_column(String(16), nullable=False, default="rrmemory")
    ring_timeout_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    retry_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    wrapup_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    max_wait_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=300)
    announce: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    service_level_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=20)
    # the share (%) of calls to answer within service_level_seconds (the wallboard's target line and alert)
    service_level_target: Mapped[int] = mapped_column(Integer, nullable=False, default=80)
    # recordings of this queue's calls are deleted this many days after the call (0: kept until deleted by hand)
    recording_retention_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    routing: Mapped[str] = mapped_column(String(16), nullable=False, default="equal")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class AgentSkill(Base):
    """An agent (user) serves a queue at a level; the level becomes the member penalty (see
    ``callcenter.directory.repository.penalty_for``)."""

    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("user_id", "queue_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False, default="junior")


class PauseReason(Base):
    __tablename__ = "pause_reasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    label_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    label_en: Mapped[str] = mapped_column(String(64), nullable=False)
    # time in this pause counts as away from the desk (seat discipline)
    away: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # system reasons (not-ready after login, auto-pause after unanswered rings) are set by the product only
    system: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
