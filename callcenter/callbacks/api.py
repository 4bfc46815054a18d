"""REST API of the call-back desk (``/api/callbacks``; docs/outbound.md "The call-back desk"): the worklist and
a task (agents, supervisors, admins; QC reads), calling and recording the outcome (agents at a seat; a supervisor
may record for an agent), the due time (earlier only), the call-back rate (supervisors, admins, QC)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Id, Moment, Offset, QueryId
from callcenter.callbacks.models import CallbackAttempt, CallbackTask
from callcenter.callbacks.repository import TaskFilters
from callcenter.callbacks.schemas import (
    AttemptOut,
    CallIn,
    CallOut,
    DueIn,
    OutcomeIn,
    RateOut,
    RateRowOut,
    TaskDetailOut,
    TaskOut,
    TaskPage,
)
from callcenter.callbacks.service import CallbackDesk, RateRow, TaskView
from callcenter.deps import provide

router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
DeskDep = Annotated[CallbackDesk, Depends(provide(CallbackDesk))]
Reader = Annotated[User, Depends(require_roles("agent", "supervisor", "admin", "qc"))]
Worker = Annotated[User, Depends(require_roles("agent", "supervisor", "admin"))]
Caller = Annotated[User, Depends(require_roles("agent"))]
Lead = Annotated[User, Depends(require_roles("supervisor", "admin", "qc"))]
StateFilter = Literal["open", "closed", "all", "reached", "refused", "problem_stands", "unreachable", "cancelled"]


def _task(desk: CallbackDesk, t: CallbackTask) -> TaskOut:
    now = desk.clock.now()
    return TaskOut.model_validate({
        **{c.key: getattr(t, c.key) for c in CallbackTask.__table__.columns},
        "latest_due_at": desk.latest_due(t), "remaining_seconds": (t.due_at - now).total_seconds(),
        "overdue": t.state == "open" and now >= t.due_at, "max_attempts": desk.settings.max_attempts})


def _attempt(a: CallbackAttempt) -> AttemptOut:
    return AttemptOut.model_validate(a)


def _detail(desk: CallbackDesk, v: TaskView) -> TaskDetailOut:
    return TaskDetailOut(now=desk.clock.now(), task=_task(desk, v.task), attempts=[_attempt(a) for a in v.attempts],
                         next_attempt_at=v.next_attempt_at)


def _row(r: RateRow) -> RateRowOut:
    return RateRowOut(key=r.key, due=r.due, closed_in_time=r.closed_in_time, closed_late=r.closed_late, open=r.open,
                      rate=r.rate)


@router.get("", response_model=TaskPage, summary="The call-back worklist, due order (earliest first)")
async def worklist(desk: DeskDep, user: Reader, state: StateFilter = "open",
                   queue: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                   department_id: QueryId | None = None,
                   case_type: Annotated[Literal["complaint", "suggestion", "fault", "service_request"] | None,
                                        Query()] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Offset = 0) -> TaskPage:
    rows, total = await desk.worklist(user.username, TaskFilters(state, queue, department_id, case_type),
                                      limit, offset)
    return TaskPage(now=desk.clock.now(), total=total, limit=limit, offset=offset,
                    items=[_task(desk, t) for t in rows])


@router.get("/rate", response_model=RateOut,
            summary="The call-back rate: tasks closed by their due time ÷ tasks due, per period and agent")
async def rate(desk: DeskDep, user: Lead, since: Annotated[Moment, Query()], until: Annotated[Moment, Query()],
               period: Literal["day", "week", "month"] = "day") -> RateOut:
    total, periods, agents = await desk.rate(user.username, since, until, period)
    return RateOut(since=since, until=until, period=period, total=_row(total), periods=[_row(r) for r in periods],
                   agents=[_row(r) for r in agents])


@router.get("/{task_id}", response_model=TaskDetailOut, summary="A call-back task with its attempts")
async def get_task(task_id: Id, desk: DeskDep, user: Reader) -> TaskDetailOut:
    return _detail(desk, await desk.view(user.username, task_id))


@router.patch("/{task_id}/due", response_model=TaskOut, summary="Bring the due time forward (never later)")
async def set_due(task_id: Id, body: DueIn, desk: DeskDep, user: Worker) -> TaskOut:
    return _task(desk, await desk.set_due(user.username, task_id, body.version, body.due_at))


@router.post("/{task_id}/call", response_model=CallOut,
             summary="Call the customer: your phone rings, then their number (an attempt of the task)")
async def call(task_id: Id, body: CallIn, desk: DeskDep, user: Caller) -> CallOut:
    t, a = await desk.call(user, task_id, body.version)
    return CallOut(task=_task(desk, t), attempt=_attempt(a))


@router.post("/{task_id}/outcome", response_model=TaskDetailOut,
             summary="Record the outcome of the task's open attempt (reached: with the four-point survey)")
async def outcome(task_id: Id, body: OutcomeIn, desk: DeskDep, user: Worker) -> TaskDetailOut:
    survey = body.survey.points() if body.survey is not None else None
    return _detail(desk, await desk.record(user, task_id, body.version, body.outcome, body.note, survey))
