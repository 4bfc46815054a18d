"""Seat discipline wired: away episodes (the 20-minute rule) and leave-seat consent, from the agents' states and
their phones' states (the ACD's phones: ``callcenter.acd.phones``); the periodic check; its routes
(``/api/seat``). Every listener seat discipline has is registered here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.service import AgentService
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import BoardNotifier, DeskNotifier
from callcenter.seat.api import router
from callcenter.seat.changes import SeatChanges
from callcenter.seat.checker import SeatChecker
from callcenter.seat.episodes import AwayRule
from callcenter.seat.leave import Audit, LeaveConsent
from callcenter.seat.repository import SeatRepository
from callcenter.seat.service import SeatService
from callcenter.seat.views import SeatViews
from callcenter.settings import Settings


@dataclass(frozen=True)
class Seat:
    service: SeatService
    routers: tuple[APIRouter, ...]


def wire_seat(settings: Settings, clock: Clock, sessions: async_sessionmaker[AsyncSession],
              acd: AgentService, hub: Hub, audit: Audit) -> Seat:
    s = settings.seat
    repo = SeatRepository(sessions)
    desk = DeskNotifier(hub)  # what the agents' desktops are told
    changes = SeatChanges()
    lock = asyncio.Lock()  # one lock: an episode's change and a leave-seat decision never interleave
    leave = LeaveConsent(s, clock, repo, acd, desk, BoardNotifier(hub), changes, lock, audit=audit)
    away = AwayRule(s, settings.timezone, clock, repo, acd, leave, desk, changes, lock)
    views = SeatViews(s, settings.timezone, clock, repo, acd, away, leave)
    # each round: the away thresholds (and failed writes retried), then the approvals not used in time
    checker = SeatChecker(s.check_interval_seconds, away.check, leave.check)
    service = SeatService(clock, repo, lock, changes, away, leave, views, checker, stored_states=acd.repo.statuses)
    acd.listen(away.on_agent)
    acd.phones.watch(away.on_phone)  # after the ACD's own watcher: the agent rows show the phone first
    leave.on_approved(away.cover)  # an approval given while away covers the episode in progress
    return Seat(service=service, routers=(router,))
