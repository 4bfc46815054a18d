"""Seat discipline wired: away episodes (the 20-minute rule) and leave-seat consent, from the agents' states and
their phones' states (the ACD's phones: ``callcenter.acd.phones``); its routes (``/api/seat``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.service import AgentService
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.seat.api import router
from callcenter.seat.service import Audit, SeatService
from callcenter.settings import Settings


@dataclass(frozen=True)
class Seat:
    service: SeatService
    routers: tuple[APIRouter, ...]


def wire_seat(settings: Settings, clock: Clock, sessions: async_sessionmaker[AsyncSession],
              acd: AgentService, hub: Hub, audit: Audit) -> Seat:
    service = SeatService(settings.seat, settings.timezone, clock, sessions, acd, hub, audit=audit)
    acd.listen(service.on_agent)
    acd.phones.watch(service.on_phone)  # after the ACD's own watcher: the agent rows show the phone first
    return Seat(service=service, routers=(router,))
