"""REST API for the users under /api/admin/users (admin role only): list, create, change. Every change is written to
the audit log (``admin.user.<verb>``); the rules live in :mod:`callcenter.auth.users`. No password is ever
returned or audited. A user's skills are the directory's (``callcenter.directory.api``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from callcenter.auth.admin_schemas import UserCreateIn, UserOut, UserPatchIn
from callcenter.auth.api import AuthDep, require_roles
from callcenter.auth.models import User
from callcenter.auth.users import UserAdmin
from callcenter.bounds import Id
from callcenter.deps import provide

Admin = Annotated[User, Depends(require_roles("admin"))]
UsersDep = Annotated[UserAdmin, Depends(provide(UserAdmin))]
router = APIRouter(prefix="/api/admin", tags=["admin"])


# users -------------------------------------------------------------------------------------------------------
@router.get("/users", response_model=list[UserOut], summary="Every user with roles, skills and seat")
async def list_users(svc: UsersDep, _: Admin) -> list[dict[str, Any]]:
    return await svc.list_users()


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user (password hashed)")
async def create_user(body: UserCreateIn, auth: AuthDep, svc: UsersDep, user: Admin) -> dict[str, Any]:
    u = await svc.create_user(body)
    await auth.audit(user.username, "admin.user.create", f"user:{u.username}",
                 {"roles": list(u.roles), "display_name": u.display_name})
    return await svc.user_out(u.id)


@router.patch("/users/{user_id}", response_model=UserOut,
              summary="Change display name, roles, active or password (deactivating ends their sessions)")
async def update_user(user_id: Id, body: UserPatchIn, auth: AuthDep, svc: UsersDep, user: Admin) -> dict[str, Any]:
    u, changes = await svc.update_user(user_id, body, user)
    if changes:
        await auth.audit(user.username, "admin.user.update", f"user:{u.username}", changes)
    return await svc.user_out(u.id)
