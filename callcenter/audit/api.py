"""REST API of the audit trail (``/api/audit``; docs/audit.md): search it, export it (CSV, streamed), who reads
it; and a customer's views (``/api/customers/{id}/views``). Admins and the roles of ``settings.audit.readers``
only; every reading is audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from callcenter.audit.schemas import AuditEntryOut, AuditPage, AuditPolicyOut, CustomerViewsOut
from callcenter.audit.service import PAGE_MAX, AuditReader, Search, detail_text
from callcenter.auth.actor import Actor
from callcenter.auth.api import current_user
from callcenter.auth.models import AuditEntry, User
from callcenter.bounds import MAX_ID, Day, Id
from callcenter.deps import provide
from callcenter.schema_types import CSV_CONTENT

router = APIRouter(prefix="/api/audit", tags=["audit"])
views_router = APIRouter(prefix="/api/customers", tags=["audit"])
ReaderDep = Annotated[AuditReader, Depends(provide(AuditReader))]
Someone = Annotated[User, Depends(current_user)]
Cursor = Annotated[str | None, Query(min_length=1, max_length=40, description="next_cursor of the page before")]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


def _out(svc: AuditReader, e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(id=e.id, at=e.at, at_local=svc.local(e.at), username=e.username, action=e.action,
                         target=e.target, detail=e.detail, detail_text=detail_text(e.detail))


def _search(
    svc: ReaderDep,
    person: Annotated[str | None, Query(min_length=1, max_length=64, description="who (username)")] = None,
    customer: Annotated[int | None, Query(ge=1, le=MAX_ID, description="target customer:<id>")] = None,
    recording: Annotated[int | None, Query(ge=1, le=MAX_ID, description="target recording:<id>")] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=128,
                                        description="any target exactly (call:<uniqueid>, case:<number>...)")] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=65,
                                        description="exactly, or a prefix ending in '.' or '*' (customer.)")] = None,
    first: Annotated[Day | None, Query(alias="from", description="first day (centre's timezone)")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last day, included")] = None,
) -> Search:
    return svc.search(person=person, customer=customer, recording=recording, target=target, action=action,
                      first=first, last=last)


SearchDep = Annotated[Search, Depends(_search)]


@router.get("/policy", response_model=AuditPolicyOut, summary="Who reads the audit log, and whether I do")
async def policy(svc: ReaderDep, user: Someone) -> AuditPolicyOut:
    return AuditPolicyOut(readers=list(svc.roles), may_read=svc.may_read(Actor.of(user)), timezone=svc.tz.key,
                          page_max=PAGE_MAX, export_max_days=svc.settings.export_max_days)


@router.get("", response_model=AuditPage,
            summary="Search the audit log, newest first (admins and audit readers; the search is audited)")
async def search(svc: ReaderDep, user: Someone, q: SearchDep, limit: Limit = 50, cursor: Cursor = None
                 ) -> AuditPage:
    rows, nxt = await svc.page(Actor.of(user), q, limit, cursor)
    return AuditPage(items=[_out(svc, e) for e in rows], next_cursor=nxt, limit=limit)


@router.get("/export.csv", response_class=StreamingResponse,
            summary="The search's entries as CSV, oldest first, streamed (UTF-8 with BOM; from and to needed)",
            responses={200: {"content": CSV_CONTENT, "description": "the CSV file"}})
async def export(svc: ReaderDep, user: Someone, q: SearchDep) -> StreamingResponse:
    count, body = await svc.export(Actor.of(user), q)
    first: date | None = q.first
    last: date | None = q.last
    name = f"audit-{first}-{last}.csv"
    return StreamingResponse(body, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "X-Row-Count": str(count)})


@views_router.get("/{customer_id}/views", response_model=CustomerViewsOut,
                  summary="Who opened this customer's record and when (and who was refused), newest first "
                          "(admins and audit readers; audited)")
async def customer_views(customer_id: Id, svc: ReaderDep, user: Someone, limit: Limit = 100,
                         cursor: Cursor = None) -> CustomerViewsOut:
    rows, nxt, total = await svc.customer_views(Actor.of(user), customer_id, limit, cursor)
    return CustomerViewsOut(customer_id=customer_id, total=total, items=[_out(svc, e) for e in rows],
                            next_cursor=nxt)
