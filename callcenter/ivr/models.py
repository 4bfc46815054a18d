"""IVR storage: flows (with an editable draft), immutable published versions, DID entry points, voicemails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime


class IvrFlow(Base):
    __tablename__ = "ivr_flows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    draft_updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    live_version_id: Mapped[int | None] = mapped_column(Integer)
    live_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class IvrFlowVersion(Base):
    """A published version: never updated after insert (a call keeps running the version it started on)."""

    __tablename__ = "ivr_flow_versions"
    __table_args__ = (UniqueConstraint("flow_id", "version", name="uq_ivr_flow_versions_flow_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("ivr_flows.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    published_by: Mapped[str] = mapped_column(String(80), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class IvrEntryPoint(Base):
    """Dialled number (DID) → flow. ``did='*'`` is the default flow for numbers without their own."""

    __tablename__ = "ivr_entry_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    did: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    flow_id: Mapped[int] = mapped_column(ForeignKey("ivr_flows.id", ondelete="CASCADE"), nullable=False)


class Voicemail(Base):
    __tablename__ = "voicemails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    caller_number: Mapped[str | None] = mapped_column(String(64))
    mailbox: Mapped[str] = mapped_column(String(40), nullable=False)
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    empty: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(80))
