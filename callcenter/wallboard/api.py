"""The wallboard's HTTP side (snapshot, seats, supervisor actions) and its websocket ``/ws/board``.
Users with the supervisor or admin role only; every action is audited and told to the agent's desktop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, WebSocket
from pydantic import BaseModel, Field

from callcenter.acd.api import AcdDep, seat_rows
from callcenter.acd.schemas import AgentOut, ConferenceJoinOut, SeatRowOut, SpyOut
from callcenter.auth.api import AuthDep, require_roles
from callcenter.auth.models import User
from callcenter.auth.service import AuthService
from callcenter.clock import Clock
from callcenter.deps import ClockDep, lookup, provide
from callcenter.directory.api import DirectoryRepoDep
from callcenter.realtime.api import HubDep, serve_topics, ws_user
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import BOARD_TOPIC, BoardNotifier, DeskNotifier
from callcenter.wallboard.board import Board
from callcenter.wallboard.schemas import SnapshotOut

ROLES = ("supervisor", "admin")
router = APIRouter(tags=["wallboard"])
Supervisor = Annotated[User, Depends(require_roles(*ROLES))]


class SpyIn(BaseModel):
    mode: Literal["listen", "whisper", "barge"]
    seat: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class JoinIn(BaseModel):
    # listen: muted, never holding the conference open; talk: a member like the agent
    mode: Literal["listen", "talk"]
    seat: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class ForcePauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=500)


class ForceLogoutIn(BaseModel):
    note: str = Field("", max_length=500)


BoardDep = Annotated[Board, Depends(provide(Board))]


@router.get("/api/board", response_model=SnapshotOut, response_model_exclude_unset=True,
            summary="The wallboard snapshot (the websocket's first message)")
async def board(user: Supervisor, board: BoardDep) -> dict[str, Any]:
    return board.snapshot()


@router.get("/api/board/seats", response_model=list[SeatRowOut],
            summary="Seats, for picking the supervisor's own phone")
async def seats(user: Supervisor, directory: DirectoryRepoDep, acd: AcdDep) -> list[dict[str, Any]]:
    return await seat_rows(directory, acd)


@dataclass(frozen=True)
class _Done:
    auth: AuthService
    clock: Clock
    hub: Hub

    async def __call__(self, user: User, action: str, username: str, detail: dict[str, Any], text: str) -> None:
        """Audit the action; tell the agent's desktop and the other boards."""
        await self.auth.audit(user.username, action, f"agent:{username}", detail)
        at = self.clock.now()
        DeskNotifier(self.hub).notice(username, action, user.username, text, detail.get("note", ""), at)
        BoardNotifier(self.hub).notice(action, user.username, username, text, at)


def _done(auth: AuthDep, clock: ClockDep, hub: HubDep) -> _Done:
    return _Done(auth, clock, hub)


DoneDep = Annotated[_Done, Depends(_done)]


@router.post("/api/board/agents/{username}/spy", response_model=SpyOut,
             summary="Listen, whisper or barge on an agent's call")
async def spy(username: str, body: SpyIn, user: Supervisor, acd: AcdDep, auth: AuthDep) -> dict[str, str]:
    res: dict[str, str] = await acd.spy(username, body.mode, body.seat, by=user.username)
    await auth.audit(user.username, "board.spy", f"agent:{username}", res)
    return res


@router.post("/api/board/agents/{username}/join", response_model=ConferenceJoinOut,
             summary="Join an agent's conference from my phone, listening or talking")
async def join(username: str, body: JoinIn, user: Supervisor, acd: AcdDep, auth: AuthDep) -> dict[str, Any]:
    res = await acd.join_conference(username, body.mode, body.seat, by=user.username)
    await auth.audit(user.username, "board.conference_join", f"agent:{username}", res)
    return res


@router.post("/api/board/agents/{username}/pause", response_model=AgentOut,
             summary="Force-pause an agent with a reason")
async def force_pause(username: str, body: ForcePauseIn, user: Supervisor, acd: AcdDep,
                      done: DoneDep) -> dict[str, Any]:
    a = await acd.force_pause(username, body.reason, by=user.username, note=body.note)
    await done(user, "board.pause", username, {"reason": body.reason, "note": body.note,
                                                         "extension": a.extension},
                f"paused by {user.username} ({body.reason})")
    return a.public()


@router.post("/api/board/agents/{username}/logout", response_model=AgentOut, summary="Force-log-out an agent")
async def force_logout(username: str, body: ForceLogoutIn, user: Supervisor, acd: AcdDep,
                       done: DoneDep) -> dict[str, Any]:
    seated = acd.handling(username)
    ext = seated.extension if seated else None
    a = await acd.force_logout(username, by=user.username, note=body.note)
    await done(user, "board.logout", username, {"note": body.note, "extension": ext},
                f"logged out by {user.username}")
    return a.public()


@router.websocket("/ws/board")
async def board_socket(ws: WebSocket) -> None:
    user = await ws_user(ws, set(ROLES))
    if user is None:
        return
    await ws.accept()
    await serve_topics(ws, {BOARD_TOPIC}, f"board {user.username}", lookup(ws, Board).snapshot_text)
