"""The wallboard's HTTP side (snapshot, seats, supervisor actions) and its websocket ``/ws/board``.
Users with the supervisor or admin role only; every action is audited and told to the agent's desktop."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, WebSocket
from pydantic import BaseModel, Field

from callcenter.acd.api import seat_rows
from callcenter.acd.pop import agent_topic
from callcenter.acd.schemas import AgentOut, SeatRowOut, SpyOut
from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.realtime.api import serve_topics, ws_user
from callcenter.wallboard.board import BOARD_TOPIC
from callcenter.wallboard.schemas import SnapshotOut

ROLES = ("supervisor", "admin")
router = APIRouter(tags=["wallboard"])
Supervisor = Annotated[User, Depends(require_roles(*ROLES))]


class SpyIn(BaseModel):
    mode: Literal["listen", "whisper", "barge"]
    seat: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class ForcePauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=500)


class ForceLogoutIn(BaseModel):
    note: str = Field("", max_length=500)


def _stack(request: Request) -> Any:
    return request.app.state.services


@router.get("/api/board", response_model=SnapshotOut, response_model_exclude_unset=True,
            summary="The wallboard snapshot (the websocket's first message)")
async def board(request: Request, user: Supervisor) -> dict[str, Any]:
    return _stack(request).board.snapshot()  # type: ignore[no-any-return]


@router.get("/api/board/seats", response_model=list[SeatRowOut],
            summary="Seats, for picking the supervisor's own phone")
async def seats(request: Request, user: Supervisor) -> list[dict[str, Any]]:
    return await seat_rows(_stack(request))


async def _done(request: Request, user: User, action: str, username: str, detail: dict[str, Any],
                text: str) -> None:
    """Audit the action; tell the agent's desktop and the other boards."""
    stack = _stack(request)
    await stack.auth.audit(user.username, action, f"agent:{username}", detail)
    at = stack.clock.now()
    stack.hub.publish(agent_topic(username), {"type": "notice", "action": action, "by": user.username,
                                              "text": text, "note": detail.get("note", ""), "at": at})
    stack.hub.publish(BOARD_TOPIC, {"type": "notice", "action": action, "by": user.username, "agent": username,
                                    "text": text, "at": at})


@router.post("/api/board/agents/{username}/spy", response_model=SpyOut,
             summary="Listen, whisper or barge on an agent's call")
async def spy(username: str, body: SpyIn, request: Request, user: Supervisor) -> dict[str, str]:
    stack = _stack(request)
    res: dict[str, str] = await stack.acd.spy(username, body.mode, body.seat, by=user.username)
    await stack.auth.audit(user.username, "board.spy", f"agent:{username}", res)
    return res


@router.post("/api/board/agents/{username}/pause", response_model=AgentOut,
             summary="Force-pause an agent with a reason")
async def force_pause(username: str, body: ForcePauseIn, request: Request, user: Supervisor) -> dict[str, Any]:
    a = await _stack(request).acd.force_pause(username, body.reason, by=user.username, note=body.note)
    await _done(request, user, "board.pause", username, {"reason": body.reason, "note": body.note,
                                                         "extension": a.extension},
                f"paused by {user.username} ({body.reason})")
    return a.public()


@router.post("/api/board/agents/{username}/logout", response_model=AgentOut, summary="Force-log-out an agent")
async def force_logout(username: str, body: ForceLogoutIn, request: Request, user: Supervisor) -> dict[str, Any]:
    stack = _stack(request)
    seated = stack.acd.handling(username)
    ext = seated.extension if seated else None
    a = await stack.acd.force_logout(username, by=user.username, note=body.note)
    await _done(request, user, "board.logout", username, {"note": body.note, "extension": ext},
                f"logged out by {user.username}")
    return a.public()


@router.websocket("/ws/board")
async def board_socket(ws: WebSocket) -> None:
    user = await ws_user(ws, set(ROLES))
    if user is None:
        return
    await ws.accept()
    await serve_topics(ws, {BOARD_TOPIC}, f"board {user.username}", ws.app.state.services.board.snapshot_text)
