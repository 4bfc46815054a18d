"""The surveys domain wired: its storage, its service (recorded by the call-back desk, read by QC and the
appraisal) and its route."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.surveys.api import router
from callcenter.surveys.repository import SurveyRepository
from callcenter.surveys.service import Audit, Surveys


@dataclass(frozen=True)
class SurveysDomain:
    repo: SurveyRepository
    service: Surveys
    routers: tuple[APIRouter, ...]


def wire_surveys(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                 audit: Audit) -> SurveysDomain:
    repo = SurveyRepository(sessions)
    return SurveysDomain(repo=repo, service=Surveys(repo, clock, timezone, audit), routers=(router,))
