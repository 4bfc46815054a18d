"""REST API of the lead's help (``/api/help``; docs/help.md): an agent asks during a call (and may withdraw it),
a lead (supervisor, admin) takes it, the open requests and a call's requests (leads, QC; an agent their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Id
from callcenter.deps import provide
from callcenter.help.models import HelpRequest
from callcenter.help.schemas import AskIn, HelpList, HelpOut, TakeIn
from callcenter.help.service import HelpDesk

router = APIRouter(prefix="/api/help", tags=["help"])
DeskDep = Annotated[HelpDesk, Depends(provide(HelpDesk))]
Agent = Annotated[User, Depends(require_roles("agent"))]
Lead = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Reader = Annotated[User, Depends(require_roles("agent", "supervisor", "admin", "qc"))]
LEADS = {"supervisor", "admin", "qc"}


def _out(desk: HelpDesk, r: HelpRequest) -> HelpOut:
    end = r.taken_at or (None if r.state != "open" else desk.clock.now())
    out = HelpOut.model_validate(r)
    out.waited_seconds = (end - r.raised_at).total_seconds() if end is not None else None
    return out


@router.post("", response_model=HelpOut, status_code=201,
             summary="Ask the team lead for help on my current call (on the boards at once)")
async def ask(body: AskIn, desk: DeskDep, user: Agent) -> HelpOut:
    return _out(desk, await desk.ask(user, body.note.strip()))


@router.get("", response_model=HelpList,
            summary="Help requests: the open ones (leads), a call's (leads, QC; an agent their own), or mine now")
async def list_requests(desk: DeskDep, user: Reader,
                        call: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> HelpList:
    now = desk.clock.now()
    lead = bool(set(user.roles) & LEADS)
    if call is not None:
        rows = [r for r in await desk.of_call(call) if lead or r.agent_username == user.username]
    elif lead:
        rows = await desk.open_requests()
    else:
        rows = await desk.mine(user.username)
    return HelpList(now=now, items=[_out(desk, r) for r in rows])


@router.post("/{request_id}/take", response_model=HelpOut,
             summary="Take a help request: listen, whisper or barge from my seat, or transfer the call to a senior")
async def take(request_id: Id, body: TakeIn, desk: DeskDep, user: Lead) -> HelpOut:
    return _out(desk, await desk.take(user, request_id, body.how, body.seat, body.target_type, body.target))


@router.post("/{request_id}/withdraw", response_model=HelpOut, summary="Withdraw my help request (not yet taken)")
async def withdraw(request_id: Id, desk: DeskDep, user: Agent) -> HelpOut:
    return _out(desk, await desk.withdraw(user, request_id))
