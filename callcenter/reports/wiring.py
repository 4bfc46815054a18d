"""The interval reports wired: the rollups follow every call change (``CallTracker.watch``) and agent state change
(``AgentService.listen``) — noting the time only, never waiting — and a background pass brings them up to date
after the call and state writers stored their rows; the reading service and its route (``/api/reports``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.service import AgentService
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.reports.api import router
from callcenter.reports.config import ReportSettings
from callcenter.reports.intervals import Intervals
from callcenter.reports.rollups import Rollups


@dataclass(frozen=True)
class Reports:
    rollups: Rollups
    intervals: Intervals
    routers: tuple[APIRouter, ...]


def wire_reports(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, settings: ReportSettings,
                 tracker: CallTracker, acd: AgentService) -> Reports:
    """``tracker``: the call tracker (its watchers, its writer); ``acd``: the agent service (its listeners, its
    state writer). A pass first waits for both writers (``flush``), so it reads what they were given."""

    async def flush() -> None:
        await tracker.writer.flush()
        await acd.flush()

    rollups = Rollups(sessions, clock, flush, settings.tick_seconds)
    tracker.watch(rollups.on_call)
    acd.listen(rollups.on_agent)
    return Reports(rollups=rollups, intervals=Intervals(sessions, timezone, settings), routers=(router,))
