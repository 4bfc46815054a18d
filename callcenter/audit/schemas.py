"""The audit trail's API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    at_local: str = Field(description="the time in the centre's timezone, YYYY-MM-DD HH:MM:SS")
    username: str
    action: str
    target: str
    detail: dict[str, Any] | None = Field(description="what the entry records besides who, what and which (as stored)")
    detail_text: str = Field(description="the detail as one line of JSON (pages show it as text)")


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="give it as cursor for the next (older) page; null: no more")
    limit: int


class CustomerViewsOut(BaseModel):
    customer_id: int
    total: int = Field(description="how many times the record was opened or refused, in all")
    items: list[AuditEntryOut] = Field(description="customer.view (opened, detail.why) and customer.view_denied "
                                                   "(refused), newest first")
    next_cursor: str | None


class AuditPolicyOut(BaseModel):
    readers: list[str] = Field(description="the roles that read the audit log (admins always)")
    may_read: bool = Field(description="whether the asking user does")
    timezone: str
    page_max: int
    export_max_days: int
