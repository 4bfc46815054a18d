"""The ACD wired: the agent state machine fed by the AMI queue events (``acd.events``), the seats' phones fed by
the AMI device and contact events (resynced from Asterisk after every AMI connect), and the screen pop that
follows the agents' states and the arriving calls; their routes (``/api/agent``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd import events
from callcenter.acd.api import router
from callcenter.acd.directory import Directory
from callcenter.acd.directory_api import router as directory_router
from callcenter.acd.phones import Phones
from callcenter.acd.pop import PopCalls, PopCustomers, PopFlows, ScreenPop
from callcenter.acd.repository import AcdRepository
from callcenter.acd.service import AcdAmi, AgentService
from callcenter.asterisk.ami import ConnectedHook, EventDispatcher
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.settings import AcdSettings


class AcdClient(AcdAmi, Protocol):
    """The ACD's actions and the AMI connect hook (the phones are read again after every connect)."""

    def on_connected(self, hook: ConnectedHook) -> None: ...


@dataclass(frozen=True)
class Acd:
    repo: AcdRepository
    service: AgentService
    routers: tuple[APIRouter, ...]


def wire_acd(sessions: async_sessionmaker[AsyncSession], clock: Clock, ami: AcdClient,
             settings: AcdSettings, dispatcher: EventDispatcher) -> Acd:
    repo = AcdRepository(sessions, clock)
    # the one live model of the seats' phones: the agents' rows read it, seat discipline watches it
    phones = Phones(clock)
    service = AgentService(repo, ami, clock, auto_pause_after=settings.auto_pause_after_missed_rings,
                           phones=phones)
    dispatcher.register_map(events.handlers(service))
    dispatcher.register_map(events.phone_handlers(phones))
    ami.on_connected(phones.resync)
    return Acd(repo=repo, service=service, routers=(router,))


def wire_pop(hub: Hub, tracker: CallTracker, customers: PopCustomers, clock: Clock, flows: PopFlows,
             calls: PopCalls, acd: AgentService, dispatcher: EventDispatcher) -> ScreenPop:
    """The screen pop: its customer lookup starts when the call arrives (Newchannel, QueueCallerJoin), it is shown
    when the agent rings and follows the agent's state."""
    pop = ScreenPop(hub, tracker, customers, clock, flows=flows, calls=calls)
    acd.listen(pop.on_agent)
    dispatcher.register_map(events.pop_handlers(pop))
    return pop


@dataclass(frozen=True)
class DirectoryDomain:
    """The directory the admin page edits (seats, queues, skills, pause reasons), owned by the ACD."""

    directory: Directory
    routers: tuple[APIRouter, ...]


def wire_directory(sessions: async_sessionmaker[AsyncSession], repo: AcdRepository, acd: AgentService,
                   clock: Clock, *, mode: str, fallback_queue: str, apply_config: Callable[[], Awaitable[None]],
                   flows_using_queue: Callable[[str], Awaitable[tuple[list[str], list[str]]]],
                   prompt_exists: Callable[[str, str], bool], lock: asyncio.Lock) -> DirectoryDomain:
    """``apply_config`` renders and reloads Asterisk's seats and queues after a change (the stack's step: the
    ACD does not know the Asterisk process); ``flows_using_queue`` and ``prompt_exists`` are the IVR's answers, so
    the ACD does not import the IVR; ``lock`` is shared with the users' administration (one admin change at a
    time across both)."""
    directory = Directory(sessions, repo, acd, clock, mode=mode, fallback_queue=fallback_queue,
                          apply_config=apply_config, flows_using_queue=flows_using_queue,
                          prompt_exists=prompt_exists, lock=lock)
    return DirectoryDomain(directory=directory, routers=(directory_router,))
