"""The ACD wired: the agent state machine fed by the AMI queue events (``acd.events``), the seats' phones fed by
the AMI device and contact events (resynced from Asterisk after every AMI connect), and the screen pop that
follows the agents' states and the arriving calls; their routes (``/api/agent``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd import events
from callcenter.acd.actions import AcdAmi
from callcenter.acd.api import router
from callcenter.acd.call_control import OutboundCalls
from callcenter.acd.conference import LegOrigins
from callcenter.acd.phones import Phones
from callcenter.acd.pop import PopCalls, PopCustomers, PopFlows, ScreenPop
from callcenter.acd.repository import AcdRepository
from callcenter.acd.service import AgentService
from callcenter.asterisk.ami import ConnectedHook, EventDispatcher
from callcenter.asterisk.events import Hangup, OriginateResponse
from callcenter.calls.service import CallTracker
from callcenter.clock import Clock
from callcenter.directory.repository import DirectoryRepository
from callcenter.realtime.hub import Hub
from callcenter.settings import AcdSettings


class AcdClient(AcdAmi, Protocol):
    """The ACD's actions and the AMI connect hook (the phones are read again after every connect)."""

    def on_connected(self, hook: ConnectedHook) -> None: ...


class AcdCalls(OutboundCalls, LegOrigins, Protocol):
    """Where the calls the agents place are recorded, their conferences' party legs included (the call tracker)."""


@dataclass(frozen=True)
class Acd:
    repo: AcdRepository
    service: AgentService
    routers: tuple[APIRouter, ...]


def wire_acd(sessions: async_sessionmaker[AsyncSession], clock: Clock, ami: AcdClient,
             settings: AcdSettings, dispatcher: EventDispatcher, directory: DirectoryRepository,
             outbound: AcdCalls | None = None) -> Acd:
    """``directory``: the seats, queues, skills and pause reasons the ACD reads (the directory's storage);
    ``outbound``: where the calls the agents place are recorded (the call tracker)."""
    repo = AcdRepository(sessions, clock)
    # the one live model of the seats' phones: the agents' rows read it, seat discipline watches it
    phones = Phones(clock)
    service = AgentService(repo, directory, ami, clock, auto_pause_after=settings.auto_pause_after_missed_rings,
                           phones=phones)
    phones.watch(service.reactions.on_phone)  # an agent's row follows its phone
    service.calls.outbound = outbound
    service.conference.legs, service.conference.new_uniqueid = outbound, service.calls.new_uniqueid
    dispatcher.register_map(events.handlers(service.reactions))
    dispatcher.register_map(events.phone_handlers(phones))
    dispatcher.on(Hangup, service.conference.on_hangup)  # the customer gone: the call's conference ends
    dispatcher.on(OriginateResponse, service.conference.on_originate_response)  # a seat party's phone taken
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
