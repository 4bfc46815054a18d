"""API shapes of /api/shifts. Inputs refuse unknown fields (a misspelt field is a 400 naming it). Outputs: what
each route answers, field for field as the service modules build it (``template_out``, ``entry_out``,
``record_out``, ``handover_out``, ``swap_out``, ``leave_out``, the reports).

Times are strings already formatted by the services (ISO 8601 UTC with ``Z``, see ``shifts.common.iso``); days are
``YYYY-MM-DD``; local shift times ``HH:MM``. The models are plain (no ``extra="forbid"``): FastAPI filters each
answer through them, so a field missing here would silently disappear from the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from callcenter.bounds import MAX_ID, Day
from callcenter.shifts.models import KINDS, LEAVE_KINDS, LEVELS, POSITIONS, REQUEST_STATUSES

# spelt out (a Literal of a tuple is not a type to mypy) and checked against the tables' tuples
Kind = Literal["late", "absence", "early_leave", "early_arrival", "left_before_relief", "sick_leave"]
Status = Literal["pending", "approved", "rejected", "cancelled"]
Position = Literal["team_lead", "department_head", "centre_director"]
LeaveKind = Literal["personal", "sick"]
Level = Literal["junior", "intermediate", "senior"]
Side = Literal["requester", "counterpart"]  # of a swap
assert tuple(map(get_args, (Kind, Status, Position, LeaveKind, Level))) == (
    KINDS, REQUEST_STATUSES, POSITIONS, LEAVE_KINDS, LEVELS)
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
Username = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=5000)]


# inputs ----------------------------------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShiftTemplateIn(_In):
    name: str = Field(min_length=1, max_length=32)
    start: str = Field(pattern=HHMM, description="local HH:MM")
    end: str = Field(pattern=HHMM, description="local HH:MM; not after start = a night shift ending the next day")
    job: str = Field("", max_length=32)
    skill_level: Level | None = None


class ShiftTemplatePatch(_In):
    name: str | None = Field(None, min_length=1, max_length=32)
    start: str | None = Field(None, pattern=HHMM)
    end: str | None = Field(None, pattern=HHMM)
    job: str | None = Field(None, max_length=32)
    skill_level: Level | None = None
    active: bool | None = None


class HolidayIn(_In):
    day: Day
    name: str = Field(min_length=1, max_length=64)


class RosterIn(_In):
    day: Day
    template_id: int = Field(ge=1, le=MAX_ID)
    username: Username
    job: str | None = Field(None, min_length=1, max_length=32)
    skill_level: Level | None = None
    seat: str = Field("", max_length=16, pattern=r"^\d*$")


class RosterPatch(_In):
    username: Username | None = None
    job: str | None = Field(None, min_length=1, max_length=32)
    skill_level: Level | None = None
    seat: str | None = Field(None, max_length=16, pattern=r"^\d*$")


class RecomputeIn(_In):
    day: Day


class HandoverIn(_In):
    equipment: Text | None = None
    difficult_cases: Text | None = None
    staffing: Text | None = None
    notices: Text | None = None


class NoteIn(_In):
    note: str = Field("", max_length=2000)


class SwapIn(_In):
    roster_id: int = Field(ge=1, le=MAX_ID, description="your rostered shift")
    with_roster_id: int = Field(ge=1, le=MAX_ID, description="the other agent's rostered shift")
    reason: str = Field("", max_length=2000)


class ApproveSwapIn(NoteIn):
    side: Side | None = None


class LeaveIn(_In):
    start_day: Day
    end_day: Day | None = None
    template_id: int | None = Field(None, ge=1, le=MAX_ID, description="one shift; none: every shift of the days")
    reason: str = Field("", max_length=2000)
    exceptional: bool = False
    kind: LeaveKind = "personal"
    phoned_in_at: datetime | None = Field(None, description="sick leave: when it was phoned in (with its timezone)")
    certificate: bool = Field(False, description="sick leave for past days: the certificate was handed in")


class PositionIn(_In):
    position: Position



# templates, holidays, roster -------------------------------------------------------------------------------
class ShiftTemplateOut(BaseModel):
    id: int
    name: str
    start: str
    end: str
    night: bool
    job: str
    skill_level: str | None
    active: bool
    created_by: str
    created_at: str


class HolidayOut(BaseModel):
    day: str
    name: str
    created_by: str
    created_at: str


class RosterEntryOut(BaseModel):
    id: int
    day: str
    template_id: int
    shift: str | None
    local_start: str | None
    local_end: str | None
    night: bool | None
    starts_at: str
    ends_at: str
    username: str
    job: str
    skill_level: str
    seat: str | None
    swap_id: int | None


class DeletedIdOut(BaseModel):
    deleted: int


class DeletedDayOut(BaseModel):
    deleted: str


# attendance ------------------------------------------------------------------------------------------------
class ReliefDetail(BaseModel):
    """Who was to take over the seat (only on ``left_before_relief`` findings)."""

    relief: str
    relief_roster_id: int
    relief_shift: str
    relief_starts_at: str


class FindingOut(BaseModel):
    roster_id: int
    day: str
    shift: str
    template_id: int
    username: str
    kind: Kind
    seconds: int
    minutes: float
    at: str
    open: bool
    seat: str | None
    detail: ReliefDetail | None


class AttendanceRecordOut(FindingOut):
    id: int
    recorded_at: str
    updated_at: str | None


class FindingChangeOut(FindingOut):
    change: Literal["new", "changed", "removed"]


class RecomputeOut(BaseModel):
    day: str
    as_of: str
    rows: list[FindingOut]
    changes: list[FindingChangeOut]


class SheetLeave(BaseModel):
    id: int
    status: Status
    kind: LeaveKind
    required_level: Position


class SheetRow(BaseModel):
    roster_id: int
    day: str
    shift: str
    template_id: int
    local_start: str
    local_end: str
    starts_at: str
    ends_at: str
    username: str
    job: str
    skill_level: str
    seat: str | None
    first_login: str | None
    last_logout: str | None
    logged_in: bool
    carried_over: bool
    early_arrival_minutes: float | None
    late_minutes: float | None
    late_open: bool
    absent: bool
    sick_leave: bool
    early_leave_minutes: float | None
    left_before_relief: str | None  # the relief's username
    leave: SheetLeave | None  # approved, else pending leave covering the shift


class AttendanceSheetOut(BaseModel):
    day: str
    timezone: str
    as_of: str
    rows: list[SheetRow]


class ViolationsRow(BaseModel):
    username: str
    shifts: int
    late_count: int
    late_minutes: float
    away_count: int
    away_minutes: float
    absence_count: int
    early_leave_count: int
    early_leave_minutes: float
    left_before_relief_count: int
    early_arrival_count: int
    violations: int
    unapproved_absence_count: int
    sick_leave_count: int


class ViolationsOut(BaseModel):
    month: str
    timezone: str
    as_of: str
    agents: list[ViolationsRow]


# handovers -------------------------------------------------------------------------------------------------
class HandoverReadOut(BaseModel):
    username: str
    read_at: str
    last_read_at: str


class HandoverNoticeOut(BaseModel):
    """A notice published since the previous handover (callcenter/notices)."""

    id: int
    title: str
    published_by: str
    published_at: str
    valid_until: str | None
    state: Literal["active", "expired", "withdrawn"]
    acknowledged_at: str | None = None  # (an agent's own reading)


class _Handover(BaseModel):
    id: int
    day: str
    template_id: int
    shift: str | None
    author: str
    equipment: str
    difficult_cases: str
    staffing: str
    notices: str
    written_at: str
    updated_at: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    ack_note: str
    # the notices published since the previous handover (an agent: those addressed to them)
    published_notices: list[HandoverNoticeOut] = Field(default_factory=list)


class HandoverOut(_Handover):
    left_before_relief: list[AttendanceRecordOut]  # the shift's findings, for the leads


class HandoverLogEntry(HandoverOut):
    reads: list[HandoverReadOut]


class LatestHandoverOut(_Handover):
    """A team lead gets ``left_before_relief`` and ``reads``; anyone else neither (the route leaves unset fields
    out, so those two keys are absent, not null)."""

    left_before_relief: list[AttendanceRecordOut] | None = None
    reads: list[HandoverReadOut] | None = None
    read_at: str | None  # when the reader first read it (None for its author)


# swaps and leave -------------------------------------------------------------------------------------------
class SwapSide(BaseModel):
    username: str
    roster_id: int
    day: str
    template_id: int
    shift: str | None


class SwapApproval(BaseModel):
    side: Side
    by: str
    at: str
    note: str


class SwapOut(BaseModel):
    id: int
    status: Status
    reason: str
    requester: SwapSide
    counterpart: SwapSide
    approvals: list[SwapApproval]
    requested_at: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str


class LeaveApproval(BaseModel):
    level: Position
    by: str
    at: str
    note: str


class LeaveOut(BaseModel):
    id: int
    username: str
    start_day: str
    end_day: str
    days: int
    template_id: int | None
    shift: str | None
    reason: str
    exceptional: bool
    required_level: Position
    kind: LeaveKind
    phoned_in_at: str | None
    certificate: bool
    approval_chain: list[Position]
    approvals: list[LeaveApproval]
    next_level: Position | None
    status: Status
    requested_at: str
    decided_by: str | None
    decided_at: str | None
    decision_note: str


class ApproverOut(BaseModel):
    username: str
    position: Position
    set_by: str
    set_at: str


class ApproverRemovedOut(BaseModel):
    removed: str
