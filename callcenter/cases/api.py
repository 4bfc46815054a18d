"""REST API of cases: /api/cases (thin: the rules are in ``service.py``, ``access.py``, ``attachments.py``) and a
department's backlog, /api/departments/{id}/backlog.

Every endpoint needs a login; who sees and works which case is decided by ``access.py``; every view, list,
export and change is written to the audit log. Each transition is ``POST /api/cases/{number}/<action>`` with the
``version`` of the case the user saw.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile, WebSocket
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from callcenter.auth.actor import Actor
from callcenter.auth.api import current_user, require_roles
from callcenter.auth.models import ROLES, User
from callcenter.bounds import MAX_ID, Id, Offset
from callcenter.cases.attachments import CaseFiles
from callcenter.cases.clockview import OPEN_ONLY, ClockStates, ClockView
from callcenter.cases.live import CaseLive
from callcenter.cases.models import Case
from callcenter.cases.policy import cause_label
from callcenter.cases.repository import Filters
from callcenter.cases.schemas import (
    NUMBER_PATTERN,
    BacklogItem,
    BacklogOut,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePage,
    CaseState,
    CaseType,
    CausesOut,
    ClassifyIn,
    ClockStatus,
    DispatchIn,
    FileOut,
    InformIn,
    LinkCallIn,
    NoteIn,
    ReasonIn,
    ReportIn,
    ResolveIn,
    clocks_out,
)
from callcenter.cases.service import CaseService, NewCase
from callcenter.deps import ClockDep, SettingsDep, lookup, provide
from callcenter.realtime.api import serve_topics, ws_user
from callcenter.realtime.messages import CaseNotice
from callcenter.realtime.notify import cases_topic
from callcenter.schema_types import CSV_CONTENT, file_content

router = APIRouter(prefix="/api/cases", tags=["cases"])
backlog_router = APIRouter(prefix="/api/departments", tags=["cases"])
socket_router = APIRouter()
CasesDep = Annotated[CaseService, Depends(provide(CaseService))]
FilesDep = Annotated[CaseFiles, Depends(provide(CaseFiles))]
ViewDep = Annotated[ClockView, Depends(provide(ClockView))]
LiveDep = Annotated[CaseLive, Depends(provide(CaseLive))]
Anyone = Annotated[User, Depends(current_user)]
CasesUser = Annotated[User, Depends(require_roles(*ROLES))]  # signed in with any role of the centre
Number = Annotated[str, Path(pattern=NUMBER_PATTERN, max_length=32, description="the case number, TS-20261202-00001")]
MAX_EXPORT = 10_000
UPLOAD_PATH = "/api/cases/files"  # (the body limit names it: callcenter/bodylimit.py)


def _list_filters(
    type: CaseType | None = None,
    state: CaseState | None = None,
    open: Annotated[bool | None, Query(description="true: open cases only; false: closed and cancelled")] = None,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    handler: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the number, description or demand")] = None,
) -> Filters:
    return Filters(type=type, state=state, open=open, department_id=department_id, handler=handler,
                   customer_id=customer_id, q=q)


ListFilters = Annotated[Filters, Depends(_list_filters)]
ClockFilter = Annotated[ClockStatus | None, Query(
    description="cases with any clock in this status (off, running, warning, breached, paused, met, met_late)")]


async def _with_clock(svc: CaseService, view: ClockView, actor: Actor, filters: Filters, status: str | None,
                      limit: int, offset: int, why: str, oldest_first: bool) -> tuple[list[Case], int, ClockStates]:
    """The page of cases (and their clock states); with ``status``, only the cases with a clock in it (computed:
    the first ``MAX_EXPORT`` cases of the other filters are looked at; running, warning, breached and paused
    clocks are on open cases only)."""
    if status is None:
        rows, total = await svc.search(actor, filters, limit, offset, why, oldest_first=oldest_first)
        return rows, total, await view.states(rows)
    if status in OPEN_ONLY:
        if filters.open is False:
            return [], 0, await view.states([])
        filters = replace(filters, open=True)
    rows, _ = await svc.search(actor, filters, MAX_EXPORT, 0, why, oldest_first=oldest_first)
    states = await view.states(rows)
    hits = [c for c in rows if states.any_in(c.id, status)]
    return hits[offset:offset + limit], len(hits), states


async def _one(view: ClockView, c: Case) -> CaseOut:
    return CaseOut.of(c, await view.states([c]))


Sort = Literal["-accepted_at", "accepted_at"]


@router.get("", response_model=CasePage,
            summary="Cases you may see, newest first (sort=accepted_at: oldest first, the dispatch list), with filters")
async def list_cases(svc: CasesDep, view: ViewDep, user: Anyone, filters: ListFilters,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0,
                     sort: Sort = "-accepted_at", clock: ClockFilter = None) -> CasePage:
    rows, total, states = await _with_clock(svc, view, Actor.of(user), filters, clock, limit, offset, "list",
                                            sort == "accepted_at")
    return CasePage(total=total, limit=limit, offset=offset, items=[CaseOut.of(c, states) for c in rows])


_CSV_COLUMNS = ("number", "type", "state", "severity", "customer_id", "accepted_by", "department_id", "handler",
                "cause_class", "cause", "employee", "accepted_at", "dispatched_at", "reported_at", "resolved_at",
                "informed_at", "closed_at", "cancelled_at", "settlement_amount", "description", "demand")


def _cell(v: object) -> str:
    text = "" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
    # a cell a spreadsheet would run as a formula is quoted as text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class CaseNoticesOut(BaseModel):
    """The notices told to the signed-in user (``/ws/cases`` ``case_notice``), newest first, read back from the
    stored clock events (here, not in schemas.py: ``realtime.messages`` imports the cases' schemas)."""

    items: list[CaseNotice]
    since: datetime


@router.get("/notices", response_model=CaseNoticesOut,
            summary="The escalations and incidents told to me in the last hours (what /ws/cases pushed)")
async def my_notices(live: LiveDep, clock: ClockDep, user: Anyone,
                     hours: Annotated[int, Query(ge=1, le=24 * 30, description="how far back")] = 72,
                     ) -> CaseNoticesOut:
    since = clock.now() - timedelta(hours=hours)
    items = await live.notices_for(user.username, since)
    return CaseNoticesOut.model_validate({"items": items, "since": since})


@router.get("/causes", response_model=CausesOut,
            summary="The causes a complaint is classified by (settings case_policy.causes), with their words")
async def causes(settings: SettingsDep, user: CasesUser) -> CausesOut:
    configured = settings.case_policy.causes
    return CausesOut.model_validate({"classes": [
        {"cause_class": k, "causes": [{"code": c, "en": cause_label(c, "en"), "zh_CN": cause_label(c, "zh-CN")}
                                      for c in configured.get(k, [])]}
        for k in ("quality", "non_quality")]})


@router.get("/export.csv", summary="The list as shown (same filters), as CSV (UTF-8 with BOM)",
            response_class=Response, responses={200: {"content": CSV_CONTENT, "description": "the CSV file"}})
async def export_cases(svc: CasesDep, view: ViewDep, user: Anyone, filters: ListFilters,
                       clock: ClockFilter = None) -> Response:
    rows, _, _ = await _with_clock(svc, view, Actor.of(user), filters, clock, MAX_EXPORT, 0, "export", False)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(_CSV_COLUMNS)
    for c in rows:
        w.writerow([_cell(getattr(c, k)) for k in _CSV_COLUMNS])
    stamp = svc.clock.now().strftime("%Y%m%d-%H%M%S")
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.csv"'})


@router.post("", response_model=CaseOut, status_code=201,
             summary="Open a case (agents: from a call they handle or answered; supervisors: also without a call)")
async def create_case(body: CaseIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.create(Actor.of(user), NewCase(**body.model_dump())))


@router.post(UPLOAD_PATH.removeprefix(router.prefix), response_model=FileOut, status_code=201,
             summary="Add a file to a case's report (size and type limits: settings case_policy)")
async def upload_file(files: FilesDep, user: Anyone,
                      number: Annotated[str, Form(pattern=NUMBER_PATTERN, max_length=32)],
                      file: Annotated[UploadFile, File(description="the file")]) -> FileOut:
    data = await file.read(files.service.policy.file_max_bytes + 1)
    return FileOut.model_validate(await files.add(Actor.of(user), number, file.filename or "", data))


@router.get("/{number}", response_model=CaseDetailOut, summary="One case with its calls, timeline, files, pauses")
async def get_case(number: Number, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseDetailOut:
    d = await svc.detail(Actor.of(user), number)
    return CaseDetailOut.of_detail(d, await view.states([d.case]))


@router.get("/{number}/files/{file_id}", summary="Download a file of a case", response_class=FileResponse,
            responses={200: {"content": file_content("application/octet-stream"), "description": "the file"}})
async def download_file(number: Number, file_id: Id, files: FilesDep, user: Anyone) -> FileResponse:
    f, path = await files.open(Actor.of(user), number, file_id)
    return FileResponse(path, media_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}",
                                 "X-Content-Type-Options": "nosniff"})


