"""Tables of the shifts package (migration ``0012_shifts``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

LEVELS = ("junior", "intermediate", "senior")  # the seeds' agent levels (also callcenter.acd.models.LEVELS)
KINDS = ("late", "absence", "early_leave", "early_arrival", "left_before_relief", "sick_leave")
LEAVE_KINDS = ("personal", "sick")
VIOLATION_KINDS = ("late", "absence", "early_leave", "left_before_relief")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")
POSITIONS = ("team_lead", "department_head", "centre_director")  # in rising rank


class ShiftTemplate(Base):
    """A shift by its local start and end (centre timezone); ``end <= start`` is a night shift crossing
    midnight. ``job``/``skill_level``, when set, are what an agent rostered on it must have."""

    __tablename__ = "shift_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    start: Mapped[str] = mapped_column(String(5), nullable=False)  # HH:MM local
    end: Mapped[str] = mapped_column(String(5), nullable=False)
    job: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    skill_level: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class PublicHoliday(Base):
    __tablename__ = "public_holidays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class RosterEntry(Base):
    """One agent on one shift of one date. ``starts_at``/``ends_at`` are the shift's UTC bounds, fixed when the
    entry is made (a night shift belongs to the date it starts). ``seat`` (an extension) is optional."""

    __tablename__ = "shift_roster"
    __table_args__ = (
        UniqueConstraint("day", "template_id", "username", name="uq_shift_roster_day_template_user"),
        Index("ix_shift_roster_user_day", "username", "day"),
        Index("ix_shift_roster_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("shift_templates.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    job: Mapped[str] = mapped_column(String(32), nullable=False, default="agent")
    skill_level: Mapped[str] = mapped_column(String(16), nullable=False, default="junior")
    seat: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    swap_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the approved swap that put them here
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AttendanceRecord(Base):
    """What the attendance rules found for one roster entry (one row per kind). Always derived from the agent
    state log, the roster, approved leave and the settings: ``recompute`` rebuilds the same rows."""

    __tablename__ = "shift_attendance"
    __table_args__ = (
        UniqueConstraint("roster_id", "kind", name="uq_shift_attendance_roster_kind"),
        Index("ix_shift_attendance_day", "day"),
        Index("ix_shift_attendance_user_day", "username", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("shift_roster.id", ondelete="CASCADE"), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    shift: Mapped[str] = mapped_column(String(32), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)  # when it happened / became known
    open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # late, not logged in yet
    seat: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Handover(Base):
    """The shift handover log (交接日志): written by the outgoing lead, acknowledged by the incoming one."""

    __tablename__ = "shift_handovers"
    __table_args__ = (UniqueConstraint("day", "template_id", name="uq_shift_handovers_day_template"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    template_id: Mapped[int] = mapped_column(ForeignKey("shift_templates.id"), nullable=False)
    author: Mapped[str] = mapped_column(String(64), nullable=False)
    equipment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    difficult_cases: Mapped[str] = mapped_column(Text, nullable=False, default="")
    staffing: Mapped[str] = mapped_column(Text, nullable=False, default="")
    notices: Mapped[str] = mapped_column(Text, nullable=False, default="")
    written_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    ack_note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class SwapRequest(Base):
    """An agent's request to swap their rostered shift with another agent's; two leads approve."""

    __tablename__ = "shift_swaps"
    __table_args__ = (Index("ix_shift_swaps_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    requester: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    counterpart: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    requester_roster_id: Mapped[int] = mapped_column(ForeignKey("shift_roster.id"), nullable=False)
    counterpart_roster_id: Mapped[int] = mapped_column(ForeignKey("shift_roster.id"), nullable=False)
    requester_day: Mapped[date] = mapped_column(Date, nullable=False)
    requester_template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    counterpart_day: Mapped[date] = mapped_column(Date, nullable=False)
    counterpart_template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)  # [{side, by, at, note}]
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ShiftLeave(Base):
    """Leave for dates ``start_day..end_day`` (inclusive), for one shift template or (null) every shift."""

    __tablename__ = "shift_leave_requests"
    __table_args__ = (Index("ix_shift_leave_requests_user_days", "username", "start_day", "end_day"),
                      Index("ix_shift_leave_requests_status", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    start_day: Mapped[date] = mapped_column(Date, nullable=False)
    end_day: Mapped[date] = mapped_column(Date, nullable=False)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_templates.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    exceptional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    required_level: Mapped[str] = mapped_column(String(24), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # 0014: personal leave or sick leave (sick: may be recorded after the fact, with the certificate handed in)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="personal")
    # the level-by-level approvals so far: [{level, by, at, note}] (null: none yet, or decided before 0014)
    approvals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    phoned_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # sick: when it was reported
    certificate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # sick: certificate handed in


class HandoverRead(Base):
    """Who read which handover (the incoming agents read the latest notices): first and last read (0014)."""

    __tablename__ = "shift_handover_reads"
    __table_args__ = (UniqueConstraint("handover_id", "username", name="uq_shift_handover_reads_handover_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("shift_handovers.id", ondelete="CASCADE"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    last_read_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class ApproverPosition(Base):
    """Who may approve leave, and up to which level (managed by admins)."""

    __tablename__ = "approver_positions"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[str] = mapped_column(String(24), nullable=False)
    set_by: Mapped[str] = mapped_column(String(64), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
