"""The shifts package's services under one roof (``Stack.shifts``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.settings import ShiftSettings
from callcenter.shifts import reports
from callcenter.shifts.attendance import AttendanceService, OnFinding
from callcenter.shifts.common import Audit, no_audit
from callcenter.shifts.handover import HandoverService
from callcenter.shifts.leave import LeaveService
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.roster import RosterService
from callcenter.shifts.rules import LiveState
from callcenter.shifts.swaps import SwapService


class ShiftService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                 settings: ShiftSettings, *, audit: Audit = no_audit,
                 live: Callable[[], dict[str, LiveState]] | None = None, on_finding: OnFinding | None = None) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.settings = settings
        self.roster = RosterService(sessions, clock, self.tz, audit)
        self.attendance = AttendanceService(sessions, clock, self.tz, settings, live=live, on_finding=on_finding,
                                            audit=audit)
        self.handovers = HandoverService(sessions, clock, self.tz, audit)
        self.swaps = SwapService(sessions, clock, self.tz, settings, audit)
        self.leave = LeaveService(sessions, clock, self.tz, settings, audit, refresh=self.attendance.refresh)

    def start(self) -> None:
        self.attendance.start()

    async def stop(self) -> None:
        await self.attendance.stop()

    async def on_agent(self, agent: Any, prev: str, event: dict[str, Any]) -> None:
        await self.attendance.on_agent(agent, prev, event)

    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    async def violations_report(self, month: str) -> dict[str, Any]:
        async with self.repo.session() as s:
            return await reports.monthly_violations(self.repo, s, self.tz, month, self.clock.now())

    async def template_names(self) -> dict[int, str]:
        """Shift template id → name (the notices' shift audience)."""
        async with self.repo.session() as s:
            return await self.repo.template_names(s)

    async def rostered_on(self, template_ids: Sequence[int], start: datetime, end: datetime) -> set[str]:
        """Who is rostered on one of those shifts at some time in [start, end) (the notices' shift audience)."""
        async with self.repo.session() as s:
            return await self.repo.rostered_on(s, template_ids, start, end)

    async def day_sheet(self, day: date) -> dict[str, Any]:
        now, evaluated, pending = await self.attendance.evaluate_day(day)
        return reports.sheet(day, now, evaluated, pending, self.tz)


def live_states(agents: Callable[[], Any]) -> Callable[[], dict[str, LiveState]]:
    """The ACD's in-memory agents as :class:`LiveState` (``agents()`` returns ``AgentService.agents.values()``)."""

    def states() -> dict[str, LiveState]:
        return {a.username: LiveState(a.state != "logged_out", a.logged_in_at, a.since, a.extension or "")
                for a in agents()}

    return states
