"""An agent's request for the team lead's help during a call (issue 16, "4. Ask the lead"; docs/help.md): raised
from the desktop with a note, on the board at once, taken by a lead (listen, whisper, barge, or a transfer to a
senior), stored with the call: who raised it, who took it, how, and how long it waited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

STATES = ("open", "taken", "closed", "cancelled")
HOW = ("listen", "whisper", "barge", "transfer")


class HelpRequest(Base):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_uniqueid: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    agent_username: Mapped[str] = mapped_column(String(64), nullable=False)
    agent_extension: Mapped[str | None] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False)  # STATES
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    taken_how: Mapped[str | None] = mapped_column(String(16))  # HOW
    transfer_to: Mapped[str | None] = mapped_column(String(64))  # a transfer's seat or queue
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(32))  # call_ended, cancelled

    __table_args__ = (Index("ix_help_requests_state", "state"),)
