"""REST API of the surveys: the per-agent monthly results (QC, supervisors, admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from callcenter.auth.api import require_roles
from callcenter.auth.models import User
from callcenter.bounds import MONTH
from callcenter.deps import provide
from callcenter.surveys.schemas import AgentMonthOut, MonthlyOut
from callcenter.surveys.service import Surveys

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysDep = Annotated[Surveys, Depends(provide(Surveys))]
Reader = Annotated[User, Depends(require_roles("qc", "supervisor", "admin"))]


@router.get("/monthly", response_model=MonthlyOut,
            summary="The customers' ratings per agent for a month (four points, four levels; by channel)")
async def monthly(svc: SurveysDep, user: Reader, month: Annotated[str, Query(pattern=MONTH)],
                  agent: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> MonthlyOut:
    rows = await svc.monthly(user.username, month, agent)
    return MonthlyOut(month=month, items=[AgentMonthOut.of(r) for r in rows])
