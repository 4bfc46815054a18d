"""The calls domain wired: the call tracker fed by the AMI call events, its repository and its routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.asterisk.ami import EventDispatcher
from callcenter.calls import events
from callcenter.calls.api import router
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock


@dataclass(frozen=True)
class Calls:
    repo: CallRepository
    tracker: CallTracker
    routers: tuple[APIRouter, ...]


def wire_calls(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
               clock: Clock, inbound_context: str, dispatcher: EventDispatcher) -> Calls:
    repo = CallRepository(engine, sessions)
    tracker = CallTracker(repo, clock, inbound_context)
    # first on the dispatcher: every other domain's handler of the same event sees the call already tracked
    dispatcher.register_map(events.handlers(tracker))
    return Calls(repo=repo, tracker=tracker, routers=(router,))
