"""The agent desktop's HTTP side: seat login, ready/pause/logout, transfer, the conference, click-to-call, today's
calls.
(Pushes — state, screen pop — go over ``/ws/agent``.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from callcenter.acd.errors import MUTE_NEEDS_CALL, SURVEY_OFF
from callcenter.acd.pop import ScreenPop
from callcenter.acd.schemas import (
    ClickToCallOut,
    ConferenceDoneOut,
    ConferenceOut,
    ConferencePartyOut,
    DeskStateOut,
    OutsideNumbersOut,
    RecordingMuteOut,
    SeatRowOut,
    SkillOut,
    TransferOut,
)
from callcenter.acd.service import AgentService
from callcenter.auth.api import AuthDep, require_roles
from callcenter.auth.models import User
from callcenter.bounds import MAX_ID
from callcenter.calls.repository import CallRepository
from callcenter.calls.schemas import CallOut
from callcenter.calls.service import CallTracker
from callcenter.deps import ClockDep, SettingsDep, provide
from callcenter.directory.api import DirectoryRepoDep
from callcenter.directory.repository import DirectoryRepository
from callcenter.recordings.service import Recorder

router = APIRouter(prefix="/api/agent", tags=["agent desktop"])
AgentUser = Annotated[User, Depends(require_roles("agent"))]


class LoginSeatIn(BaseModel):
    extension: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+$")


class PauseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)


class TransferIn(BaseModel):
    # outside: a number over the trunk, allowed by the admin (settings outside_numbers.transfer)
    # survey: the caller is sent to the post-call survey (blind; no target)
    target_type: Literal["queue", "extension", "outside", "survey"]
    target: str = Field("", max_length=64)
    mode: Literal["blind", "attended"] = "blind"


class CallIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)


AcdDep = Annotated[AgentService, Depends(provide(AgentService))]
TrackerDep = Annotated[CallTracker, Depends(provide(CallTracker))]
RecorderDep = Annotated[Recorder, Depends(provide(Recorder))]
CallsDep = Annotated[CallRepository, Depends(provide(CallRepository))]


@dataclass(frozen=True)
class Desk:
    """What the agent desktop shows of the agent: its state, the pop on its screen, the pause reasons, whether its
    call's recording is muted."""

    acd: AgentService
    pop: ScreenPop
    recorder: Recorder

    def state(self, user: User) -> dict[str, Any]:
        """What the desktop rebuilds itself from (GET /api/agent/me, the websocket's hello)."""
        a = self.acd.agent_for(user)
        return {"agent": a.public(), "pop": self.pop.shown(user.username),
                "pause_reasons": self.acd.reason_list(),
                "recording_muted": self.recorder.muted(a.call_uniqueid) if a.state == "on_call" else False}


DeskDep = Annotated[Desk, Depends(provide(Desk))]


# the desk state carries the pop as the service built it: keys it lacks stay absent (see acd/schemas.py)
@router.get("/me", response_model=DeskStateOut, response_model_exclude_unset=True,
            summary="My state, seat, queues, the pop on screen and the pause reasons")
async def me(user: AgentUser, desk: DeskDep) -> dict[str, Any]:
    return desk.state(user)


async def seat_rows(directory: DirectoryRepository, acd: AgentService) -> list[dict[str, Any]]:
    """Active seats (the directory's) with who is logged in at each (the ACD's): the agent's seat picker, the
    supervisor's own-phone picker."""
    out = []
    for s in await directory.seats(active_only=True):
        holder = acd.at_seat(s.extension)
        out.append({"extension": s.extension, "name": s.name, "taken_by": holder.username if holder else None,
                    "device": holder.device if holder else ""})
    return out


@router.get("/seats", response_model=list[SeatRowOut], summary="Seats to log in at, and who holds each")
async def seats(user: AgentUser, directory: DirectoryRepoDep, acd: AcdDep) -> list[dict[str, Any]]:
    return await seat_rows(directory, acd)


@router.get("/skills", response_model=list[SkillOut], summary="My queues and level in each")
async def skills(user: AgentUser, directory: DirectoryRepoDep) -> list[dict[str, Any]]:
    return await directory.skills(user.id)


async def _audit(auth: AuthDep, user: User, action: str, detail: dict[str, Any]) -> None:
    await auth.audit(user.username, action, f"agent:{user.username}", detail)


