"""Campaigns (自动批量外呼; issue 15, "4. Campaigns"; docs/outbound.md "Campaigns").

A campaign is a list of numbers (from a CSV, a customer filter or the open call-back tasks) worked by its agents in
calling hours (the centre's timezone), in ``preview`` mode (the agent takes the next number, sees the customer, then
dials) or ``progressive`` (the pacer places the next number's call when one of the campaign's agents is ready: the
agent's phone first, then the customer — never more calls in flight than ready agents, so no customer is ever left
on a line with nobody). Each number is retried by the rule of its last outcome (busy, no answer, failed) until
``max_attempts``. A number on the do-not-call list (``dnc_numbers``) is never dialled, whenever it was added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

MODES = ("preview", "progressive")
STATES = ("draft", "running", "paused", "stopped", "done")
# a number: pending (to dial at next_at), reserved (a preview agent has it), dialling (its call is on), done
# (answered), exhausted (max attempts reached), dnc (on the do-not-call list when it came up), failed (a bad number)
NUMBER_STATES = ("pending", "reserved", "dialling", "done", "exhausted", "dnc")


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    agents: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)  # usernames who work it
    # calling hours, the centre's local time: "HH:MM" from (inclusive) to (exclusive), on ISO weekdays 1..7
    hours_from: Mapped[str] = mapped_column(String(5), nullable=False, default="09:00")
    hours_to: Mapped[str] = mapped_column(String(5), nullable=False, default="20:00")
    days: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=lambda: [1, 2, 3, 4, 5, 6, 7])
    # minutes until a number is tried again after each outcome, and the attempts in all
    retry: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    script: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what the agent says
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CampaignNumber(Base):
    __tablename__ = "campaign_numbers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[str] = mapped_column(String(32), nullable=False)  # digits
    name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    customer_id: Mapped[int | None] = mapped_column(Integer)
    # the call-back task this number calls back (``callback_tasks.id``; from the open call-back tasks): dialling it
    # is an attempt of that task, by the call-back desk's rules (its spacing, its attempts, closed: never dialled)
    callback_id: Mapped[int | None] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # not before (None: at once)
    agent: Mapped[str | None] = mapped_column(String(64))  # reserved by / last dialled by
    reserved_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)  # the last call
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    last_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_campaign_numbers_number"),
        Index("ix_campaign_numbers_due", "campaign_id", "state", "next_at", "id"),
    )


class DncNumber(Base):
    """The do-not-call list: a number here is never dialled by a campaign."""

    __tablename__ = "dnc_numbers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    added_by: Mapped[str] = mapped_column(String(64), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
