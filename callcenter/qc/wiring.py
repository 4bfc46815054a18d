"""Quality control wired: evaluation forms, sampling, scores and appeals, and their routes (``/api/qc``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.qc.api import router
from callcenter.qc.service import Audit, QcService


@dataclass(frozen=True)
class Qc:
    service: QcService
    routers: tuple[APIRouter, ...]


def wire_qc(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, audit: Audit) -> Qc:
    return Qc(service=QcService(sessions, clock, timezone, audit=audit), routers=(router,))
