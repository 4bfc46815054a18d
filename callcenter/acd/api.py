"""The agent desktop's HTTP side: seat login, ready/pause/logout, transfer, click-to-call, today's calls.
(Pushes — state, screen pop — go over ``/ws/agent``.)"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from callcenter.acd.errors import MUTE_NEEDS_CALL
from callcenter.acd.schemas import ClickToCallOut, DeskStateOut, RecordingMuteOut, SeatRowOut, SkillOut, TransferOut
from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import MAX_ID
from callcenter.calls.schemas import CallOut

router = APIRouter(prefix="/api/agent", tags=["agent desktop"])
AgentUser = Annotated[User, Depends(require_roles("agent"))]


class LoginSeatIn(BaseModel):
    extension: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class PauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)


class TransferIn(BaseModel):
    target_type: Literal["queue", "extension"]
    target: str = Field(min_length=1, max_length=64)
    mode: Literal["blind", "attended"] = "blind"


class CallIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)


def _stack(request: Request) -> Any:
    return request.app.state.services


def desk_state(stack: Any, user: User) -> dict[str, Any]:
    """What the desktop rebuilds itself from (GET /api/agent/me, the websocket's hello)."""
    a = stack.acd.agent_for(user)
    return {"agent": a.public(), "pop": stack.pop.current.get(user.username),
            "pause_reasons": stack.acd.reason_list(),
            "recording_muted": stack.recorder.muted(a.call_uniqueid) if a.state == "on_call" else False}


# the desk state carries the pop as the service built it: keys it lacks stay absent (see acd/schemas.py)
@router.get("/me", response_model=DeskStateOut, response_model_exclude_unset=True,
            summary="My state, seat, queues, the pop on screen and the pause reasons")
async def me(request: Request, user: AgentUser) -> dict[str, Any]:
    return desk_state(_stack(request), user)


async def seat_rows(stack: Any) -> list[dict[str, Any]]:
    """Active seats with who is logged in at each (agent seat picker, supervisor's own-phone picker)."""
    out = []
    for s in await stack.acd_repo.seats(active_only=True):
        holder = stack.acd.by_ext.get(s.extension)
        out.append({"extension": s.extension, "name": s.name, "taken_by": holder.username if holder else None,
                    "device": holder.device if holder else ""})
    return out


@router.get("/seats", response_model=list[SeatRowOut], summary="Seats to log in at, and who holds each")
async def seats(request: Request, user: AgentUser) -> list[dict[str, Any]]:
    return await seat_rows(_stack(request))


@router.get("/skills", response_model=list[SkillOut], summary="My queues and level in each")
async def skills(request: Request, user: AgentUser) -> list[dict[str, Any]]:
    return await _stack(request).acd_repo.skills(user.id)  # type: ignore[no-any-return]


async def _audit(request: Request, user: User, action: str, detail: dict[str, Any]) -> None:
    await _stack(request).auth.audit(user.username, action, f"agent:{user.username}", detail)


@router.post("/login", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Log in at a seat (paused 'not ready' until you go ready)")
async def login(body: LoginSeatIn, request: Request, user: AgentUser) -> dict[str, Any]:
    await _stack(request).acd.login(user, body.extension)
    await _audit(request, user, "agent.login", {"extension": body.extension})
    return desk_state(_stack(request), user)


@router.post("/ready", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Ready for calls")
async def ready(request: Request, user: AgentUser) -> dict[str, Any]:
    await _stack(request).acd.ready(user)
    return desk_state(_stack(request), user)


@router.post("/pause", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Pause with a reason")
async def pause(body: PauseIn, request: Request, user: AgentUser) -> dict[str, Any]:
    await _stack(request).acd.pause(user, body.reason)
    return desk_state(_stack(request), user)


@router.post("/logout", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Leave the seat (removed from every queue)")
async def logout(request: Request, user: AgentUser) -> dict[str, Any]:
    a = _stack(request).acd.agent_for(user)
    ext = a.extension
    await _stack(request).acd.logout(user)
    await _audit(request, user, "agent.logout", {"extension": ext})
    return desk_state(_stack(request), user)


@router.post("/transfer", response_model=TransferOut,
             summary="Transfer the current call to a queue or an extension (blind or attended)")
async def transfer(body: TransferIn, request: Request, user: AgentUser) -> dict[str, Any]:
    stack = _stack(request)
    a = stack.acd.agent_for(user)
    st = stack.tracker.active.get(a.call_uniqueid or "")
    res = await stack.acd.transfer(user, st.channel if st else None, body.target_type, body.target, body.mode)
    await _audit(request, user, "call.transfer", {**res, "target_type": body.target_type})
    return res


class RecordingMuteIn(BaseModel):
    muted: bool


@router.post("/recording", response_model=RecordingMuteOut,
             summary="Mute (a card number) or resume the recording of your current call")
async def recording(body: RecordingMuteIn, request: Request, user: AgentUser) -> dict[str, Any]:
    stack = _stack(request)
    a = stack.acd.agent_for(user)
    if a.state != "on_call":
        raise MUTE_NEEDS_CALL(state=a.state)
    res: dict[str, Any] = await stack.recorder.mute(a.call_uniqueid, body.muted, by=user.username)
    await _audit(request, user, "recording.mute" if body.muted else "recording.resume",
                 {"call_uniqueid": res["call_uniqueid"]})
    return res


@router.post("/call", response_model=ClickToCallOut,
             summary="Click-to-call: your phone rings, then the number is dialled")
async def call(body: CallIn, request: Request, user: AgentUser) -> dict[str, Any]:
    stack = _stack(request)
    res = await stack.acd.call_out(user, body.number, stack.settings.acd.outbound_caller_id)
    await _audit(request, user, "call.originate", {**res, "customer_id": body.customer_id})
    return res


@router.get("/calls/today", response_model=list[CallOut], summary="Calls answered at my seat today")
async def calls_today(request: Request, user: AgentUser) -> list[CallOut]:
    stack = _stack(request)
    a = stack.acd.agent_for(user)
    if not a.extension:
        return []
    tz = ZoneInfo(stack.settings.timezone)
    now = stack.clock.now().astimezone(tz)
    start = datetime.combine(now.date(), time(0), tz)
    rows, _ = await stack.calls_repo.search(since=start, until=start + timedelta(days=1), agent=a.extension,
                                            limit=500)
    return [CallOut.of(c) for c in rows]
