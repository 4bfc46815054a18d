"""Campaigns wired (``service.py``): the pacer (started and stopped with the stack, after settling the numbers a
stop left on a call), the calls' ends (the tracker's watcher), the ACD's click-to-call, the customers' search and
the call-back desk's open tasks (the list's other sources), the routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.calls.service import CallTracker
from callcenter.campaigns.api import dnc_router, router
from callcenter.campaigns.config import CampaignSettings
from callcenter.campaigns.errors import CUSTOMERS_UNREADABLE
from callcenter.campaigns.repository import CampaignRepository
from callcenter.campaigns.service import (
    AgentRoles,
    AgentState,
    Audit,
    CallbackSource,
    CallEnd,
    Campaigns,
    CustomerFilter,
    CustomerHit,
    PacerWatch,
    PlaceCall,
    UserOf,
)
from callcenter.clock import Clock
from callcenter.customers.access import READ_ANY, Actor
from callcenter.customers.records import CustomerRecords
from callcenter.errors import any_of


@dataclass(frozen=True)
class CampaignsDomain:
    campaigns: Campaigns
    pacer: PacerWatch
    routers: tuple[APIRouter, ...]


def wire_campaigns(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                   settings: CampaignSettings, audit: Audit, *, is_agent: AgentRoles, agent_state: AgentState,
                   user_of: UserOf, call_end: CallEnd, place_call: PlaceCall, tracker: CallTracker,
                   customers: CustomerRecords, callbacks: CallbackSource) -> CampaignsDomain:
    """``agent_state(username)``: the ACD's state of that agent (None: not logged in); ``place_call``: the ACD's
    click-to-call for an agent; ``call_end(uid)``: a stored call's (outcome, end reason) once it ended;
    ``customers``: the customers' records, whose search (its access rule and audit) a customer filter is;
    ``callbacks``: the call-back desk, whose open tasks a campaign may call (each call an attempt of its task)."""

    async def find_customers(user: User, f: CustomerFilter, offset: int, limit: int
                             ) -> tuple[list[CustomerHit], int]:
        actor = Actor.of(user)
        if not actor.has(READ_ANY):  # every customer the filter finds is read: the customers' rule for that
            raise CUSTOMERS_UNREADABLE({"roles": any_of(sorted(READ_ANY))})
        r = await customers.search(actor, q=f.q, number=f.number, vip=f.vip, tag=f.tag, sort="created_at",
                                   limit=limit, offset=offset)
        return [CustomerHit(c.customer.id, c.customer.name, list(c.numbers)) for c in r.items], r.total

    campaigns = Campaigns(CampaignRepository(sessions), settings, clock, timezone, audit, is_agent, agent_state,
                          user_of, call_end, place_call=place_call, find_customers=find_customers,
                          callbacks=callbacks)
    tracker.watch(campaigns.on_call)
    return CampaignsDomain(campaigns=campaigns, pacer=PacerWatch(campaigns), routers=(router, dnc_router))
