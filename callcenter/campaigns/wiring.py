"""Campaigns wired (``service.py``): the pacer (started and stopped with the stack, after settling the numbers a
stop left on a call), the calls' ends (the tracker's watcher), the ACD's click-to-call, the routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.calls.service import CallTracker
from callcenter.campaigns.api import dnc_router, router
from callcenter.campaigns.config import CampaignSettings
from callcenter.campaigns.repository import CampaignRepository
from callcenter.campaigns.service import (
    AgentRoles,
    AgentState,
    Audit,
    CallEnd,
    Campaigns,
    PacerWatch,
    PlaceCall,
    UserOf,
)
from callcenter.clock import Clock


@dataclass(frozen=True)
class CampaignsDomain:
    campaigns: Campaigns
    pacer: PacerWatch
    routers: tuple[APIRouter, ...]


def wire_campaigns(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                   settings: CampaignSettings, audit: Audit, *, is_agent: AgentRoles, agent_state: AgentState,
                   user_of: UserOf, call_end: CallEnd, place_call: PlaceCall, tracker: CallTracker
                   ) -> CampaignsDomain:
    """``agent_state(username)``: the ACD's state of that agent (None: not logged in); ``place_call``: the ACD's
    click-to-call for an agent; ``call_end(uid)``: a stored call's (outcome, end reason) once it ended."""
    campaigns = Campaigns(CampaignRepository(sessions), settings, clock, timezone, audit, is_agent, agent_state,
                          user_of, call_end, place_call=place_call)
    tracker.watch(campaigns.on_call)
    return CampaignsDomain(campaigns=campaigns, pacer=PacerWatch(campaigns), routers=(router, dnc_router))
