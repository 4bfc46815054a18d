"""API shapes of /api/departments."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from callcenter.departments.repository import DepartmentFull

Username = str  # checked against the users (the service), bounded here
MemberRole = Literal["handler", "head"]  # = models.MEMBER_ROLES


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    active: bool = True
    head: str | None = Field(None, max_length=64)


class DepartmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    head: str | None = Field(None, max_length=64)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: MemberRole = "handler"


class MemberOut(BaseModel):
    username: str
    role: MemberRole


class DepartmentOut(BaseModel):
    id: int
    name: str
    active: bool
    head: str | None
    created_at: datetime
    members: list[MemberOut]

    @classmethod
    def of(cls, d: DepartmentFull) -> DepartmentOut:
        x = d.department
        return cls(id=x.id, name=x.name, active=x.active, head=x.head, created_at=x.created_at,
                   members=[MemberOut(username=u, role=r) for u, r in d.members.items()])  # type: ignore[arg-type]


class DepartmentList(BaseModel):
    items: list[DepartmentOut]
