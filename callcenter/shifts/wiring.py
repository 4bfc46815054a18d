"""Shifts wired: roster, attendance (late, absence, early leave: live on the clock, from the agents' states),
handover, swaps and leave; its routes (``/api/shifts``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.service import AgentService
from callcenter.clock import Clock
from callcenter.settings import Settings
from callcenter.shifts.api import router
from callcenter.shifts.attendance import OnFinding
from callcenter.shifts.common import Audit
from callcenter.shifts.service import ShiftService, live_states


@dataclass(frozen=True)
class Shifts:
    service: ShiftService
    routers: tuple[APIRouter, ...]


def wire_shifts(settings: Settings, clock: Clock, sessions: async_sessionmaker[AsyncSession],
                acd: AgentService, audit: Audit, on_finding: OnFinding) -> Shifts:
    """``on_finding(kind, row)``: a new attendance finding (late, absence, early leave, left before relief)."""
    service = ShiftService(sessions, clock, settings.timezone, settings.shifts, audit=audit,
                           live=live_states(acd.everyone), on_finding=on_finding)
    acd.listen(service.on_agent)
    return Shifts(service=service, routers=(router,))
