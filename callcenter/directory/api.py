"""REST API for the directory under /api/admin (admin role only): the choices, agents' skills, seats, queues and
pause reasons. Every change is written to the audit log (``admin.<thing>.<verb>``); the rules live in
:mod:`callcenter.directory.service`. No SIP password is ever returned or audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from callcenter.auth.admin_api import Admin, UsersDep
from callcenter.auth.admin_schemas import UserOut
from callcenter.auth.api import AuthDep
from callcenter.auth.models import ROLES
from callcenter.bounds import Id
from callcenter.deps import SettingsDep, provide
from callcenter.directory.models import LEVELS, ROUTINGS, STRATEGIES
from callcenter.directory.repository import DirectoryRepository
from callcenter.directory.schemas import (
    MetaOut,
    PauseReasonCreateIn,
    PauseReasonOut,
    PauseReasonPatchIn,
    QueueCreateIn,
    QueueOut,
    QueuePatchIn,
    SeatCreateIn,
    SeatOut,
    SeatPatchIn,
    SkillsIn,
)
from callcenter.directory.service import Directory

DirectoryDep = Annotated[Directory, Depends(provide(Directory))]
# the directory's storage, for the routes of other domains that read it (the seat pickers, an agent's skills)
DirectoryRepoDep = Annotated[DirectoryRepository, Depends(provide(DirectoryRepository))]
router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get("/meta", response_model=MetaOut, summary="The choices: roles, skill levels, strategies, routings")
async def meta(s: SettingsDep, _: Admin) -> MetaOut:
    return MetaOut(roles=list(ROLES), levels=list(LEVELS), strategies=list(STRATEGIES), routings=list(ROUTINGS),
                   mode=s.mode, fallback_queue=s.ivr.default_queue)


# skills --------------------------------------------------------------------------------------------------------
@router.put("/users/{user_id}/skills", response_model=UserOut,
            summary="Replace an agent's skills (queue + level); a logged-in agent's queues follow at once")
async def set_skills(user_id: Id, body: SkillsIn, auth: AuthDep, users: UsersDep, svc: DirectoryDep,
                     user: Admin) -> dict[str, Any]:
    before, after = await svc.set_skills(user_id, body.skills, users.user)
    out = await users.user_out(user_id)
    await auth.audit(user.username, "admin.user.skills", f"user:{out['username']}", {"before": before, "after": after})
    return out


# seats -------------------------------------------------------------------------------------------------------
@router.get("/seats", response_model=list[SeatOut], summary="Every seat (SIP phone); never its password")
async def list_seats(svc: DirectoryDep, _: Admin) -> list[dict[str, Any]]:
    return await svc.list_seats()


@router.post("/seats", response_model=SeatOut, status_code=201,
             summary="Create a seat; pjsip.conf is re-rendered and reloaded")
async def create_seat(body: SeatCreateIn, auth: AuthDep, svc: DirectoryDep, user: Admin) -> dict[str, Any]:
    seat = await svc.create_seat(body)
    await auth.audit(user.username, "admin.seat.create", f"seat:{seat.extension}",
                 {"name": seat.name, "static_contact": seat.static_contact})
    return svc.seat_out(seat)


@router.patch("/seats/{extension}", response_model=SeatOut,
              summary="Change a seat's name, password, static contact or active")
async def update_seat(extension: str, body: SeatPatchIn, auth: AuthDep, svc: DirectoryDep,
                      user: Admin) -> dict[str, Any]:
    seat, changes = await svc.update_seat(extension, body)
    if changes:
        await auth.audit(user.username, "admin.seat.update", f"seat:{seat.extension}", changes)
    return svc.seat_out(seat)


@router.delete("/seats/{extension}", status_code=204, summary="Delete a seat (refused while an agent is there)")
async def delete_seat(extension: str, auth: AuthDep, svc: DirectoryDep, user: Admin) -> Response:
    seat = await svc.delete_seat(extension)
    await auth.audit(user.username, "admin.seat.delete", f"seat:{seat.extension}", {"name": seat.name})
    return Response(status_code=204)


# queues ------------------------------------------------------------------------------------------------------
@router.get("/queues", response_model=list[QueueOut], summary="Every queue, active or not")
async def list_queues(svc: DirectoryDep, _: Admin) -> list[dict[str, Any]]:
    return await svc.list_queues()


@router.post("/queues", response_model=QueueOut, status_code=201,
             summary="Create a queue; queues.conf is re-rendered and reloaded")
async def create_queue(body: QueueCreateIn, auth: AuthDep, svc: DirectoryDep, user: Admin) -> dict[str, Any]:
    q = await svc.create_queue(body)
    out = await svc.queue_out(q)
    await auth.audit(user.username, "admin.queue.create", f"queue:{q.name}",
                 {k: v for k, v in out.items() if k not in ("name", "agents")})
    return out


@router.patch("/queues/{name}", response_model=QueueOut, summary="Change a queue (not its name)")
async def update_queue(name: str, body: QueuePatchIn, auth: AuthDep, svc: DirectoryDep, user: Admin) -> dict[str, Any]:
    q, changes = await svc.update_queue(name, body)
    if changes:
        await auth.audit(user.username, "admin.queue.update", f"queue:{q.name}", changes)
    return await svc.queue_out(q)


@router.delete("/queues/{name}", status_code=204,
               summary="Delete a queue (refused while IVR flows or agents' skills use it: deactivate instead)")
async def delete_queue(name: str, auth: AuthDep, svc: DirectoryDep, user: Admin) -> Response:
    q = await svc.delete_queue(name)
    await auth.audit(user.username, "admin.queue.delete", f"queue:{q.name}", {"display_name": q.display_name})
    return Response(status_code=204)


# pause reasons -----------------------------------------------------------------------------------------------
@router.get("/pause-reasons", response_model=list[PauseReasonOut], summary="Every pause reason, active or not")
async def list_reasons(svc: DirectoryDep, _: Admin) -> list[dict[str, Any]]:
    return await svc.list_reasons()


@router.post("/pause-reasons", response_model=PauseReasonOut, status_code=201, summary="Create a pause reason")
async def create_reason(body: PauseReasonCreateIn, auth: AuthDep, svc: DirectoryDep, user: Admin) -> dict[str, Any]:
    r = await svc.create_reason(body)
    out = Directory.reason_out(r)
    await auth.audit(user.username, "admin.pause_reason.create", f"pause_reason:{r.code}",
                 {k: out[k] for k in ("label_zh", "label_en", "away")})
    return out


@router.patch("/pause-reasons/{code}", response_model=PauseReasonOut,
              summary="Change labels, away or active (system reasons: labels only)")
async def update_reason(code: str, body: PauseReasonPatchIn, auth: AuthDep, svc: DirectoryDep,
                        user: Admin) -> dict[str, Any]:
    r, changes = await svc.update_reason(code, body)
    if changes:
        await auth.audit(user.username, "admin.pause_reason.update", f"pause_reason:{r.code}", changes)
    return Directory.reason_out(r)