@router.post("/login", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Log in at a seat (paused 'not ready' until you go ready)")
async def login(body: LoginSeatIn, user: AgentUser, acd: AcdDep, auth: AuthDep, desk: DeskDep) -> dict[str, Any]:
    await acd.login(user, body.extension)
    await _audit(auth, user, "agent.login", {"extension": body.extension})
    return desk.state(user)


@router.post("/ready", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Ready for calls")
async def ready(user: AgentUser, acd: AcdDep, desk: DeskDep) -> dict[str, Any]:
    await acd.ready(user)
    return desk.state(user)


@router.post("/pause", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Pause with a reason")
async def pause(body: PauseIn, user: AgentUser, acd: AcdDep, desk: DeskDep) -> dict[str, Any]:
    await acd.pause(user, body.reason)
    return desk.state(user)


@router.post("/logout", response_model=DeskStateOut, response_model_exclude_unset=True,
             summary="Leave the seat (removed from every queue)")
async def logout(user: AgentUser, acd: AcdDep, auth: AuthDep, desk: DeskDep) -> dict[str, Any]:
    a = acd.agent_for(user)
    ext = a.extension
    await acd.logout(user)
    await _audit(auth, user, "agent.logout", {"extension": ext})
    return desk.state(user)


@router.post("/transfer", response_model=TransferOut,
             summary="Transfer the current call to a queue, an extension or an allowed outside number (blind or "
                     "attended)")
async def transfer(body: TransferIn, user: AgentUser, acd: AcdDep, tracker: TrackerDep,
                   auth: AuthDep, settings: SettingsDep) -> dict[str, Any]:
    a = acd.agent_for(user)
    if body.target_type == "survey" and not settings.surveys.ivr.enabled:
        raise SURVEY_OFF()
    st = tracker.call(a.call_uniqueid or "")
    res = await acd.transfer(user, st.channel if st else None, body.target_type, body.target, body.mode,
                             settings.outside_numbers.transfer)
    await _audit(auth, user, "call.transfer", {**res, "target_type": body.target_type})
    return res


@router.get("/outside-numbers", response_model=OutsideNumbersOut,
            summary="The outside numbers a transfer may reach (exact numbers, or patterns where X is any digit)")
async def outside_numbers(user: AgentUser, settings: SettingsDep) -> dict[str, Any]:
    return {"allowed": list(settings.outside_numbers.transfer.allowed)}


class ConferencePartyIn(BaseModel):
    # seat: a seat's phone (2-16 digits, an active seat); queue: an expert of that queue (app_queue rings them);
    # outside: a number over the trunk the admin allowed for transfers (settings outside_numbers.transfer)
    target_type: Literal["seat", "queue", "outside"]
    target: str = Field(min_length=1, max_length=64)


@router.post("/conference/party", response_model=ConferencePartyOut,
             summary="Add a seat, a queue's expert or an allowed outside number to your call (the first one starts "
                     "the conference)")
async def conference_party(body: ConferencePartyIn, user: AgentUser, acd: AcdDep, tracker: TrackerDep,
                           auth: AuthDep, settings: SettingsDep) -> dict[str, Any]:
    a = acd.agent_for(user)
    st = tracker.call(a.call_uniqueid or "")
    res = await acd.conference_add(user, body.target_type, body.target, st.caller_number if st else None,
                                   settings.outside_numbers.transfer)
    await _audit(auth, user, "call.conference_add", res)
    return res


@router.get("/conference", response_model=ConferenceOut, summary="My call's conference: who is in it")
async def conference(user: AgentUser, acd: AcdDep) -> dict[str, Any]:
    return await acd.conference_state(user)


@router.post("/conference/leave", response_model=ConferenceDoneOut,
             summary="Leave the conference to the others (your line hangs up; wrap-up follows)")
async def conference_leave(user: AgentUser, acd: AcdDep, auth: AuthDep) -> dict[str, Any]:
    res = await acd.conference_leave(user)
    await _audit(auth, user, "call.conference_leave", res)
    return res


@router.post("/conference/end", response_model=ConferenceDoneOut,
             summary="End the conference for everyone")
async def conference_end(user: AgentUser, acd: AcdDep, auth: AuthDep) -> dict[str, Any]:
    res = await acd.conference_end(user)
    await _audit(auth, user, "call.conference_end", res)
    return res


class RecordingMuteIn(BaseModel):
    muted: bool


@router.post("/recording", response_model=RecordingMuteOut,
             summary="Mute (a card number) or resume the recording of your current call")
async def recording(body: RecordingMuteIn, user: AgentUser, acd: AcdDep, recorder: RecorderDep,
                    auth: AuthDep) -> dict[str, Any]:
    a = acd.agent_for(user)
    if a.state != "on_call":
        raise MUTE_NEEDS_CALL(state=a.state)
    res: dict[str, Any] = await recorder.mute(a.call_uniqueid, body.muted, by=user.username)
    await _audit(auth, user, "recording.mute" if body.muted else "recording.resume",
                 {"call_uniqueid": res["call_uniqueid"]})
    return res


@router.post("/call", response_model=ClickToCallOut,
             summary="Click-to-call: your phone rings, then the number is dialled")
async def call(body: CallIn, user: AgentUser, acd: AcdDep, auth: AuthDep, settings: SettingsDep) -> dict[str, Any]:
    res = await acd.call_out(user, body.number, settings.acd.outbound_caller_id, body.customer_id)
    await _audit(auth, user, "call.originate", {**res, "customer_id": body.customer_id})
    return res


@router.get("/calls/today", response_model=list[CallOut], summary="Calls answered at my seat today")
async def calls_today(user: AgentUser, acd: AcdDep, calls: CallsDep, settings: SettingsDep,
                      clock: ClockDep) -> list[CallOut]:
    a = acd.agent_for(user)
    if not a.extension:
        return []
    tz = ZoneInfo(settings.timezone)
    now = clock.now().astimezone(tz)
    start = datetime.combine(now.date(), time(0), tz)
    rows, _ = await calls.search(since=start, until=start + timedelta(days=1), agent=a.extension, limit=500)
    return [CallOut.of(c) for c in rows]
