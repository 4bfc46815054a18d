"""REST API of campaigns (``/api/campaigns``) and the do-not-call list (``/api/dnc``): supervisors and admins
make, fill and run campaigns; a campaign's agents take and dial numbers of a preview campaign; QC reads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import Id, Offset
from callcenter.campaigns.schemas import (
    CampaignIn,
    CampaignList,
    CampaignOut,
    CampaignPatch,
    DialOut,
    DncIn,
    DncOut,
    DncPage,
    FiguresOut,
    FromCallbacksIn,
    FromCustomersIn,
    FromSourceOut,
    ImportIn,
    ImportOut,
    NumberOut,
    NumberPage,
    NumberState,
)
from callcenter.campaigns.service import Campaigns, CustomerFilter
from callcenter.deps import provide

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
dnc_router = APIRouter(prefix="/api/dnc", tags=["campaigns"])
CampaignsDep = Annotated[Campaigns, Depends(provide(Campaigns))]
Lead = Annotated[User, Depends(require_roles("supervisor", "admin"))]
Reader = Annotated[User, Depends(require_roles("supervisor", "admin", "qc", "agent"))]
Agent = Annotated[User, Depends(require_roles("agent"))]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _figures(d: dict[str, object]) -> FiguresOut:
    return FiguresOut.model_validate({**d, "campaign": CampaignOut.model_validate(d["campaign"])})


@router.get("", response_model=CampaignList, summary="Every campaign")
async def list_campaigns(svc: CampaignsDep, user: Reader) -> CampaignList:
    return CampaignList(items=[CampaignOut.model_validate(c) for c in await svc.repo.all()])


@router.post("", response_model=CampaignOut, status_code=201, summary="Make a campaign (a draft)")
async def create(body: CampaignIn, svc: CampaignsDep, user: Lead) -> CampaignOut:
    return CampaignOut.model_validate(await svc.create(user.username, body.model_dump()))


@router.get("/{campaign_id}", response_model=FiguresOut,
            summary="A campaign with its live figures: dialled, connected, remaining, by outcome")
async def figures(campaign_id: Id, svc: CampaignsDep, user: Reader) -> FiguresOut:
    return _figures(await svc.figures(campaign_id))


@router.patch("/{campaign_id}", response_model=CampaignOut, summary="Change a campaign (not once stopped)")
async def update(campaign_id: Id, body: CampaignPatch, svc: CampaignsDep, user: Lead) -> CampaignOut:
    return CampaignOut.model_validate(await svc.update(user.username, campaign_id,
                                                       body.model_dump(exclude_unset=True, exclude_none=True)))


@router.post("/{campaign_id}/numbers", response_model=ImportOut,
             summary="Add numbers from a CSV (every row checked first: one bad row stores nothing)")
async def import_numbers(campaign_id: Id, body: ImportIn, svc: CampaignsDep, user: Lead) -> ImportOut:
    added, known = await svc.import_csv(user.username, campaign_id, body.csv)
    return ImportOut(added=added, already_there=known)


@router.post("/{campaign_id}/numbers/from-customers", response_model=FromSourceOut,
             summary="Add the numbers of the customers a filter finds (tags, VIP, name, number): each one's first "
                     "number, with the customer")
async def from_customers(campaign_id: Id, body: FromCustomersIn, svc: CampaignsDep, user: Lead) -> FromSourceOut:
    f = CustomerFilter(q=body.q, number=body.number, vip=body.vip)
    added, known, skipped, matched = await svc.from_customers(user, campaign_id, f, body.tags, body.numbers)
    return FromSourceOut(added=added, already_there=known, skipped=skipped, matched=matched)


@router.post("/{campaign_id}/numbers/from-callbacks", response_model=FromSourceOut,
             summary="Add the numbers of the open call-back tasks (queue, department, case type): each call is an "
                     "attempt of its task")
async def from_callbacks(campaign_id: Id, body: FromCallbacksIn, svc: CampaignsDep, user: Lead) -> FromSourceOut:
    added, known, skipped, matched = await svc.from_callbacks(user, campaign_id, body.queue, body.department_id,
                                                              body.case_type)
    return FromSourceOut(added=added, already_there=known, skipped=skipped, matched=matched)


@router.get("/{campaign_id}/numbers", response_model=NumberPage, summary="A campaign's numbers")
async def numbers(campaign_id: Id, svc: CampaignsDep, user: Reader, state: NumberState | None = None,
                  limit: Limit = 100, offset: Offset = 0) -> NumberPage:
    await svc.figures(campaign_id)  # 404 for an unknown campaign
    rows, total = await svc.repo.numbers(campaign_id, state, limit, offset)
    return NumberPage(total=total, items=[NumberOut.model_validate(n) for n in rows])


@router.post("/{campaign_id}/next", response_model=NumberOut,
             summary="Preview: take the campaign's next number (held for you), to see the customer and dial")
async def take_next(campaign_id: Id, svc: CampaignsDep, user: Agent) -> NumberOut:
    return NumberOut.model_validate(await svc.take_next(user, campaign_id))


@router.post("/{campaign_id}/numbers/{number_id}/dial", response_model=DialOut,
             summary="Preview: dial the number you took (your phone rings, then the customer)")
async def dial(campaign_id: Id, number_id: Id, svc: CampaignsDep, user: Agent) -> DialOut:
    return DialOut(number_id=number_id, call_uniqueid=await svc.dial_reserved(user, campaign_id, number_id))


# matched after /numbers and /next (declared after them)
@router.post("/{campaign_id}/{action}", response_model=CampaignOut, summary="Start, pause, resume or stop")
async def transition(campaign_id: Id, action: Literal["start", "pause", "resume", "stop"], svc: CampaignsDep,
                     user: Lead) -> CampaignOut:
    return CampaignOut.model_validate(await svc.transition(user.username, campaign_id, action))


@dnc_router.get("", response_model=DncPage, summary="The do-not-call list")
async def dnc_list(svc: CampaignsDep, user: Lead, limit: Limit = 100, offset: Offset = 0) -> DncPage:
    rows, total = await svc.repo.dnc_list(limit, offset)
    return DncPage(total=total, items=[DncOut.model_validate(r) for r in rows])


@dnc_router.post("", response_model=DncOut, status_code=201,
                 summary="Put a number on the do-not-call list (never dialled by any campaign from now on)")
async def dnc_add(body: DncIn, svc: CampaignsDep, user: Lead) -> DncOut:
    return DncOut.model_validate(await svc.dnc_add(user.username, body.number, body.reason))


@dnc_router.delete("/{number}", status_code=204, summary="Take a number off the do-not-call list")
async def dnc_remove(number: Annotated[str, Path(min_length=1, max_length=32)], svc: CampaignsDep,
                     user: Lead) -> None:
    await svc.dnc_remove(user.username, number)
