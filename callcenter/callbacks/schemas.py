"""The call-back desk's API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.bounds import Moment
from callcenter.surveys.schemas import SurveyIn

TaskState = Literal["open", "reached", "refused", "problem_stands", "unreachable", "cancelled"]
Outcome = Literal["reached", "problem_stands", "refused", "wrong_number", "no_answer", "busy"]


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_number: str | None
    case_type: str | None
    department_id: int | None
    queue: str | None
    customer_id: int | None
    number: str | None = Field(description="the number called (none: the customer has no phone number)")
    rated_agent: str | None = Field(description="whom the survey rates: the agent who accepted the case")
    state: TaskState
    version: int
    created_at: datetime
    due_at: datetime
    latest_due_at: datetime = Field(description="the latest the due time may be set to (created + due_hours)")
    remaining_seconds: float = Field(description="until the due time, from now (negative: overdue)")
    overdue: bool
    attempts: int = Field(description="attempts that rang the customer's side")
    failed_attempts: int
    max_attempts: int
    last_attempt_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    note: str


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_uniqueid: str | None
    agent_username: str
    started_at: datetime
    call_outcome: str | None = Field(description="the outbound call's outcome once it ended (failed: it never "
                                                 "reached the customer's side; it does not count)")
    outcome: Outcome | None
    note: str
    recorded_at: datetime | None


class TaskPage(BaseModel):
    now: datetime
    total: int
    limit: int
    offset: int
    items: list[TaskOut]


class TaskDetailOut(BaseModel):
    now: datetime
    task: TaskOut
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None = Field(description="the earliest the next attempt may be made (None: now)")


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, ge=1, description="the task's version as shown (optional)")


class CallOut(BaseModel):
    task: TaskOut
    attempt: AttemptOut


class DueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    due_at: Moment = Field(description="earlier than the latest due time, never later")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    outcome: Outcome
    note: str = Field("", max_length=2_000, description="problem_stands: the written feedback (required)")
    survey: SurveyIn | None = Field(None, description="reached: all four points; problem_stands: optional")


class RateRowOut(BaseModel):
    key: str
    due: int
    closed_in_time: int
    closed_late: int
    open: int
    rate: float | None = Field(description="closed in time ÷ due (None: nothing due)")


class RateOut(BaseModel):
    since: datetime
    until: datetime
    period: Literal["day", "week", "month"]
    target: float = 1.0
    total: RateRowOut
    periods: list[RateRowOut]
    agents: list[RateRowOut]
