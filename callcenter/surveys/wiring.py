"""The surveys domain wired: its storage, its service (recorded by the call-back desk, read by QC and the
appraisal), the post-call survey in the IVR (the FastAGI route ``survey``) and its route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.asterisk.fastagi import FastAgiServer
from callcenter.clock import Clock
from callcenter.surveys.api import router
from callcenter.surveys.config import SurveySettings
from callcenter.surveys.ivr import IvrSurvey, Prompts, Tracker
from callcenter.surveys.repository import SurveyRepository
from callcenter.surveys.service import Audit, Surveys


@dataclass(frozen=True)
class SurveysDomain:
    repo: SurveyRepository
    service: Surveys
    ivr: IvrSurvey
    routers: tuple[APIRouter, ...]


def wire_surveys(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, audit: Audit,
                 settings: SurveySettings, tracker: Tracker, prompts: Prompts, agi: FastAgiServer,
                 agent_of: Callable[[str], str | None],
                 stored_call: Callable[[str], Awaitable[Any]]) -> SurveysDomain:
    """``agent_of(seat)``: the agent logged in there (the ACD); ``stored_call(uid)``: the call's record (a call the
    tracker no longer holds)."""
    repo = SurveyRepository(sessions)
    service = Surveys(repo, clock, timezone, audit)
    ivr = IvrSurvey(settings.ivr, repo, clock, tracker, prompts, service.month_of, agent_of, stored_call)
    agi.route("survey", ivr.agi)
    return SurveysDomain(repo=repo, service=service, ivr=ivr, routers=(router,))
