"""Notices wired: storage, rules, the files, the routes; the audience read from the users (auth), the queues and
skills (the directory) and the roster (shifts); the desktops told through the hub; each shift handover listing the
notices published since the one before (``HandoverService.show_notices``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import ROLES
from callcenter.auth.repository import AuthRepository
from callcenter.bodylimit import MULTIPART_SLACK, RouteLimit
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.directory.repository import DirectoryRepository
from callcenter.notices.api import UPLOAD_PATH, router
from callcenter.notices.audience import AgentInfo, AudienceSources
from callcenter.notices.config import NoticeSettings
from callcenter.notices.files import NoticeFiles
from callcenter.notices.repository import NoticeRepository
from callcenter.notices.service import Audit, Notices
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import DeskNotifier
from callcenter.shifts.service import ShiftService


@dataclass(frozen=True)
class NoticesDomain:
    repo: NoticeRepository
    service: Notices
    files: NoticeFiles
    routers: tuple[APIRouter, ...]
    body_limits: tuple[RouteLimit, ...]


def audience_sources(users: AuthRepository, directory: DirectoryRepository, shifts: ShiftService
                     ) -> AudienceSources:
    """The audience's facts through the other domains' public methods."""

    async def agents() -> list[AgentInfo]:
        skills = await directory.skills_by_user()
        return [AgentInfo(u.username, u.display_name or u.username,
                          frozenset(s["queue"] for s in skills.get(u.id, [])))
                for u in await users.users() if u.active and "agent" in u.roles]

    async def queues() -> set[str]:
        return {q.name for q in await directory.queues()}

    async def rostered(template_ids: Sequence[int], start: datetime, end: datetime) -> set[str]:
        return await shifts.rostered_on(template_ids, start, end)

    return AudienceSources(agents=agents, queues=queues, shifts=shifts.template_names, rostered=rostered)


def wire_notices(sessions: async_sessionmaker[AsyncSession], clock: Clock, timezone: str, settings: NoticeSettings,
                 data_dir: Path, audit: Audit, departments: DepartmentRepository, hub: Hub,
                 sources: AudienceSources, shifts: ShiftService) -> NoticesDomain:
    repo = NoticeRepository(sessions)
    service = Notices(repo, settings, clock, timezone, audit, departments, sources, DeskNotifier(hub),
                      shifts.handovers)
    shifts.handovers.show_notices(service.between)
    files = NoticeFiles(service, data_dir / "notices")
    # any signed-in user before the body is read (a department head may hold any role); the service decides
    limit = RouteLimit("POST", UPLOAD_PATH, settings.file_max_bytes + MULTIPART_SLACK, ROLES)
    return NoticesDomain(repo=repo, service=service, files=files, routers=(router,), body_limits=(limit,))
