"""REST API of the monthly responsibility review (``review.py``; docs/cases.md, "Responsibility review"), under
/api/cases, its shapes beside it: the month's list (``GET /api/cases/review/month``), the flagged employees
(``GET /api/cases/review/flags``) and the record of a review (``POST /api/cases/{number}/responsibility``). Its
router is matched before the cases' own (whose ``/{number}`` would take ``review``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from callcenter.auth.actor import Actor
from callcenter.auth.api import current_user
from callcenter.auth.models import User
from callcenter.bounds import MONTH
from callcenter.cases.api import Number
from callcenter.cases.review import CaseReviews, Flag, MonthItem, Recorded
from callcenter.cases.schemas import CaseState, CauseClass, Severity
from callcenter.deps import provide

router = APIRouter(prefix="/api/cases", tags=["cases"])
ReviewsDep = Annotated[CaseReviews, Depends(provide(CaseReviews))]
Anyone = Annotated[User, Depends(current_user)]
Responsibility = Literal["upheld", "not_upheld", "no_fault"]  # = models.RESPONSIBILITIES
MonthState = Literal["open", "reminder", "overdue", "done"]


class ResponsibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    responsibility: Responsibility = Field(description="upheld: the employee is responsible; not_upheld; no_fault: "
                                                       "no employee is at fault")
    employee: str | None = Field(None, max_length=64,
                                 description="the employee responsible (default: the one the complaint names)")
    outcome: str = Field("", max_length=2_000, description="the administrative outcome: warning, training, ...")
    note: str = Field("", max_length=2_000)


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    responsibility: Responsibility
    employee: str | None
    outcome: str
    note: str
    reviewed_by: str
    reviewed_at: datetime


class RecordedOut(BaseModel):
    number: str
    review: ReviewOut
    late: bool = Field(description="recorded at or after the month's deadline")
    upheld_in_window: int = Field(description="the employee's upheld complaints within the flag's window")
    flagged: bool = Field(description="this review made the employee's flag arise")

    @classmethod
    def of(cls, r: Recorded) -> RecordedOut:
        return cls(number=r.number, review=ReviewOut.model_validate(r.review), late=r.late,
                   upheld_in_window=r.upheld_in_window, flagged=r.flagged)


class MonthItemOut(BaseModel):
    number: str
    state: CaseState
    department_id: int | None
    handler: str | None
    employee: str | None
    cause_class: CauseClass | None
    cause: str | None
    severity: Severity
    description: str
    accepted_at: datetime
    closed_at: datetime | None
    review: ReviewOut | None
    overdue: bool = Field(description="not reviewed and past the deadline")
    late: bool = Field(description="reviewed at or after the deadline")

    @classmethod
    def of(cls, i: MonthItem) -> MonthItemOut:
        c = i.case
        return cls(number=c.number, state=c.state, department_id=c.department_id,  # type: ignore[arg-type]
                   handler=c.handler, employee=c.employee, cause_class=c.cause_class,  # type: ignore[arg-type]
                   cause=c.cause, severity=c.severity, description=c.description,  # type: ignore[arg-type]
                   accepted_at=c.accepted_at, closed_at=c.closed_at,
                   review=ReviewOut.model_validate(i.review) if i.review else None, overdue=i.overdue, late=i.late)


class MonthOut(BaseModel):
    month: str = Field(description="the centre's month the complaints were closed in, YYYY-MM")
    deadline: datetime = Field(description="reviews are due before this instant (00:00 after the deadline day)")
    due_day: date = Field(description="the deadline day in the centre's timezone: in time to its end")
    reminder_from: datetime | None
    now: datetime
    state: MonthState
    overdue: bool
    reviewer: str | None = Field(description="cases.review.reviewer (None: the supervisors and admins)")
    total: int
    done: int
    pending: int
    items: list[MonthItemOut]


class FlagCaseOut(BaseModel):
    number: str
    department_id: int | None
    accepted_at: datetime
    outcome: str
    reviewed_by: str
    reviewed_at: datetime


class FlagOut(BaseModel):
    employee: str
    upheld: int
    department_ids: list[int]
    heads: list[str]
    cases: list[FlagCaseOut]

    @classmethod
    def of(cls, f: Flag) -> FlagOut:
        return cls(employee=f.employee, upheld=f.upheld, department_ids=f.department_ids, heads=f.heads,
                   cases=[FlagCaseOut(number=u.number, department_id=u.review.department_id,
                                      accepted_at=u.review.case_accepted_at, outcome=u.review.outcome,
                                      reviewed_by=u.review.reviewed_by, reviewed_at=u.review.reviewed_at)
                          for u in f.cases])


class FlagsOut(BaseModel):
    since: datetime = Field(description="the window's start: complaints accepted since then count")
    threshold: int
    window_months: int
    items: list[FlagOut]


@router.get("/review/month", response_model=MonthOut,
            summary="The month's closed complaints for the responsibility review, done and pending, with the deadline")
async def review_month(reviews: ReviewsDep, user: Anyone,
                       month: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM; default: last month")]
                       = None) -> MonthOut:
    v = await reviews.month(Actor.of(user), month)
    items = [MonthItemOut.of(i) for i in v.items]
    return MonthOut(month=v.period.month, deadline=v.period.deadline, due_day=v.period.due_day,
                    reminder_from=v.period.reminder_from,
                    now=v.now, state=v.state, overdue=v.state == "overdue", reviewer=v.reviewer,  # type: ignore[arg-type]
                    total=len(items), done=len(items) - v.pending, pending=v.pending, items=items)


@router.get("/review/flags", response_model=FlagsOut,
            summary="Employees with the threshold of upheld complaints within the window, with those complaints")
async def review_flags(reviews: ReviewsDep, user: Anyone) -> FlagsOut:
    since, flags = await reviews.flags(Actor.of(user))
    return FlagsOut(since=since, threshold=reviews.settings.flag_upheld,
                    window_months=reviews.settings.flag_window_months, items=[FlagOut.of(f) for f in flags])


@router.post("/{number}/responsibility", response_model=RecordedOut, status_code=201,
             summary="Record the responsibility review of a closed complaint (once; on its timeline)")
async def record_responsibility(number: Number, body: ResponsibilityIn, reviews: ReviewsDep, user: Anyone
                                ) -> RecordedOut:
    return RecordedOut.of(await reviews.record(Actor.of(user), number, body.responsibility, body.employee,
                                               body.outcome, body.note))
