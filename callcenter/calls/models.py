from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

# inbound: answered, abandoned, failed, voicemail, transferred, ended_in_ivr; outbound (the customer's side of a
# call the product placed): answered, no_answer, busy, rejected, failed
OUTCOMES = ("answered", "abandoned", "failed", "voicemail", "transferred", "ended_in_ivr", "no_answer", "busy",
            "rejected", "callback")
DIRECTIONS = ("inbound", "outbound")


class Call(Base):
    """One call, keyed by its first channel's Asterisk uniqueid (inbound: the caller's; outbound: the agent's
    originated leg, whose uniqueid the product chose). Times are UTC. ``caller_number`` is the outside party's
    number in both directions (outbound: the number dialled), so a customer's history finds both."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    linkedid: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(128))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    caller_name: Mapped[str | None] = mapped_column(String(128))
    dialled_number: Mapped[str | None] = mapped_column(String(64))
    ivr_entered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ivr_exited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_extension: Mapped[str | None] = mapped_column(String(32))
    agent_name: Mapped[str | None] = mapped_column(String(128))
    agent_interface: Mapped[str | None] = mapped_column(String(128))
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ringing_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    hangup_cause: Mapped[str | None] = mapped_column(String(64))
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    # IVR: the flow version the call ran and each step (node, kind, digits, result, time)
    ivr_flow_version_id: Mapped[int | None] = mapped_column(Integer)
    ivr_path: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # the caller's post-call survey result, 1 (poor) .. 5 (very satisfied); weights the QC draw (migration 0010)
    survey_score: Mapped[int | None] = mapped_column(Integer)
    # outbound calls (migration 0017): who placed it and for which customer
    direction: Mapped[str] = mapped_column(String(8), nullable=False, default="inbound", server_default="inbound")
    customer_id: Mapped[int | None] = mapped_column(Integer)
    agent_username: Mapped[str | None] = mapped_column(String(64))
    # a queued caller's call-back (migration 0022): this outbound call's place waits in ``queue`` for the caller
    # who asked (their call's uniqueid) since they joined (``queued_at``); ``taken_at``: an agent took the place
    callback_of: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_calls_arrived_at", "arrived_at"),
        Index("ix_calls_queue_arrived", "queue", "arrived_at"),
        Index("ix_calls_agent_arrived", "agent_extension", "arrived_at"),
        Index("ix_calls_open", "ended_at"),
        Index("ix_calls_queued_at", "queued_at"),
        Index("ix_calls_direction_arrived", "direction", "arrived_at"),
    )
