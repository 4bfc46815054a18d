"""Department storage: each method is one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import rows_affected
from callcenter.departments.errors import NAME_TAKEN, NOT_FOUND, NOT_MEMBER
from callcenter.departments.models import Department, DepartmentMember


@dataclass
class DepartmentFull:
    """A department with its members (username → role in the department)."""

    department: Department
    members: dict[str, str] = field(default_factory=dict)

    def heads(self) -> set[str]:
        out = {u for u, r in self.members.items() if r == "head"}
        if self.department.head:
            out.add(self.department.head)
        return out


class DepartmentRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @staticmethod
    async def _members(s: AsyncSession, ids: list[int]) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {i: {} for i in ids}
        if ids:
            rows = await s.execute(select(DepartmentMember).where(DepartmentMember.department_id.in_(ids))
                                   .order_by(DepartmentMember.username))
            for m in rows.scalars():
                out[m.department_id][m.username] = m.role
        return out

    async def get(self, department_id: int) -> DepartmentFull | None:
        async with self.sessions() as s:
            d = await s.get(Department, department_id)
            if d is None:
                return None
            return DepartmentFull(d, (await self._members(s, [d.id]))[d.id])

    async def all(self) -> list[DepartmentFull]:
        async with self.sessions() as s:
            rows = list((await s.execute(select(Department).order_by(Department.name))).scalars())
            members = await self._members(s, [d.id for d in rows])
        return [DepartmentFull(d, members[d.id]) for d in rows]

    async def memberships(self, username: str) -> dict[int, str]:
        """department id → the user's role there (a head named on the department counts as ``head``)."""
        async with self.sessions() as s:
            out = {m.department_id: m.role for m in (await s.execute(
                select(DepartmentMember).where(DepartmentMember.username == username))).scalars()}
            for did in (await s.execute(select(Department.id).where(Department.head == username))).scalars():
                out[did] = "head"
        return out

    async def create(self, name: str, active: bool, head: str | None, now: datetime) -> DepartmentFull:
        async with self.sessions() as s:
            d = Department(name=name, active=active, head=head, created_at=now)
            s.add(d)
            try:
                await s.flush()
                if head:
                    s.add(DepartmentMember(department_id=d.id, username=head, role="head"))
                await s.commit()
            except IntegrityError:
                raise NAME_TAKEN(name=name) from None
            return DepartmentFull(d, {head: "head"} if head else {})

    async def update(self, department_id: int, values: dict[str, Any]) -> DepartmentFull:
        async with self.sessions() as s:
            d = await s.get(Department, department_id)
            if d is None:
                raise NOT_FOUND(department_id=department_id)
            for k, v in values.items():
                setattr(d, k, v)
            if values.get("head"):
                m = await s.get(DepartmentMember, (department_id, values["head"]))
                if m is None:
                    s.add(DepartmentMember(department_id=department_id, username=values["head"], role="head"))
                else:
                    m.role = "head"
            try:
                await s.commit()
            except IntegrityError:
                raise NAME_TAKEN(name=values.get("name", d.name)) from None
            return DepartmentFull(d, (await self._members(s, [d.id]))[d.id])

    async def set_member(self, department_id: int, username: str, role: str) -> DepartmentFull:
        async with self.sessions() as s:
            d = await s.get(Department, department_id)
            if d is None:
                raise NOT_FOUND(department_id=department_id)
            m = await s.get(DepartmentMember, (department_id, username))
            if m is None:
                s.add(DepartmentMember(department_id=department_id, username=username, role=role))
            else:
                m.role = role
            await s.commit()
            return DepartmentFull(d, (await self._members(s, [d.id]))[d.id])

    async def remove_member(self, department_id: int, username: str) -> DepartmentFull:
        async with self.sessions() as s:
            d = await s.get(Department, department_id)
            if d is None:
                raise NOT_FOUND(department_id=department_id)
            gone = rows_affected(await s.execute(delete(DepartmentMember).where(
                DepartmentMember.department_id == department_id, DepartmentMember.username == username)))
            if not gone:
                raise NOT_MEMBER(username=username, department_id=department_id)
            if d.head == username:
                d.head = None
            await s.commit()
            return DepartmentFull(d, (await self._members(s, [d.id]))[d.id])
