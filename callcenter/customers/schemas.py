"""API shapes of customers, service records, the customer history and the screen-pop payload."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.customers.repository import CustomerFull
from callcenter.surveys.schemas import SurveyOut

Category = Literal["consultation", "query", "business", "complaint", "suggestion", "other"]  # = models.CATEGORIES

Tags = list[str]
MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    company: str = Field("", max_length=200)
    address: str = Field("", max_length=500)
    vip: bool = False
    notes: str = Field("", max_length=10_000)
    tags: Tags = Field(default_factory=list, max_length=20)
    numbers: list[str] = Field(default_factory=list, max_length=20)


class CustomerPatch(BaseModel):
    """Only the fields sent are changed; ``numbers`` (when sent) replaces all of the customer's numbers."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    vip: bool | None = None
    notes: str | None = Field(None, max_length=10_000)
    tags: Tags | None = Field(None, max_length=20)
    numbers: list[str] | None = Field(None, max_length=20)


class NumberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=64)


class CustomerOut(BaseModel):
    id: int
    name: str
    company: str
    address: str
    vip: bool
    notes: str
    tags: list[str]
    numbers: list[str]
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, f: CustomerFull) -> CustomerOut:
        c = f.customer
        return cls(id=c.id, name=c.name, company=c.company, address=c.address, vip=c.vip, notes=c.notes,
                   tags=list(c.tags or []), numbers=list(f.numbers), created_at=c.created_at,
                   updated_at=c.updated_at)


class CustomerListItem(BaseModel):
    """A search result. Agents get id, name, company, vip, numbers and tags only; supervisors, QC and admins
    get the whole record (the other fields are left out of an agent's results, not sent empty)."""

    id: int
    name: str
    company: str
    vip: bool
    tags: list[str]
    numbers: list[str]
    address: str | None = None
    notes: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, f: CustomerFull, full: bool) -> CustomerListItem:
        c = f.customer
        item = cls(id=c.id, name=c.name, company=c.company, vip=c.vip, tags=list(c.tags or []),
                   numbers=list(f.numbers))
        if full:
            item.address, item.notes = c.address, c.notes
            item.created_at, item.updated_at = c.created_at, c.updated_at
        return item


class CustomerPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CustomerListItem]


class CallBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    uniqueid: str
    caller_number: str | None
    arrived_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    queue: str | None
    agent_extension: str | None
    agent_name: str | None
    outcome: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    direction: Literal["inbound", "outbound"] = "inbound"  # outbound: placed to this customer's number


class ServiceRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int | None
    call_uniqueid: str | None
    caller_number: str | None
    agent_username: str
    category: str
    text: str
    outcome: str
    follow_up_needed: bool
    follow_up_due: datetime | None
    follow_up_done_at: datetime | None
    created_at: datetime
    updated_at: datetime | None


class ServiceRecordPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ServiceRecordOut]


class ServiceRecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_uniqueid: str | None = Field(None, min_length=1, max_length=64)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    caller_number: str | None = Field(None, max_length=64)
    category: Category
    text: str = Field(max_length=10_000)
    outcome: str = Field("", max_length=200)
    follow_up_needed: bool = False
    follow_up_due: datetime | None = None


class ServiceRecordPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    category: Category | None = None
    text: str | None = Field(None, max_length=10_000)
    outcome: str | None = Field(None, max_length=200)
    follow_up_needed: bool | None = None
    follow_up_due: datetime | None = None


class HistoryOut(BaseModel):
    customer_id: int
    recent_calls: list[CallBrief]
    service_records: list[ServiceRecordOut]
    open_follow_ups: list[ServiceRecordOut]
    ratings: list[SurveyOut] | None = Field(
        None, description="the customer's ratings of these calls (IVR, call-back desk, typed in), the latest first; "
                          "shown to leads (supervisor, QC, admin) only, null for agents, who may be the one rated")


class PopOut(BaseModel):
    number: str | None
    customer: CustomerOut | None
    recent_calls: list[CallBrief]
    service_records: list[ServiceRecordOut]
    open_follow_ups: list[ServiceRecordOut]


class ImportOut(BaseModel):
    created: int
    updated: int


class DeletedOut(BaseModel):
    """What deleting a customer did (their service records stay, without the link)."""

    deleted: int
    service_records_kept: int
