"""Seat discipline over HTTP: leave-seat requests (agents ask, team leads — supervisor/admin — decide), away
episodes, and the agent's own away state. Live pushes go over ``/ws/agent`` (type ``discipline``) and
``/ws/board`` (``leave_requests``, ``away`` alerts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Day, Id
from callcenter.deps import provide
from callcenter.seat.errors import OTHERS_AWAY_EPISODES, OTHERS_LEAVE_REQUESTS
from callcenter.seat.leave import MAX_LEAVE_MINUTES, MIN_LEAVE_MINUTES, LeaveConsent
from callcenter.seat.schemas import EpisodeOut, LeaveRequestOut, SeatMeOut
from callcenter.seat.service import SeatService
from callcenter.seat.views import SeatViews

LEADS = ("supervisor", "admin")
router = APIRouter(prefix="/api/seat", tags=["seat discipline"])
AgentUser = Annotated[User, Depends(require_roles("agent"))]
Lead = Annotated[User, Depends(require_roles(*LEADS))]
AnyUser = Annotated[User, Depends(require_roles("agent", *LEADS))]


class LeaveRequestIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    minutes: int = Field(ge=MIN_LEAVE_MINUTES, le=MAX_LEAVE_MINUTES)


class ApproveIn(BaseModel):
    minutes: int | None = Field(None, ge=MIN_LEAVE_MINUTES, le=MAX_LEAVE_MINUTES)
    note: str = Field("", max_length=500)


class RejectIn(BaseModel):
    note: str = Field(min_length=1, max_length=500)


SeatDep = Annotated[SeatService, Depends(provide(SeatService))]


def _leave(seat: SeatDep) -> LeaveConsent:
    return seat.leave


def _views(seat: SeatDep) -> SeatViews:
    return seat.views


Leave = Annotated[LeaveConsent, Depends(_leave)]  # leave-seat consent: ask, decide, cancel
Views = Annotated[SeatViews, Depends(_views)]  # what seat discipline reports


def _is_lead(user: User) -> bool:
    return bool(set(user.roles) & set(LEADS))


@router.post("/leave-requests", status_code=201, response_model=LeaveRequestOut,
             summary="Ask the team lead to leave the seat for some minutes")
async def ask(body: LeaveRequestIn, leave: Leave, user: AgentUser) -> dict[str, Any]:
    return await leave.request_leave(user, body.reason, body.minutes)


@router.get("/leave-requests", response_model=list[LeaveRequestOut],
            summary="Leave-seat requests, newest first (an agent sees their own)")
async def requests(views: Views, user: AnyUser,
                   status: Literal["pending", "approved", "rejected", "cancelled", "lapsed"] | None = None,
                   username: str | None = Query(None, max_length=64),
                   limit: int = Query(200, ge=1, le=1000)) -> list[dict[str, Any]]:
    if not _is_lead(user):
        if username and username != user.username:
            raise OTHERS_LEAVE_REQUESTS(username=username)
        username = user.username
    return await views.list_requests(status, username, limit)


@router.post("/leave-requests/{request_id}/approve", response_model=LeaveRequestOut,
             summary="Approve (optionally for other minutes)")
async def approve(request_id: Id, body: ApproveIn, leave: Leave, user: Lead) -> dict[str, Any]:
    return await leave.approve(request_id, user, body.minutes, body.note)


@router.post("/leave-requests/{request_id}/reject", response_model=LeaveRequestOut, summary="Refuse, saying why")
async def reject(request_id: Id, body: RejectIn, leave: Leave, user: Lead) -> dict[str, Any]:
    return await leave.reject(request_id, user, body.note)


@router.post("/leave-requests/{request_id}/cancel", response_model=LeaveRequestOut,
             summary="Withdraw my own request (pending or not used yet)")
async def cancel(request_id: Id, leave: Leave, user: AgentUser) -> dict[str, Any]:
    return await leave.cancel(request_id, user)


@router.get("/episodes", response_model=list[EpisodeOut],
            summary="Away episodes by the day they started (centre's timezone); agents see their own")
async def episodes(views: Views, user: AnyUser, username: str | None = Query(None, max_length=64),
                   date_from: Day | None = None, date_to: Day | None = None, violations_only: bool = False,
                   limit: int = Query(1000, ge=1, le=10000),
                   finding: Literal["violation", "unapproved_absence"] | None = None) -> list[dict[str, Any]]:
    if not _is_lead(user):
        if username and username != user.username:
            raise OTHERS_AWAY_EPISODES(username=username)
        username = user.username
    return await views.episodes(
        username or None, date_from, date_to, violations_only, limit, finding)


@router.get("/me", response_model=SeatMeOut, summary="My away state now, my phone, my live leave-seat request")
async def me(views: Views, user: AgentUser) -> dict[str, Any]:
    return views.me(user)
