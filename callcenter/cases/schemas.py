"""API shapes of /api/cases: a case, its detail (calls, timeline, files, pauses), the bodies of each action."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.bounds import MAX_ID
from callcenter.cases.clocks import ClockState
from callcenter.cases.clockview import ClockStates
from callcenter.cases.models import Case
from callcenter.cases.repository import CaseDetail

CaseType = Literal["complaint", "suggestion", "fault", "service_request"]  # = models.TYPES
CaseState = Literal["accepted", "dispatched", "investigating", "reported", "resolved", "informed", "closed",
                    "cancelled"]  # = models.STATES
CauseClass = Literal["quality", "non_quality"]
Severity = Literal["ordinary", "serious"]
Amount = Decimal
NUMBER_PATTERN = r"^[A-Z]{2}-\d{8}-\d{5,9}$"
ClockName = Literal["dispatch", "report", "close"]  # = config.CLOCKS
ClockStatus = Literal["off", "running", "warning", "breached", "paused", "met", "met_late"]  # = clockview.STATUSES
EscalatedTo = Literal["team_lead", "department_head", "director"]  # = config.ESCALATION_LEVELS


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseIn(Strict):
    type: CaseType
    description: str = Field(max_length=10_000)
    demand: str = Field("", max_length=10_000)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    call_uniqueid: str | None = Field(None, min_length=1, max_length=64,
                                      description="the call the case comes from (agents: required)")
    cause_class: CauseClass | None = None
    cause: str | None = Field(None, min_length=1, max_length=64)
    severity: Severity = "ordinary"
    employee: str | None = Field(None, max_length=64, description="the employee complained about")


class VersionIn(Strict):
    version: int = Field(ge=1, le=MAX_ID, description="the version of the case you saw")


class DispatchIn(VersionIn):
    department_id: int = Field(ge=1, le=MAX_ID)
    handler: str | None = Field(None, min_length=1, max_length=64)


class ReportIn(VersionIn):
    text: str = Field(max_length=50_000)


class NoteIn(VersionIn):
    note: str = Field("", max_length=2_000)


class ReasonIn(VersionIn):
    reason: str = Field(max_length=2_000)


class ResolveIn(VersionIn):
    decision: str = Field(max_length=10_000)
    settlement_amount: Decimal | None = Field(None, ge=0, le=Decimal("1000000000"), max_digits=14,
                                              decimal_places=2)


class InformIn(VersionIn):
    how: Literal["phone", "writing"]
    note: str = Field("", max_length=2_000)


class ClassifyIn(VersionIn):
    cause_class: CauseClass | None = None
    cause: str | None = Field(None, min_length=1, max_length=64)
    severity: Severity | None = None
    employee: str | None = Field(None, max_length=64)


class LinkCallIn(Strict):
    call_uniqueid: str = Field(min_length=1, max_length=64)


class CauseOut(BaseModel):
    """One cause of ``case_policy.causes``: its code (what ``cause`` takes) and its words (the code itself for a
    configured cause without words: ``policy.cause_label``)."""

    code: str
    en: str
    zh_CN: str


class CauseClassOut(BaseModel):
    cause_class: CauseClass
    causes: list[CauseOut]  # in the configured order (none configured: empty)


class CausesOut(BaseModel):
    """GET /api/cases/causes: both cause classes, quality first, each with its configured causes."""

    classes: list[CauseClassOut]


class CaseClockOut(BaseModel):
    """One clock of a case at the answer's ``clocks_at`` (``CaseClocks.states``; docs/cases.md "Clocks")."""

    clock: ClockName
    status: ClockStatus
    due_at: datetime | None  # the deadline (None: off, or paused before it: it moves by the pause's length)
    warning_at: datetime | None
    remaining_seconds: float  # counted time left at clocks_at (negative: overdue by; frozen once stopped)
    escalation_level: int  # 0: none; 1 team lead, 2 department head, 3 director
    escalated_to: EscalatedTo | None
    stopped_at: datetime | None  # the milestone that stopped it
    paused: bool  # standing still now: the case waits for the customer and this clock is in cases.paused_clocks

    @classmethod
    def of(cls, s: ClockState) -> CaseClockOut:
        return cls(clock=s.clock, status=s.status, due_at=s.due_at,  # type: ignore[arg-type]
                   warning_at=s.warning_at, remaining_seconds=s.remaining_seconds,
                   escalation_level=s.escalation_level, escalated_to=s.escalated_to,  # type: ignore[arg-type]
                   stopped_at=s.stopped_at, paused=s.paused)


def clocks_out(states: ClockStates, case_id: int) -> list[CaseClockOut]:
    return [CaseClockOut.of(x) for x in states.of(case_id)]


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    type: CaseType
    state: CaseState
    version: int
    customer_id: int | None
    accepted_by: str
    description: str
    demand: str
    cause_class: CauseClass | None
    cause: str | None
    severity: Severity
    employee: str | None
    department_id: int | None
    handler: str | None
    parent_case_id: int | None
    paused: bool
    paused_since: datetime | None
    report_text: str
    decision: str
    settlement_amount: Decimal | None
    reviewed_by: str | None
    informed_how: Literal["phone", "writing"] | None
    cancel_reason: str
    accepted_at: datetime
    dispatched_at: datetime | None
    reported_at: datetime | None
    reviewed_at: datetime | None
    resolved_at: datetime | None
    informed_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime
    clocks: list[CaseClockOut]  # dispatch, report, close at clocks_at
    clocks_at: datetime  # the server's now the clocks were computed at

    @classmethod
    def of(cls, c: Case, states: ClockStates) -> CaseOut:
        """The case with its clocks (``states``: ``ClockView.states`` of the cases answered)."""
        return cls.model_validate({**_columns(c), "clocks": clocks_out(states, c.id), "clocks_at": states.at})


def _columns(c: Case) -> dict[str, Any]:
    return {k: getattr(c, k) for k in CaseOut.model_fields if k not in ("clocks", "clocks_at")}


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseOut]


class CallLinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    call_uniqueid: str
    linked_by: str
    linked_at: datetime


class TimelineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    by: str
    action: str
    detail: dict[str, Any]


class FileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class PauseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    started_at: datetime
    ended_at: datetime | None


class CaseDetailOut(CaseOut):
    calls: list[CallLinkOut]
    timeline: list[TimelineOut]
    files: list[FileOut]
    pauses: list[PauseOut]

    @classmethod
    def of_detail(cls, d: CaseDetail, states: ClockStates) -> CaseDetailOut:
        base = CaseOut.of(d.case, states).model_dump()
        return cls(**base, calls=[CallLinkOut.model_validate(x) for x in d.calls],
                   timeline=[TimelineOut.model_validate(x) for x in d.timeline],
                   files=[FileOut.model_validate(x) for x in d.files],
                   pauses=[PauseOut.model_validate(x) for x in d.pauses])


class BacklogItem(BaseModel):
    number: str
    type: CaseType
    state: CaseState
    handler: str | None
    severity: Severity
    paused: bool
    accepted_at: datetime
    age_seconds: int
    clocks: list[CaseClockOut]  # at BacklogOut.clocks_at


class BacklogOut(BaseModel):
    department_id: int
    clocks_at: datetime
    items: list[BacklogItem]