@router.post("/{number}/calls", response_model=CaseOut, summary="Link a call to a case")
async def link_call(number: Number, body: LinkCallIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.link_call(Actor.of(user), number, body.call_uniqueid))


@router.post("/{number}/dispatch", response_model=CaseOut,
             summary="Dispatch to a department (active) and a handler (a member of it)")
async def dispatch(number: Number, body: DispatchIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.dispatch(Actor.of(user), number, body.version, body.department_id, body.handler))


@router.post("/{number}/investigate", response_model=CaseOut, summary="Start the investigation")
async def investigate(number: Number, body: NoteIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.investigate(Actor.of(user), number, body.version))


@router.post("/{number}/report", response_model=CaseOut, summary="Give the investigation report")
async def report(number: Number, body: ReportIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.report(Actor.of(user), number, body.version, body.text))


@router.post("/{number}/classify", response_model=CaseOut,
             summary="Change the cause classification, severity or employee complained about of an open case")
async def classify(number: Number, body: ClassifyIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    values = body.model_dump(exclude_unset=True, exclude={"version"})
    return await _one(view, await svc.classify(Actor.of(user), number, body.version, values))


@router.post("/{number}/review", response_model=CaseOut,
             summary="Review a serious complaint (the position case_policy.serious_review_position)")
async def review(number: Number, body: NoteIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.review(Actor.of(user), number, body.version, body.note))


@router.post("/{number}/resolve", response_model=CaseOut,
             summary="Resolve: the decision and any settlement (above a threshold: its approver position)")
async def resolve(number: Number, body: ResolveIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.resolve(Actor.of(user), number, body.version, body.decision,
                                        body.settlement_amount))


@router.post("/{number}/inform", response_model=CaseOut, summary="The customer was told the result (phone / writing)")
async def inform(number: Number, body: InformIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.inform(Actor.of(user), number, body.version, body.how, body.note))


@router.post("/{number}/close", response_model=CaseOut, summary="Close the case")
async def close(number: Number, body: NoteIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.close(Actor.of(user), number, body.version, body.note))


@router.post("/{number}/cancel", response_model=CaseOut, summary="Cancel an open case, with a reason")
async def cancel(number: Number, body: ReasonIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.cancel(Actor.of(user), number, body.version, body.reason))


@router.post("/{number}/pause", response_model=CaseOut, summary="Wait for the customer (recorded on the timeline)")
async def pause(number: Number, body: NoteIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.pause(Actor.of(user), number, body.version, body.note))


@router.post("/{number}/resume", response_model=CaseOut, summary="Stop waiting for the customer")
async def resume(number: Number, body: NoteIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.resume(Actor.of(user), number, body.version, body.note))


@router.post("/{number}/reraise", response_model=CaseOut, status_code=201,
             summary="The customer rejects the result of a closed case: a new case linked to it")
async def reraise(number: Number, body: ReasonIn, svc: CasesDep, view: ViewDep, user: Anyone) -> CaseOut:
    return await _one(view, await svc.reraise(Actor.of(user), number, body.version, body.reason))


@socket_router.websocket("/ws/cases")
async def cases_socket(ws: WebSocket) -> None:
    """The cases page's push channel: ``case`` (a case this user may see changed, or a clock event was recorded on
    it) and ``case_notice`` (an escalation or an incident told to this user); any logged-in user (what each is
    sent follows the access rule, ``access.py``)."""
    user = await ws_user(ws, set(ROLES))
    if user is None:
        return
    await ws.accept()
    live = lookup(ws, CaseLive)
    live.watch(user.username)
    try:
        await serve_topics(ws, {cases_topic(user.username)}, f"cases {user.username}",
                           lambda: {"type": "hello", "username": user.username, "at": live.view.clock.now()})
    finally:
        live.forget(user.username)


@backlog_router.get("/{department_id}/backlog", response_model=BacklogOut,
                    summary="A department's open cases, oldest first (members, supervisors, QC, admins)")
async def backlog(department_id: Id, svc: CasesDep, view: ViewDep, user: Anyone) -> BacklogOut:
    rows = await svc.backlog(Actor.of(user), department_id)
    states = await view.states(rows)
    now = states.at
    return BacklogOut(department_id=department_id, clocks_at=now, items=[
        BacklogItem(number=c.number, type=c.type, state=c.state, handler=c.handler, severity=c.severity,  # type: ignore[arg-type]
                    paused=c.paused, accepted_at=c.accepted_at,
                    age_seconds=int((now - c.accepted_at).total_seconds()),
                    clocks=clocks_out(states, c.id)) for c in rows])
