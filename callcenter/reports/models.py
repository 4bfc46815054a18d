"""The interval rollups (migration 0026): per-15-minute buckets (UTC bucket start) per queue, per IVR node, per
agent, and the high-water mark of what was rolled up. They are a function of the raw rows (calls, the agent state
log, away episodes, call-back attempts, cases): ``rollups.roll`` recomputes any span of buckets from those rows, so
the incremental path, the repair at start and ``callcenter reports rebuild`` write the same numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

BUCKET_SECONDS = 900

QUEUE_COUNTS = ("offered", "answered", "answered_in_sl", "abandoned", "ivr_abandoned", "timed_out", "completed",
                "callbacks", "transfers", "wrapups")
QUEUE_SUMS = ("wait_sum", "talk_sum", "wrapup_sum")
AGENT_STATE_SECONDS = ("logged_in", "ready", "ringing", "on_call", "wrapup", "paused")
AGENT_COUNTS = ("answered", "made", "missed_rings", "away_violations", "callbacks_done", "cases_accepted")
AGENT_POINT_SUMS = ("away_seconds",)


class QueueBucket(Base):
    """One queue's (``""``: calls that never reached a queue) facts of one direction in one 15-minute bucket,
    each counted at its event's time as the board counts it (docs/wallboard.md)."""

    __tablename__ = "report_queue_buckets"

    bucket: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answered_in_sl: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ivr_abandoned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    timed_out: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    callbacks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    transfers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    wrapups: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    wait_max: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    talk_sum: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    wrapup_sum: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

    __table_args__ = (Index("ix_report_queue_buckets_queue", "queue", "bucket"),)


class IvrBucket(Base):
    """The IVR: how often each option (``choice`` = the digits) was taken at a node, and where callers hung up
    (``choice`` = ``hangup``), per bucket."""

    __tablename__ = "report_ivr_buckets"

    bucket: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class AgentBucket(Base):
    """One agent's seconds in each state (split across bucket boundaries; a state's time is counted once it has
    ended) and their counted facts, per bucket."""

    __tablename__ = "report_agent_buckets"

    bucket: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    agent: Mapped[str] = mapped_column(String(64), primary_key=True)
    logged_in: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    ready: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    ringing: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    on_call: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    wrapup: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    paused: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    away_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    made: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    missed_rings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    away_violations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    callbacks_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cases_accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_report_agent_buckets_agent", "agent", "bucket"),)


class AgentPauseBucket(Base):
    """One agent's paused seconds per pause reason, per bucket."""

    __tablename__ = "report_agent_pauses"

    bucket: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    agent: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)


class RollupMark(Base):
    """How far the rollups are complete (``name`` ``rolled_until``): the repair at start re-rolls from there."""

    __tablename__ = "report_rollup_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
