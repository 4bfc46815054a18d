"""The directory of departments and their members (issue 14, "4. Departments and handlers").

Supervisors and admins keep the directory; everyone logged in may read it (the cases page names departments).
A handler is a user with a membership (``handler`` or ``head``): no auth role is needed, so an agent, a
supervisor or a back-office user without a call-centre role can be a handler. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from callcenter.auth.actor import Actor
from callcenter.clock import Clock
from callcenter.departments.errors import NAME_EMPTY, NEEDS_EDITOR, NO_SUCH_USER, NOT_FOUND
from callcenter.departments.repository import DepartmentFull, DepartmentRepository

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
UserExists = Callable[[str], Awaitable[bool]]
EDITORS = frozenset({"supervisor", "admin"})


def target(department_id: int) -> str:
    return f"department:{department_id}"


class Departments:
    def __init__(self, repo: DepartmentRepository, clock: Clock, audit: Audit, user_exists: UserExists) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit
        self.user_exists = user_exists

    def _editor(self, actor: Actor) -> None:
        if not actor.has(EDITORS):
            raise NEEDS_EDITOR(needed=sorted(EDITORS), has=sorted(actor.roles))

    async def _user(self, username: str | None) -> None:
        if username and not await self.user_exists(username):
            raise NO_SUCH_USER(username=username)

    async def get(self, department_id: int) -> DepartmentFull:
        d = await self.repo.get(department_id)
        if d is None:
            raise NOT_FOUND(department_id=department_id)
        return d

    async def list(self) -> list[DepartmentFull]:
        return await self.repo.all()

    async def memberships(self, username: str) -> dict[int, str]:
        return await self.repo.memberships(username)

    async def create(self, actor: Actor, name: str, active: bool = True, head: str | None = None) -> DepartmentFull:
        self._editor(actor)
        name = name.strip()
        if not name:
            raise NAME_EMPTY(field="name")
        await self._user(head)
        d = await self.repo.create(name, active, head or None, self.clock.now())
        await self.audit(actor.username, "department.create", target(d.department.id), {"name": name})
        return d

    async def update(self, actor: Actor, department_id: int, values: dict[str, Any]) -> DepartmentFull:
        self._editor(actor)
        # null for a field that cannot be empty means "not changed" (only the head may be unset)
        values = {k: v for k, v in values.items() if v is not None or k == "head"}
        if "name" in values:
            values["name"] = values["name"].strip()
            if not values["name"]:
                raise NAME_EMPTY(field="name")
        await self._user(values.get("head"))
        d = await self.repo.update(department_id, values)
        await self.audit(actor.username, "department.update", target(department_id), dict(values))
        return d

    async def set_member(self, actor: Actor, department_id: int, username: str, role: str) -> DepartmentFull:
        self._editor(actor)
        await self._user(username)
        d = await self.repo.set_member(department_id, username, role)
        await self.audit(actor.username, "department.member_set", target(department_id),
                         {"username": username, "role": role})
        return d

    async def remove_member(self, actor: Actor, department_id: int, username: str) -> DepartmentFull:
        self._editor(actor)
        d = await self.repo.remove_member(department_id, username)
        await self.audit(actor.username, "department.member_removed", target(department_id), {"username": username})
        return d
