"""Cases (issue 14): complaints, suggestions, fault reports and service requests, each with its timeline (append
only), linked calls, report files, clock events and customer-wait pauses; and the per-(type, day) counters that
number them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

TYPES = ("complaint", "suggestion", "fault", "service_request")
# the number's prefix per type: the pinyin initials of 投诉 / 建议 / 障碍 / 服务
PREFIXES = {"complaint": "TS", "suggestion": "JY", "fault": "ZA", "service_request": "FW"}
STATES = ("accepted", "dispatched", "investigating", "reported", "resolved", "informed", "closed", "cancelled")
OPEN_STATES = STATES[:6]
CAUSE_CLASSES = ("quality", "non_quality")
SEVERITIES = ("ordinary", "serious")
INFORMED_HOW = ("phone", "writing")


class CaseCounter(Base):
    """The last sequence number given to a case of ``type`` on the centre's ``day`` (YYYYMMDD); bumped in the
    creating transaction (insert, or update on conflict, returning the new value), so two creations never get the
    same number on either database, from any instance."""

    __tablename__ = "case_counters"

    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    accepted_by: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    demand: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cause_class: Mapped[str | None] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), nullable=False, default="ordinary")
    employee: Mapped[str | None] = mapped_column(String(64), index=True)  # the employee complained about
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    handler: Mapped[str | None] = mapped_column(String(64), index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    paused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    report_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    settlement_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    informed_how: Mapped[str | None] = mapped_column(String(16))
    cancel_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    informed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (
        Index("ix_cases_state_accepted", "state", "accepted_at"),
        Index("ix_cases_department_state", "department_id", "state"),
        Index("ix_cases_customer", "customer_id"),
        Index("ix_cases_accepted_by", "accepted_by"),
    )


class CaseCall(Base):
    """A call linked to a case (by its Asterisk uniqueid = calls.uniqueid; the recording is found by it)."""

    __tablename__ = "case_calls"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    linked_by: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CaseEvent(Base):
    """One line of a case's timeline: who did what when. Rows are only ever added."""

    __tablename__ = "case_timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(48), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_case_timeline_case", "case_id", "id"),)


class CaseFile(Base):
    """A file of a case's report, stored as ``<data_dir>/cases/<case id>/<file id>`` (service-only mode)."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)  # cleaned
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CasePause(Base):
    """A time the case waited for the customer (``ended_at`` None: still waiting)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CaseClockEvent(Base):
    """A clock event recorded for a case (``dispatch.warning``, ``report.breach`` ...): at most once per kind."""

    __tablename__ = "case_clock_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("case_id", "kind", name="uq_case_clock_events_case_kind"),)


RESPONSIBILITIES = ("upheld", "not_upheld", "no_fault")


class CaseReview(Base):
    """The monthly responsibility review of a closed complaint (``callcenter/cases/review.py``): one per case, never
    changed. ``month`` is the centre's month the complaint was closed in (``YYYY-MM``); ``responsibility``: ``upheld``
    (``employee`` is responsible), ``not_upheld`` (the complaint against the employee does not stand) or
    ``no_fault`` (no employee is at fault); ``outcome``: the administrative outcome (free text). The case's
    acceptance and department are kept as they were at the review (the flag's window counts the acceptance)."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    responsibility: Mapped[str] = mapped_column(String(16), nullable=False)
    employee: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    case_accepted_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    department_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("case_id", name="uq_case_reviews_case"),
                      Index("ix_case_reviews_employee", "responsibility", "employee", "case_accepted_at"))
