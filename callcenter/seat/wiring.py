"""Seat discipline wired: away episodes (the 20-minute rule) and leave-seat consent, from the agents' states and
their phones' states (AMI device and contact events, resynced from Asterisk after every AMI connect); its routes
(``/api/seat``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.service import AgentService
from callcenter.asterisk.ami import AmiClient, EventDispatcher
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.seat import events
from callcenter.seat.api import router
from callcenter.seat.service import Audit, SeatService
from callcenter.settings import Settings


@dataclass(frozen=True)
class Seat:
    service: SeatService
    routers: tuple[APIRouter, ...]


def wire_seat(settings: Settings, clock: Clock, sessions: async_sessionmaker[AsyncSession],
              acd: AgentService, hub: Hub, audit: Audit, dispatcher: EventDispatcher, ami: AmiClient) -> Seat:
    service = SeatService(settings.seat, settings.timezone, clock, sessions, acd, hub, audit=audit)
    acd.listen(service.on_agent)
    dispatcher.register_map(events.handlers(service))
    ami.on_connected(service.resync_phones)
    return Seat(service=service, routers=(router,))
