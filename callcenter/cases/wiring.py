"""The cases domain wired: the repository, the access rule, the workflow service, the files and the routes.

The access rule reads two other domains through callbacks plugged in by the composition root: may this user use
this call (customers' ``CustomerAccess.may_use_call``: handling it now, or answered it) and which approver
position a user holds (the shifts domain's approver positions)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.bodylimit import MULTIPART_SLACK, RouteLimit
from callcenter.cases.access import CaseAccess, MayUseCall, PositionOf
from callcenter.cases.api import UPLOAD_PATH, backlog_router, router, socket_router
from callcenter.cases.attachments import CaseFiles
from callcenter.cases.checker import CaseClockChecker, holidays_from
from callcenter.cases.clockview import ClockView
from callcenter.cases.config import CasesSettings, ReviewSettings
from callcenter.cases.live import BoardAlerts, CaseLive
from callcenter.cases.lookup import PopCaseLookup
from callcenter.cases.policy import CasePolicySettings
from callcenter.cases.repository import CaseRepository
from callcenter.cases.review import CaseReviews, RaiseAlert, ReviewRepository, ReviewWatch
from callcenter.cases.review_api import router as review_router
from callcenter.cases.service import Audit, CaseService, CustomerExists
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import CasesNotifier


@dataclass(frozen=True)
class Cases:
    repo: CaseRepository
    access: CaseAccess
    service: CaseService
    files: CaseFiles
    view: ClockView  # each case's clock states, for every answer that shows cases
    pop: PopCaseLookup  # the screen pop's part: the customer's open cases, a new case's type by queue
    routers: tuple[APIRouter, ...]
    body_limits: tuple[RouteLimit, ...]


def wire_cases(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, policy: CasePolicySettings,
               data_dir: Path, audit: Audit, departments: DepartmentRepository, customer_exists: CustomerExists,
               may_use_call: MayUseCall, position_of: PositionOf, clocks: CasesSettings) -> Cases:
    repo = CaseRepository(sessions)
    access = CaseAccess(repo, departments)
    access.set_call_access(may_use_call)
    access.set_positions(position_of)
    service = CaseService(repo, access, departments, policy, clock, timezone, audit, customer_exists)
    files = CaseFiles(service, data_dir / "cases")
    view = ClockView(repo, clock, clocks, holidays_from(sessions), timezone=timezone)
    limit = RouteLimit("POST", UPLOAD_PATH, policy.file_max_bytes + MULTIPART_SLACK,
                       ("agent", "supervisor", "qc", "admin"))
    return Cases(repo=repo, access=access, service=service, files=files, view=view,
                 pop=PopCaseLookup(repo, view, policy, audit), routers=(router, backlog_router),
                 body_limits=(limit,))


@dataclass(frozen=True)
class CaseClocksLive:
    """The clocks live: the checker (started and stopped with the stack), what its events, the cases' changes
    and incidents make the service say (``live.py``), and the cases socket's route."""

    checker: CaseClockChecker
    live: CaseLive
    routers: tuple[APIRouter, ...]


def wire_case_clocks(cases: Cases, sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str,
                     settings: CasesSettings, departments: DepartmentRepository, board: BoardAlerts, hub: Hub,
                     users: Callable[[], Awaitable[list[User]]]) -> CaseClocksLive:
    """The checker's events → the board's alerts and the escalated person's notice; every change of a case →
    its met clocks' alerts cleared, the case pushed on ``/ws/cases`` to who may see it, the incident rule; before
    a milestone is stamped, the events due on the case are recorded first (the milestone-gap rule)."""

    # the users read at most once a second (a first check after a long stop tells thousands of events)
    known: list[tuple[float, list[User]]] = []

    async def active_users() -> list[User]:
        if not known or time.monotonic() - known[0][0] > 1.0:
            known[:] = [(time.monotonic(), [u for u in await users() if u.active])]
        return known[0][1]

    async def users_with_role(role: str) -> list[str]:
        return [u.username for u in await active_users() if role in u.roles]

    async def roles_of(names: list[str]) -> dict[str, frozenset[str]]:
        wanted = set(names)
        return {u.username: frozenset(u.roles) for u in await active_users() if u.username in wanted}

    live = CaseLive(settings, cases.repo, cases.access, cases.view, departments, board, CasesNotifier(hub),
                    users_with_role, roles_of)
    checker = CaseClockChecker(cases.repo, clock, settings, holidays_from(sessions), live.on_clock_event,
                               timezone=timezone)
    live.checker = checker
    cases.service.on_change(live.on_change)
    cases.service.set_milestone_hook(live.before_milestone)
    return CaseClocksLive(checker=checker, live=live, routers=(socket_router,))


@dataclass(frozen=True)
class Review:
    """The monthly responsibility review (``review.py``): its service, its periodic check (the board's reminder
    and overdue alerts; started and stopped with the stack) and its routes (matched before ``/api/cases/{number}``)."""

    reviews: CaseReviews
    watch: ReviewWatch
    routers: tuple[APIRouter, ...]


def wire_review(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, settings: ReviewSettings,
                audit: Audit, cases: CaseRepository, departments: DepartmentRepository,
                raise_alert: RaiseAlert | None, clocks_live: CaseClocksLive | None = None) -> Review:
    """``clocks_live``: the review's notices go to the same ``/ws/cases`` sockets and are read back with the
    clocks' (``GET /api/cases/notices``)."""
    live = clocks_live.live if clocks_live is not None else None
    reviews = CaseReviews(ReviewRepository(sessions), cases, departments, settings, clock, timezone, audit,
                          raise_alert, notices=live.notifier if live is not None else None,
                          users_with_role=live.users_with_role if live is not None else None)
    if live is not None:
        live.add_notices(reviews.notices_for)
    return Review(reviews=reviews, watch=ReviewWatch(reviews), routers=(review_router,))
