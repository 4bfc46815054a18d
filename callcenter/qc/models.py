"""QC tables: monthly draws, samples (the work queue), form templates, evaluations with their versions, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

SAMPLE_STATUSES = ("open", "claimed", "scored", "disputed")
EVALUATION_STATUSES = ("submitted", "acknowledged", "disputed", "corrected")


class QcDraw(Base):
    """One month's random draw: the seed and policy it ran with, so it can be re-run and checked."""

    __tablename__ = "qc_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), unique=True, nullable=False)  # YYYY-MM
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    drawn_by: Mapped[str] = mapped_column(String(64), nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    candidate_count: Mapped[int] = mapped_column(Integer, nullable=False)
    agent_candidates: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False)  # agent → candidates
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 of the candidate list


class QcSample(Base):
    """One call to be checked: drawn (``draw_id``) or hand-picked. At most once per month."""

    __tablename__ = "qc_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    call_uniqueid: Mapped[str] = mapped_column(String(64), nullable=False)
    agent: Mapped[str] = mapped_column(String(128), nullable=False)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("qc_draws.id"))
    week: Mapped[int] = mapped_column(Integer, nullable=False)  # (local day - 1) // 7
    weight: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    hand_picked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    picked_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    assignee: Mapped[str | None] = mapped_column(String(64))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("month", "call_uniqueid", name="uq_qc_samples_month_call"),
        Index("ix_qc_samples_month_agent", "month", "agent"),
        Index("ix_qc_samples_call", "call_uniqueid"),
        Index("ix_qc_samples_status", "status"),
    )


class QcTemplate(Base):
    """A QC form: criteria ``[{key, label_en, label_zh, weight, scale_min, scale_max}]``, weights summing to 100."""

    __tablename__ = "qc_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("name", "version", name="uq_qc_templates_name_version"),)


class QcEvaluation(Base):
    """The locked score of one sample. Its content lives in versions (1 = as submitted, then corrections)."""

    __tablename__ = "qc_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qc_samples.id"), unique=True, nullable=False)
    template_id: Mapped[int] = mapped_column(ForeignKey("qc_templates.id"), nullable=False)
    agent: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    evaluator: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)


class QcEvaluationVersion(Base):
    """One version of an evaluation (never changed once written, except the agent's one response to it)."""

    __tablename__ = "qc_evaluation_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qc_evaluations.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    points: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)
    total: Mapped[float] = mapped_column(Float, nullable=False)
    grade: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # why it was corrected ("" for 1)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    agent_response: Mapped[str | None] = mapped_column(String(16))  # acknowledged | disputed
    agent_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agent_responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("evaluation_id", "version", name="uq_qc_evaluation_versions"),)


class QcNote(Base):
    """A timeline note on a sample's recording (``at_seconds`` into the file)."""

    __tablename__ = "qc_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qc_samples.id"), nullable=False, index=True)
    at_seconds: Mapped[float] = mapped_column(Float, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    author: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
