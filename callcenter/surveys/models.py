"""The customers' satisfaction surveys, the seeds' way (issue 15, "3. Satisfaction"): four points (attitude,
skill, timeliness, promises kept) each on four levels — 1 很满意 very satisfied, 2 满意 satisfied, 3 一般 fair,
4 较差 poor — tied to the call, the case, the agent who handled it and the month (the centre's, of when it was
answered). A point the customer did not answer is NULL (a partial survey). ``channel`` says where it was taken:
``callback`` (the call-back desk), ``ivr`` (after the call, issue 16), ``manual`` (a result a lead typed in for a
call: POST /api/qc/survey, one per call, re-typing replaces it), ``legacy`` (a 1–5 score typed in before migration
0018, spread over the four points)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, UtcDateTime

POINTS = ("attitude", "skill", "timeliness", "promises")
LEVELS = (1, 2, 3, 4)  # very satisfied, satisfied, fair, poor
POOR = 4
CHANNELS = ("callback", "ivr", "manual", "legacy")


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    call_uniqueid: Mapped[str | None] = mapped_column(String(64), index=True)  # the call rated
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)  # the call-back task it was taken on
    agent_username: Mapped[str | None] = mapped_column(String(64))  # the agent rated
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, the centre's
    attitude: Mapped[int | None] = mapped_column(Integer)
    skill: Mapped[int | None] = mapped_column(Integer)
    timeliness: Mapped[int | None] = mapped_column(Integer)
    promises: Mapped[int | None] = mapped_column(Integer)
    taken_by: Mapped[str] = mapped_column(String(64), nullable=False)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    # the agents' months (QC, the appraisal); the weeks of the satisfaction analysis (taken_at, migration 0028)
    __table_args__ = (Index("ix_surveys_agent_month", "agent_username", "month"),
                      Index("ix_surveys_taken_at", "taken_at"))
