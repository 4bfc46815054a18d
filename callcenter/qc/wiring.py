"""Quality control wired: evaluation forms, sampling, scores and appeals, and their routes (``/api/qc``); given the
surveys' service (the typed-in survey results, the report's survey figures)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.qc.access import Audit
from callcenter.qc.api import router
from callcenter.qc.appeals import QcAppeals
from callcenter.qc.draws import QcDraws
from callcenter.qc.evaluations import QcEvaluations
from callcenter.qc.reports import QcReports
from callcenter.qc.repository import QcRepository
from callcenter.qc.surveys import QcSurveys
from callcenter.qc.templates import QcForms
from callcenter.qc.work_queue import QcWorkQueue
from callcenter.surveys.service import Surveys


@dataclass(frozen=True)
class Qc:
    forms: QcForms
    draws: QcDraws
    work_queue: QcWorkQueue
    evaluations: QcEvaluations
    appeals: QcAppeals
    surveys: QcSurveys
    reports: QcReports
    routers: tuple[APIRouter, ...]

    @property
    def services(self) -> tuple[object, ...]:
        """What the routes ask for (``callcenter.deps``), one object per class."""
        return (self.forms, self.draws, self.work_queue, self.evaluations, self.appeals, self.surveys, self.reports)


def wire_qc(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, audit: Audit, *,
            surveys: Surveys) -> Qc:
    """``surveys``: the customer surveys (``callcenter.surveys``): a lead's typed-in result is stored there, the
    monthly report reads each agent's results."""
    repo = QcRepository(sessions, clock)
    forms = QcForms(repo, clock, audit)
    return Qc(forms=forms, draws=QcDraws(repo, clock, timezone, audit), work_queue=QcWorkQueue(repo, clock, audit),
              evaluations=QcEvaluations(repo, clock, audit, forms), appeals=QcAppeals(repo, clock, audit),
              surveys=QcSurveys(repo, surveys, audit), reports=QcReports(repo, timezone, surveys),
              routers=(router,))
