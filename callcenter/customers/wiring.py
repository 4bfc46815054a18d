"""The customers domain wired: customer and service records, their routes, and the access rule that lets an
agent open the record of the call they are handling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.pop import ScreenPop
from callcenter.acd.service import AgentService
from callcenter.bodylimit import MULTIPART_SLACK, RouteLimit
from callcenter.clock import Clock
from callcenter.customers.access import Audit, CustomerAccess
from callcenter.customers.api import records_router, router
from callcenter.customers.importer import MAX_CSV_BYTES, CustomerCsv
from callcenter.customers.records import CustomerRecords
from callcenter.customers.repository import CustomerRepository, normalise_number
from callcenter.customers.service_records import ServiceRecords


@dataclass(frozen=True)
class Customers:
    repo: CustomerRepository
    access: CustomerAccess
    records: CustomerRecords
    service_records: ServiceRecords
    csv: CustomerCsv
    routers: tuple[APIRouter, ...]
    # a CSV import may be far larger than the default body cap; admins only (callcenter/bodylimit.py)
    body_limits: tuple[RouteLimit, ...] = (
        RouteLimit("POST", "/api/customers/import", MAX_CSV_BYTES + MULTIPART_SLACK, ("admin",)),)


def wire_customers(sessions: async_sessionmaker[AsyncSession], clock: Clock, audit: Audit,
                   follow_up_hours: float = 72.0) -> Customers:
    """``follow_up_hours``: a follow-up is due at most this long after it was asked for (the call-back desk's
    ``due_hours``)."""
    repo = CustomerRepository(sessions, clock)
    access = CustomerAccess(repo, audit)
    return Customers(repo=repo, access=access, records=CustomerRecords(repo, clock, audit, access),
                     service_records=ServiceRecords(repo, clock, audit, access, follow_up_hours),
                     csv=CustomerCsv(repo, clock, audit),
                     routers=(router, records_router))


def grant_call_access(access: CustomerAccess, acd: AgentService, pop: ScreenPop,
                      was_on_call: Callable[[str, str], Awaitable[bool]]) -> None:
    """An agent may open the record of the call they are handling (ringing, on it, wrap-up): read from the
    agent's state (the ACD owns that fact, rebuilt from Asterisk after a restart) and the pop still on their
    screen, not from the pop alone."""

    async def numbers(username: str) -> set[str]:
        return {n for n in map(normalise_number, await pop.handled_numbers(acd.handling(username))) if n}

    async def calls(username: str) -> set[str]:
        return pop.handled_call_ids(acd.handling(username))

    access.set_access(numbers, calls, was_on_call)
