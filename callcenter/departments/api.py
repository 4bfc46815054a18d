"""REST API of the departments directory: /api/departments (reads: anyone logged in; changes: supervisors and
admins). The backlog of a department is the cases domain's (``/api/departments/{id}/backlog``, cases/api.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from callcenter.auth.actor import Actor
from callcenter.auth.api import current_user, require_roles
from callcenter.auth.models import User
from callcenter.bounds import Id
from callcenter.departments.schemas import DepartmentIn, DepartmentList, DepartmentOut, DepartmentPatch, MemberIn
from callcenter.departments.service import Departments
from callcenter.deps import provide

router = APIRouter(prefix="/api/departments", tags=["departments"])
DepartmentsDep = Annotated[Departments, Depends(provide(Departments))]
Anyone = Annotated[User, Depends(current_user)]
Editor = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Username = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=DepartmentList, summary="All departments with their members")
async def list_departments(svc: DepartmentsDep, user: Anyone) -> DepartmentList:
    return DepartmentList(items=[DepartmentOut.of(d) for d in await svc.list()])


@router.post("", response_model=DepartmentOut, status_code=201, summary="Create a department")
async def create_department(body: DepartmentIn, svc: DepartmentsDep, user: Editor) -> DepartmentOut:
    return DepartmentOut.of(await svc.create(Actor.of(user), body.name, body.active, body.head))


@router.get("/{department_id}", response_model=DepartmentOut, summary="One department")
async def get_department(department_id: Id, svc: DepartmentsDep, user: Anyone) -> DepartmentOut:
    return DepartmentOut.of(await svc.get(department_id))


@router.patch("/{department_id}", response_model=DepartmentOut,
              summary="Rename, (de)activate or name the head of a department")
async def update_department(department_id: Id, body: DepartmentPatch, svc: DepartmentsDep, user: Editor
                            ) -> DepartmentOut:
    return DepartmentOut.of(await svc.update(Actor.of(user), department_id, body.model_dump(exclude_unset=True)))


@router.put("/{department_id}/members/{username}", response_model=DepartmentOut,
            summary="Add a member (handler or head) or change their role")
async def set_member(department_id: Id, username: Username, body: MemberIn, svc: DepartmentsDep, user: Editor
                     ) -> DepartmentOut:
    return DepartmentOut.of(await svc.set_member(Actor.of(user), department_id, username, body.role))


@router.delete("/{department_id}/members/{username}", response_model=DepartmentOut, summary="Remove a member")
async def remove_member(department_id: Id, username: Username, svc: DepartmentsDep, user: Editor) -> DepartmentOut:
    return DepartmentOut.of(await svc.remove_member(Actor.of(user), department_id, username))
