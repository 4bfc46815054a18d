"""The seeds' reports wired (docs/reports.md "The seeds' reports"): the reports over the stored tables, their
routes, the kept monthly analyses (files under ``<data_dir>/reports/quality``) and the check that generates last
month's analysis before its due day (every ``CHECK_SECONDS``, started and stopped with the stack)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.periodic import Periodic
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import DeskNotifier
from callcenter.reports.seeds import Audit, CallbackRate, ClockStatesOf, SeedReports
from callcenter.reports.seeds_api import router
from callcenter.reports.seeds_config import SeedReportSettings

log = logging.getLogger(__name__)
CHECK_SECONDS = 300.0


class QualityWatch:
    """Generates last month's service-quality analysis once its time has come (``SeedReports.check``)."""

    def __init__(self, reports: SeedReports) -> None:
        self._periodic = Periodic("monthly service-quality analysis", reports.check, lambda: CHECK_SECONDS, log)

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()


@dataclass(frozen=True)
class SeedReportsDomain:
    reports: SeedReports
    watch: QualityWatch
    routers: tuple[APIRouter, ...]


def wire_seed_reports(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                      settings: SeedReportSettings, data_dir: Path, audit: Audit, *,
                      users: Callable[[], Awaitable[list[User]]], callback_rate: CallbackRate,
                      violations: Callable[[str], Awaitable[dict[str, Any]]], clock_states: ClockStatesOf,
                      hub: Hub) -> SeedReportsDomain:
    """``users``: auth's users (the agents' rows, the recipients); ``callback_rate``: the call-back desk's rate;
    ``violations``: the shifts' monthly violations report; ``clock_states``: the cases' clock view; ``hub``: the
    recipients of a generated analysis are told on their desktop (``notice``, action ``reports.quality_ready``,
    ``text`` the report's address)."""
    notifier = DeskNotifier(hub)

    def tell(username: str, month: str, at: datetime) -> None:
        # the text is the report's address (the same in both languages): the desktop shows a notice's text as sent
        notifier.notice(username, "reports.quality_ready", "system", f"seeds_reports.html?report=quality&month={month}",
                        "", at)

    reports = SeedReports(sessions, clock, timezone, settings, audit, users, callback_rate, violations,
                          clock_states, kept_dir=data_dir / "reports" / "quality", tell=tell)
    return SeedReportsDomain(reports=reports, watch=QualityWatch(reports), routers=(router,))
