"""REST API of the CRM: /api/customers and /api/service-records (thin: the rules are in ``records.py``,
``service_records.py`` and ``importer.py``).

Every endpoint needs a login. Who may read or change which customer is decided by ``access.py``
(agents only the customer of the call they are handling); every view, search, edit, delete, import and
export is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Offset
from callcenter.customers.access import Actor
from callcenter.customers.importer import MAX_CSV_BYTES, CustomerCsv
from callcenter.customers.records import CustomerRecords
from callcenter.customers.schemas import (
    MAX_ID,
    CallBrief,
    CustomerIn,
    CustomerListItem,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    DeletedOut,
    HistoryOut,
    ImportOut,
    NumberIn,
    ServiceRecordIn,
    ServiceRecordOut,
    ServiceRecordPage,
    ServiceRecordPatch,
)
from callcenter.customers.service_records import ServiceRecords
from callcenter.deps import provide
from callcenter.schema_types import CSV_CONTENT
from callcenter.surveys.schemas import SurveyOut
from callcenter.surveys.service import Surveys

Reader = Annotated[User, Depends(require_roles("agent", "supervisor", "qc", "admin"))]
Writer = Annotated[User, Depends(require_roles("agent", "supervisor", "admin"))]
Admin = Annotated[User, Depends(require_roles("admin"))]
Why = Literal["view", "pop", "edit", "search"]
CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
Sort = Literal["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]

router = APIRouter(prefix="/api/customers", tags=["customers"])
records_router = APIRouter(prefix="/api/service-records", tags=["service records"])


RecordsDep = Annotated[CustomerRecords, Depends(provide(CustomerRecords))]
ServiceRecordsDep = Annotated[ServiceRecords, Depends(provide(ServiceRecords))]
CsvDep = Annotated[CustomerCsv, Depends(provide(CustomerCsv))]
SurveysDep = Annotated[Surveys, Depends(provide(Surveys))]
LEADS = {"supervisor", "qc", "admin"}  # who sees the customers' ratings of calls


# customers -------------------------------------------------------------------------------------------------
@router.get("", response_model=CustomerPage, response_model_exclude_unset=True,
            summary="Search customers (agents get id, name, company, vip, numbers, tags only)")
async def search_customers(
    svc: RecordsDep,
    user: Reader,
    q: Annotated[str | None, Query(max_length=200, description="text in name, company (and notes)")] = None,
    number: Annotated[str | None, Query(max_length=64, description="start of a phone number, any format")] = None,
    vip: bool | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    sort: Sort = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> CustomerPage:
    r = await svc.search(Actor.of(user), q=q, number=number, vip=vip, tag=tag, sort=sort, limit=limit,
                                   offset=offset)
    return CustomerPage(total=r.total, limit=limit, offset=offset,
                        items=[CustomerListItem.of(f, r.full) for f in r.items])


@router.post("", response_model=CustomerOut, status_code=201, summary="Create a customer")
async def create_customer(body: CustomerIn, svc: RecordsDep, user: Writer) -> CustomerOut:
    full = await svc.create(Actor.of(user), **body.model_dump())
    return CustomerOut.of(full)


@router.get("/export.csv", summary="All customers as CSV (UTF-8 with BOM; admins only)",
            response_class=Response, responses={200: {"content": CSV_CONTENT, "description": "the CSV file"}})
async def export_customers(svc: CsvDep, user: Admin) -> Response:
    data = await svc.export_csv(Actor.of(user))
    stamp = svc.clock.now().strftime("%Y%m%d-%H%M%S")
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="customers-{stamp}.csv"'})


@router.post("/import", response_model=ImportOut,
             summary="Import customers from CSV (admins only; all rows are checked first, all or nothing)")
async def import_customers(svc: CsvDep, user: Admin,
                           file: Annotated[UploadFile, File(description="CSV, UTF-8, at most 5 MB")]) -> ImportOut:
    data = await file.read(MAX_CSV_BYTES + 1)
    r = await svc.import_csv(Actor.of(user), data, file.filename or "")
    return ImportOut(created=r.created, updated=r.updated)


@router.get("/{customer_id}", response_model=CustomerOut,
            summary="One customer (agents: only the customer of the call they are handling)")
async def get_customer(customer_id: CustomerId, svc: RecordsDep, user: Reader, why: Why = "view") -> CustomerOut:
    return CustomerOut.of(await svc.get(Actor.of(user), customer_id, why))


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change some fields of a customer")
async def update_customer(customer_id: CustomerId, body: CustomerPatch, svc: RecordsDep, user: Writer) -> CustomerOut:
    full = await svc.update(Actor.of(user), customer_id, body.model_dump(exclude_unset=True))
    return CustomerOut.of(full)


@router.delete("/{customer_id}", response_model=DeletedOut,
               summary="Delete a customer (admins only; its service records are kept)")
async def delete_customer(customer_id: CustomerId, svc: RecordsDep, user: Admin) -> DeletedOut:
    kept = await svc.delete(Actor.of(user), customer_id)
    return DeletedOut(deleted=customer_id, service_records_kept=kept)


@router.get("/{customer_id}/history", response_model=HistoryOut,
            summary="Last 5 calls, last 5 service records and open follow-ups of a customer (and, to leads, "
                    "the customer's ratings of those calls)")
async def customer_history(customer_id: CustomerId, svc: RecordsDep, surveys: SurveysDep, user: Reader,
                           why: Why = "view") -> HistoryOut:
    h = await svc.history(Actor.of(user), customer_id, why)
    ratings = None
    if set(user.roles) & LEADS:  # never to an agent, who may be the one rated
        ratings = [SurveyOut.model_validate(s) for s in await surveys.of_calls([c.uniqueid for c in h.recent_calls])]
    return HistoryOut(customer_id=h.customer_id,
                      recent_calls=[CallBrief.model_validate(c) for c in h.recent_calls],
                      service_records=[ServiceRecordOut.model_validate(r) for r in h.service_records],
                      open_follow_ups=[ServiceRecordOut.model_validate(r) for r in h.open_follow_ups],
                      ratings=ratings)


@router.post("/{customer_id}/numbers", response_model=CustomerOut, summary="Add a phone number to a customer")
async def add_number(customer_id: CustomerId, body: NumberIn, svc: RecordsDep, user: Writer) -> CustomerOut:
    return CustomerOut.of(await svc.add_number(Actor.of(user), customer_id, body.number))


@router.delete("/{customer_id}/numbers/{number}", response_model=CustomerOut,
               summary="Remove a phone number from a customer")
async def remove_number(customer_id: CustomerId, number: str, svc: RecordsDep, user: Writer) -> CustomerOut:
    return CustomerOut.of(await svc.remove_number(Actor.of(user), customer_id, number))


# service records -------------------------------------------------------------------------------------------
@records_router.get("", response_model=ServiceRecordPage, summary="Service records (newest first)")
async def list_records(
    svc: ServiceRecordsDep,
    user: Reader,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    call: Annotated[str | None, Query(max_length=64, description="the call's Asterisk uniqueid")] = None,
    follow_up_open: Annotated[bool | None, Query(description="true: only open follow-ups")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> ServiceRecordPage:
    rows, total = await svc.list_records(Actor.of(user), customer_id=customer_id, call=call,
                                                   follow_up_open=follow_up_open, limit=limit, offset=offset)
    return ServiceRecordPage(total=total, limit=limit, offset=offset,
                             items=[ServiceRecordOut.model_validate(r) for r in rows])


@records_router.post("", response_model=ServiceRecordOut, status_code=201,
                     summary="Write a service record (agents: for a call they handle or answered)")
async def create_record(body: ServiceRecordIn, svc: ServiceRecordsDep, user: Writer) -> ServiceRecordOut:
    r = await svc.create_record(Actor.of(user), **body.model_dump())
    return ServiceRecordOut.model_validate(r)


@records_router.patch("/{record_id}", response_model=ServiceRecordOut,
                      summary="Change a service record (its author, a supervisor or an admin)")
async def update_record(record_id: RecordId, body: ServiceRecordPatch, svc: ServiceRecordsDep, user: Writer
                        ) -> ServiceRecordOut:
    r = await svc.update_record(Actor.of(user), record_id, body.model_dump(exclude_unset=True))
    return ServiceRecordOut.model_validate(r)


@records_router.post("/{record_id}/follow-up-done", response_model=ServiceRecordOut,
                     summary="Mark the follow-up of a service record done")
async def follow_up_done(record_id: RecordId, svc: ServiceRecordsDep, user: Writer) -> ServiceRecordOut:
    return ServiceRecordOut.model_validate(await svc.follow_up_done(Actor.of(user), record_id))
