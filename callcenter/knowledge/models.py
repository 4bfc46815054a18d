"""The knowledge base (知识库, issue 16 "2."): entries, each with every version of its agreed wording (统一口径) kept,
the queues and IVR choices a version applies to, the source documents (the original notice files) and the uses
of an entry on a call.

An entry (``knowledge_entries``) is what the catalogue lists; its ``version`` is the optimistic lock every change
checks. Its texts live in revisions (``knowledge_revisions``, numbered 1, 2, ... per entry): ``draft`` →
``reviewed`` → ``published``; publishing a newer revision makes the one it replaces ``superseded``; withdrawing
the entry makes its published revision ``withdrawn``. At most one revision of an entry is open (draft or reviewed)
at a time, and the published one stays what agents find until the open one is published.

``search_text`` is the revision's title, tags and wording, lower-cased, one string: what the search matches on
(SQLite: the FTS5 trigram table ``knowledge_fts`` kept by triggers; PostgreSQL: a pg_trgm GIN index on it; both
made by migration 0023)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

REVISION_STATES = ("draft", "reviewed", "published", "superseded", "withdrawn")
OPEN_STATES = ("draft", "reviewed")
ENTRY_STATES = ("new", "published", "withdrawn")  # new: never published yet
TARGET_KINDS = ("queue", "ivr")


class KnowledgeEntry(Base):
    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    published_revision_id: Mapped[int | None] = mapped_column(Integer)
    open_revision_id: Mapped[int | None] = mapped_column(Integer)  # the draft or reviewed revision, if any
    revisions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # how many (the last one's number)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdraw_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class KnowledgeDocument(Base):
    """An uploaded source document, stored unchanged under ``<data_dir>/knowledge/<id>`` with its checksum."""

    __tablename__ = "knowledge_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class KnowledgeRevision(Base):
    __tablename__ = "knowledge_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)  # the agreed wording: plain text, a small Markdown subset
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    tags_text: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the tags joined by spaces
    queues: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    ivr_choices: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None: from its publication
    valid_to: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None: until withdrawn
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_documents.id", ondelete="SET NULL"))
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what this version changes
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # superseded or withdrawn at

    __table_args__ = (UniqueConstraint("entry_id", "number", name="uq_knowledge_revisions_entry_number"),
                      Index("ix_knowledge_revisions_entry", "entry_id"))


class KnowledgeTarget(Base):
    """A queue or an IVR choice a revision applies to (what the desktop's suggestions read)."""

    __tablename__ = "knowledge_targets"

    revision_id: Mapped[int] = mapped_column(ForeignKey("knowledge_revisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # queue, ivr
    value: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_knowledge_targets_kind_value", "kind", "value"),)


class KnowledgeUse(Base):
    """An agent used an entry on a call (once per entry, call and user); ``month``: the centre's, YYYY-MM."""

    __tablename__ = "knowledge_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), nullable=False)
    revision_id: Mapped[int | None] = mapped_column(Integer)  # the revision the agent saw
    call_uniqueid: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)

    __table_args__ = (UniqueConstraint("entry_id", "call_uniqueid", "username", name="uq_knowledge_uses_once"),
                      Index("ix_knowledge_uses_month_entry", "month", "entry_id"))
