"""The call-back desk's tables (issue 15, "2. The call-back desk"; docs/outbound.md).

A task calls a customer back about a case's result (created when the case is resolved, due ``due_hours`` (72)
after the result), or about a service record that asks for a follow-up (due at the record's follow-up time). It
stays ``open`` until it closes: ``reached`` (the customer answered the survey), ``refused`` (reached, would not
answer it), ``problem_stands`` (reached, the problem is not solved: fed back), ``unreachable`` (``max_attempts``
failed attempts, or a wrong number) or ``cancelled`` (a follow-up withdrawn or done by hand). Every attempt is a
row with the outbound call it placed (``calls.uniqueid``) and its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

STATES = ("open", "reached", "refused", "problem_stands", "unreachable", "cancelled")
CLOSED = STATES[1:]
# what an attempt came to: the first three the agent says of an answered call; no_answer / busy from the call
# itself (or the agent); wrong_number closes the task as unreachable at once
OUTCOMES = ("reached", "problem_stands", "refused", "wrong_number", "no_answer", "busy")
FAILED = ("no_answer", "busy")


class CallbackTask(Base):
    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    case_number: Mapped[str | None] = mapped_column(String(32))
    case_type: Mapped[str | None] = mapped_column(String(16))
    service_record_id: Mapped[int | None] = mapped_column(Integer)  # a follow-up's record (no case)
    department_id: Mapped[int | None] = mapped_column(Integer)
    queue: Mapped[str | None] = mapped_column(String(64))  # the queue of the case's first call
    customer_id: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(32))  # the number to call (None: the customer has none)
    rated_agent: Mapped[str | None] = mapped_column(String(64))  # whom the survey rates: who accepted the case
    rated_call: Mapped[str | None] = mapped_column(String(64))  # the call the survey rates
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (
        Index("ix_callback_tasks_state_due", "state", "due_at"),
        Index("ix_callback_tasks_due", "due_at"),
        Index("ix_callback_tasks_case", "case_id"),
        Index("ix_callback_tasks_record", "service_record_id"),
    )


class CallbackAttempt(Base):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_username: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    call_outcome: Mapped[str | None] = mapped_column(String(16))  # the call record's, when it ended
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class QueueCallback(Base):
    """A queued caller's call-back that keeps their place (issue 15, "6."; ``queue.py``): one per call (the
    caller's uniqueid, unique: never twice). ``placeholder_uniqueid`` is the Local channel waiting in the queue at
    the caller's place, ``callback_uniqueid`` the outbound call that dials the customer once an agent took it."""

    __tablename__ = "queue_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    queue: Mapped[str] = mapped_column(String(64), nullable=False)
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)  # the caller's place
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # where the place re-entered the queue
    placeholder_uniqueid: Mapped[str | None] = mapped_column(String(64))
    callback_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="waiting")  # waiting, placed, failed
