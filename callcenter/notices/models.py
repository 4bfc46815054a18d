"""Notices (通告, issue 16 "3."): what a lead or a department head tells the agents, to whom, until when, and who
has read it.

A notice (``notices``) keeps its audience as it was given (``everyone``, ``queues``, ``shifts`` = shift template
ids, ``agents``) and, resolved once when it is published, the agents it reached (``notice_recipients``): who has
to read it is fixed then, audited, and what "who has not read it yet" counts against. ``valid_until`` (None: until
withdrawn) ends it by itself on the clock; a withdrawal (who, when, a reason) ends it at once. The optional file
(``notice_files``) is stored unchanged under ``<data_dir>/notices/<file id>`` with its SHA-256.

Acknowledgements (``notice_acks``) are append-only: one row per notice and agent, never changed or removed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime


class NoticeFile(Base):
    __tablename__ = "notice_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)  # plain text, shown escaped
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    everyone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    queues: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    shifts: Mapped[list[int]] = mapped_column(JSON, nullable=False)  # shift template ids
    agents: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("notice_files.id", ondelete="SET NULL"))
    published_by: Mapped[str] = mapped_column(String(64), nullable=False)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdraw_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (Index("ix_notices_published_at", "published_at"),)


class NoticeRecipient(Base):
    """An agent the notice was addressed to (resolved at publication)."""

    __tablename__ = "notice_recipients"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_notice_recipients_username", "username"),)


class NoticeAck(Base):
    """An agent acknowledged (read) the notice: once, never changed."""

    __tablename__ = "notice_acks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (UniqueConstraint("notice_id", "username", name="uq_notice_acks_once"),
                      Index("ix_notice_acks_username", "username"))
