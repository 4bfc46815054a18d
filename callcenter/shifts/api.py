"""REST API of shifts: /api/shifts/... (thin: the rules are in the service modules).

Supervisors and admins manage templates, holidays, the roster, handovers, decide swaps and leave (leave by approver
position) and read attendance and reports; admins set approver positions; agents (and team leads, for their own
shifts) see their own roster and records and ask for swaps and leave.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from callcenter.auth.api import current_user, require_roles
from callcenter.auth.models import User
from callcenter.bounds import MAX_ID, MONTH, Day
from callcenter.deps import provide
from callcenter.schema_types import CSV_CONTENT
from callcenter.shifts.common import Actor
from callcenter.shifts.models import KINDS, REQUEST_STATUSES
from callcenter.shifts.reports import sheet_csv, violations_csv
from callcenter.shifts.schemas import (
    ApproverOut,
    ApproverRemovedOut,
    ApproveSwapIn,
    AttendanceRecordOut,
    AttendanceSheetOut,
    DeletedDayOut,
    DeletedIdOut,
    HandoverIn,
    HandoverLogEntry,
    HandoverOut,
    HolidayIn,
    HolidayOut,
    LatestHandoverOut,
    LeaveIn,
    LeaveOut,
    NoteIn,
    PositionIn,
    RecomputeIn,
    RecomputeOut,
    RosterEntryOut,
    RosterIn,
    RosterPatch,
    ShiftTemplateIn,
    ShiftTemplateOut,
    ShiftTemplatePatch,
    SwapIn,
    SwapOut,
    ViolationsOut,
)
from callcenter.shifts.service import ShiftService

Lead = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Admin = Annotated[User, Depends(require_roles("admin"))]
Staff = Annotated[User, Depends(require_roles("agent", "supervisor"))]
Anyone = Annotated[User, Depends(current_user)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Format = Literal["json", "csv"]

router = APIRouter(prefix="/api/shifts", tags=["shifts"])


ShiftsDep = Annotated[ShiftService, Depends(provide(ShiftService))]


# the JSON answer is the route's response model; ?format=csv answers this instead
CSV: dict[int | str, dict[str, Any]] = {200: {"content": CSV_CONTENT}}


def _csv(data: bytes, name: str) -> Response:
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _range(svc: ShiftService, start: date | None, end: date | None, days: int = 31) -> tuple[date, date]:
    start = start or svc.today()
    end = end or start + timedelta(days=days - 1)
    svc.attendance.check_day_range(start, end)
    return start, end




# templates and holidays ------------------------------------------------------------------------------------
@router.get("/templates", response_model=list[ShiftTemplateOut], summary="Shift templates")
async def templates(svc: ShiftsDep, user: Anyone) -> list[dict[str, Any]]:
    return await svc.roster.templates()


@router.post("/templates", response_model=ShiftTemplateOut, status_code=201, summary="Create a shift template")
async def create_template(body: ShiftTemplateIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.create_template(Actor.of(user), body.name, body.start, body.end, body.job,
                                                      body.skill_level)


@router.patch("/templates/{template_id}", response_model=ShiftTemplateOut,
              summary="Change a shift template (times only while unused)")
async def edit_template(template_id: Id, body: ShiftTemplatePatch, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.edit_template(Actor.of(user), template_id, body.model_dump(exclude_unset=True))


@router.delete("/templates/{template_id}", response_model=DeletedIdOut, summary="Delete an unused shift template")
async def delete_template(template_id: Id, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.delete_template(Actor.of(user), template_id)


@router.get("/holidays", response_model=list[HolidayOut], summary="Public holidays")
async def holidays(svc: ShiftsDep, user: Anyone, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
                   ) -> list[dict[str, Any]]:
    return await svc.roster.holidays(year)


@router.post("/holidays", response_model=HolidayOut, status_code=201, summary="Add a public holiday")
async def add_holiday(body: HolidayIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.add_holiday(Actor.of(user), body.day, body.name)


@router.delete("/holidays/{day}", response_model=DeletedDayOut, summary="Remove a public holiday")
async def delete_holiday(day: Day, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.delete_holiday(Actor.of(user), day)


# roster ----------------------------------------------------------------------------------------------------
@router.get("/roster", response_model=list[RosterEntryOut],
            summary="The roster (from/to: local dates, default the next 31 days)")
async def roster(svc: ShiftsDep, user: Lead, start: Annotated[Day | None, Query(alias="from")] = None,
                 end: Annotated[Day | None, Query(alias="to")] = None,
                 username: Annotated[str | None, Query(max_length=64)] = None,
                 template_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[dict[str, Any]]:
    start, end = _range(svc, start, end)
    return await svc.roster.roster(start, end, username, template_id)


@router.get("/roster/mine", response_model=list[RosterEntryOut], summary="My rostered shifts")
async def my_roster(svc: ShiftsDep, user: Anyone, start: Annotated[Day | None, Query(alias="from")] = None,
                    end: Annotated[Day | None, Query(alias="to")] = None) -> list[dict[str, Any]]:
    start, end = _range(svc, start, end)
    return await svc.roster.roster(start, end, user.username)


@router.post("/roster", response_model=RosterEntryOut, status_code=201, summary="Put an agent on a shift of a date")
async def add_entry(body: RosterIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.add_entry(Actor.of(user), body.day, body.template_id, body.username, body.job,
                                                body.skill_level, body.seat)


@router.patch("/roster/{roster_id}", response_model=RosterEntryOut,
              summary="Change a roster entry before its shift starts")
async def edit_entry(roster_id: Id, body: RosterPatch, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.edit_entry(Actor.of(user), roster_id, body.model_dump(exclude_unset=True))


@router.delete("/roster/{roster_id}", response_model=DeletedIdOut,
               summary="Remove a roster entry before its shift starts")
async def delete_entry(roster_id: Id, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.roster.delete_entry(Actor.of(user), roster_id)


# attendance and reports ------------------------------------------------------------------------------------
@router.get("/attendance", response_model=AttendanceSheetOut, responses=CSV,
            summary="The daily attendance sheet (JSON or CSV)")
async def attendance_sheet(svc: ShiftsDep, user: Lead, day: Day | None = None, format: Format = "json") -> Any:
    day = day or svc.today()
    report = await svc.day_sheet(day)
    if format == "csv":
        return _csv(sheet_csv(report, svc.tz), f"attendance-{day}.csv")
    return report


@router.get("/attendance/records", response_model=list[AttendanceRecordOut], summary="Stored attendance findings")
async def attendance_records(svc: ShiftsDep, user: Lead, start: Annotated[Day | None, Query(alias="from")] = None,
                             end: Annotated[Day | None, Query(alias="to")] = None,
                             username: Annotated[str | None, Query(max_length=64)] = None,
                             # valid-type: a Literal of the model's tuple (one list for table, API, OpenAPI)
                             kind: Literal[KINDS] | None = None) -> list[dict[str, Any]]:  # type: ignore[valid-type]
    start = start or svc.today()
    end = end or start
    svc.attendance.check_day_range(start, end)
    return await svc.attendance.records(start=start, end=end, username=username, kind=kind)


@router.get("/attendance/mine", response_model=list[AttendanceRecordOut],
            summary="My attendance findings (default: this month)")
async def my_attendance(svc: ShiftsDep, user: Anyone, start: Annotated[Day | None, Query(alias="from")] = None,
                        end: Annotated[Day | None, Query(alias="to")] = None) -> list[dict[str, Any]]:
    today = svc.today()
    start, end = _range(svc, start or today.replace(day=1), end or today)
    return await svc.attendance.records(start=start, end=end, username=user.username)


@router.post("/attendance/recompute", response_model=RecomputeOut,
             summary="Rebuild a day's attendance findings from stored data")
async def recompute(body: RecomputeIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.attendance.recompute_day(Actor.of(user), body.day)


@router.get("/reports/violations", response_model=ViolationsOut, responses=CSV,
            summary="Violations per agent for a month (JSON or CSV)")
async def violations(svc: ShiftsDep, user: Lead, month: Annotated[str, Query(pattern=MONTH)],
                     format: Format = "json") -> Any:
    report = await svc.violations_report(month)
    if format == "csv":
        return _csv(violations_csv(report), f"violations-{month}.csv")
    return report


# handover log ----------------------------------------------------------------------------------------------
@router.get("/handovers", response_model=list[HandoverLogEntry],
            summary="Handover log entries (default: the last 7 days)")
async def handovers(svc: ShiftsDep, user: Lead, start: Annotated[Day | None, Query(alias="from")] = None,
                    end: Annotated[Day | None, Query(alias="to")] = None) -> list[dict[str, Any]]:
    end = end or svc.today()
    start = start or end - timedelta(days=6)
    svc.attendance.check_day_range(start, end)
    return await svc.handovers.list(start, end)


@router.get("/handovers/latest", response_model=LatestHandoverOut | None, response_model_exclude_unset=True,
            summary="The latest handover (every incoming agent reads it; the read is recorded)")
async def latest_handover(svc: ShiftsDep, user: Anyone) -> dict[str, Any] | None:
    return await svc.handovers.latest(Actor.of(user))


@router.put("/handovers/{day}/{template_id}", response_model=HandoverOut,
            summary="Write (or, before it is acknowledged, change) a handover")
async def write_handover(day: Day, template_id: Id, body: HandoverIn, svc: ShiftsDep, user: Lead
                         ) -> dict[str, Any]:
    return await svc.handovers.write(Actor.of(user), day, template_id, body.model_dump(exclude_unset=True))


@router.post("/handovers/{day}/{template_id}/acknowledge", response_model=HandoverOut,
             summary="The incoming lead acknowledges a handover")
async def acknowledge_handover(day: Day, template_id: Id, body: NoteIn, svc: ShiftsDep, user: Lead
                               ) -> dict[str, Any]:
    return await svc.handovers.acknowledge(Actor.of(user), day, template_id, body.note)


# swaps -----------------------------------------------------------------------------------------------------
@router.post("/swaps", response_model=SwapOut,
             status_code=201, summary="Ask to swap my rostered shift with another agent's")
async def request_swap(body: SwapIn, svc: ShiftsDep, user: Staff) -> dict[str, Any]:
    return await svc.swaps.request(Actor.of(user), body.roster_id, body.with_roster_id, body.reason)


@router.get("/swaps", response_model=list[SwapOut], summary="Swap requests")
# valid-type: a Literal built from the model's own tuple of values (one list for the table, the API and
# the OpenAPI enum); FastAPI reads it at run time, mypy cannot
async def swaps(svc: ShiftsDep, user: Lead, status: Literal[REQUEST_STATUSES] | None = None,  # type: ignore[valid-type]
                username: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    return await svc.swaps.list(status=status, username=username)


@router.get("/swaps/mine", response_model=list[SwapOut], summary="Swap requests I am in")
async def my_swaps(svc: ShiftsDep, user: Anyone) -> list[dict[str, Any]]:
    return await svc.swaps.list(username=user.username)


@router.post("/swaps/{swap_id}/approve", response_model=SwapOut, summary="A team lead approves one side of a swap")
async def approve_swap(swap_id: Id, body: ApproveSwapIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.swaps.approve(Actor.of(user), swap_id, body.side, body.note)


@router.post("/swaps/{swap_id}/reject", response_model=SwapOut, summary="A team lead rejects a swap")
async def reject_swap(swap_id: Id, body: NoteIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.swaps.reject(Actor.of(user), swap_id, body.note)


@router.post("/swaps/{swap_id}/cancel", response_model=SwapOut,
             summary="Withdraw (requester) or decline (counterpart) a pending swap")
async def cancel_swap(swap_id: Id, svc: ShiftsDep, user: Anyone) -> dict[str, Any]:
    return await svc.swaps.cancel(Actor.of(user), swap_id)


# leave -----------------------------------------------------------------------------------------------------
@router.post("/leave", response_model=LeaveOut, status_code=201, summary="Ask for leave")
async def request_leave(body: LeaveIn, svc: ShiftsDep, user: Staff) -> dict[str, Any]:
    return await svc.leave.request(Actor.of(user), body.start_day, body.end_day, body.template_id,
                                             body.reason, body.exceptional, body.kind, body.phoned_in_at,
                                             body.certificate)


@router.get("/leave", response_model=list[LeaveOut], summary="Leave requests")
# valid-type: a Literal built from the model's own tuple of values (one list for the table, the API and
# the OpenAPI enum); FastAPI reads it at run time, mypy cannot
async def leave_requests(svc: ShiftsDep, user: Lead, status: Literal[REQUEST_STATUSES] | None = None,  # type: ignore[valid-type]
                         username: Annotated[str | None, Query(max_length=64)] = None,
                         start: Annotated[Day | None, Query(alias="from")] = None,
                         end: Annotated[Day | None, Query(alias="to")] = None) -> list[dict[str, Any]]:
    return await svc.leave.list(status=status, username=username, start=start, end=end)


@router.get("/leave/mine", response_model=list[LeaveOut], summary="My leave requests")
async def my_leave(svc: ShiftsDep, user: Anyone) -> list[dict[str, Any]]:
    return await svc.leave.list(username=user.username)


@router.post("/leave/{leave_id}/approve", response_model=LeaveOut,
             summary="Approve leave (approver position at the required level)")
async def approve_leave(leave_id: Id, body: NoteIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.leave.decide(Actor.of(user), leave_id, True, body.note)


@router.post("/leave/{leave_id}/reject", response_model=LeaveOut,
             summary="Reject leave (approver position at the required level)")
async def reject_leave(leave_id: Id, body: NoteIn, svc: ShiftsDep, user: Lead) -> dict[str, Any]:
    return await svc.leave.decide(Actor.of(user), leave_id, False, body.note)


@router.post("/leave/{leave_id}/cancel", response_model=LeaveOut, summary="Withdraw my pending leave request")
async def cancel_leave(leave_id: Id, svc: ShiftsDep, user: Anyone) -> dict[str, Any]:
    return await svc.leave.cancel(Actor.of(user), leave_id)


# approver positions ----------------------------------------------------------------------------------------
@router.get("/approvers", response_model=list[ApproverOut], summary="Approver positions")
async def approvers(svc: ShiftsDep, user: Lead) -> list[dict[str, Any]]:
    return await svc.leave.approvers()


@router.put("/approvers/{username}", response_model=ApproverOut, summary="Give a user an approver position (admin)")
async def set_approver(username: Annotated[str, Path(min_length=1, max_length=64)], body: PositionIn,
                       svc: ShiftsDep, user: Admin) -> dict[str, Any]:
    return await svc.leave.set_approver(Actor.of(user), username, body.position)


@router.delete("/approvers/{username}", response_model=ApproverRemovedOut,
               summary="Remove a user's approver position (admin)")
async def remove_approver(username: Annotated[str, Path(min_length=1, max_length=64)], svc: ShiftsDep,
                          user: Admin) -> dict[str, Any]:
    return await svc.leave.remove_approver(Actor.of(user), username)
