"""The notices' rules (``models.py`` has the shape).

Who publishes: the roles of ``settings.notices.publish_roles`` (supervisors and admins), and the head of a
department (``callcenter.departments``: the department's head or a member with the role ``head``) for their
department (``department_id``, required of a head who holds none of those roles). A publisher manages (lists with
read counts, sees who has not read, withdraws) every notice when they hold a publish role, else the ones they
published or of the departments they head.

Who reads: the agents the audience reached at publication (``audience.py``). An agent's list holds the notices
addressed to them that are valid now on the injected clock (not withdrawn, ``valid_until`` not passed): unread first.
Acknowledging is once per agent (append-only; a second time is a no-op answered 200 with the first time). Every
publish, withdrawal, acknowledgement and file upload is audited (``notices.publish``, ``notices.withdraw``,
``notices.acknowledge``, ``notices.file_upload``). A publication and a withdrawal are pushed to the agents' desktops
(``DeskNotifier.notice_published`` / ``notice_withdrawn``; the hub delivers to those with a desktop open).

The shift handover lists the notices published since the previous handover (:meth:`between`, given to the shifts'
``HandoverService.show_notices``) and incoming agents read the latest handover's notices read-only
(:meth:`handover`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.auth.actor import Actor
from callcenter.clock import Clock
from callcenter.departments.repository import DepartmentRepository
from callcenter.errors import any_of
from callcenter.notices.audience import Audience, AudienceSources, resolve
from callcenter.notices.config import NoticeSettings
from callcenter.notices.errors import (
    ACTIONS,
    ALREADY_WITHDRAWN,
    DEPARTMENT_NEEDED,
    DEPARTMENT_NOT_FOUND,
    FILE_NOT_FOUND,
    HANDOVER_NOT_FOUND,
    NEEDS_ROLE,
    NO_SUCH_FILE,
    NOT_A_RECIPIENT,
    NOT_ACTIVE,
    NOT_DEPARTMENT_HEAD,
    NOT_FOUND,
    REASON_NEEDED,
    STATE_WORDS,
    TEXT_EMPTY,
    VALID_UNTIL_PAST,
)
from callcenter.notices.models import Notice, NoticeFile
from callcenter.notices.repository import LeadScope, NoticeRepository, StateFilter
from callcenter.notices.schemas import NoticeOut
from callcenter.notices.views import NoticeView, State
from callcenter.realtime.notify import DeskNotifier
from callcenter.shifts.handover import HandoverService, HandoverWindow

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]


def target(notice_id: int) -> str:
    return f"notice:{notice_id}"


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Unread:
    notice: Notice
    recipients: list[str]
    acks: dict[str, datetime]
    names: dict[str, str]


@dataclass(frozen=True)
class HandoverNotices:
    window: HandoverWindow
    items: list[NoticeView]


class Notices:
    def __init__(self, repo: NoticeRepository, settings: NoticeSettings, clock: Clock, timezone: str, audit: Audit,
                 departments: DepartmentRepository, sources: AudienceSources, desk: DeskNotifier,
                 handovers: HandoverService) -> None:
        self.repo = repo
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.audit = audit
        self.departments = departments
        self.sources = sources
        self.desk = desk
        self.handovers = handovers

    # who ----------------------------------------------------------------------------------------------------
    async def scope(self, actor: Actor) -> LeadScope | None:
        """What ``actor`` manages as a publisher; None: not a publisher."""
        everything = actor.has(self.settings.publish_roles)
        heads: frozenset[int] = frozenset()
        if self.settings.heads_publish:
            heads = frozenset(d for d, r in (await self.departments.memberships(actor.username)).items()
                              if r == "head")
        if not everything and not heads:
            return None
        return LeadScope(everything, actor.username, heads)

    async def require(self, actor: Actor, what: str) -> LeadScope:
        scope = await self.scope(actor)
        if scope is None:
            roles = sorted(self.settings.publish_roles)
            raise NEEDS_ROLE({"what": ACTIONS[what], "roles": any_of(roles)}, needed=roles, has=sorted(actor.roles))
        return scope

    def state_of(self, n: Notice, now: datetime) -> State:
        if n.withdrawn_at is not None:
            return "withdrawn"
        if n.valid_until is not None and n.valid_until <= now:
            return "expired"
        return "active"

    def _aware(self, dt: datetime | None) -> datetime | None:
        """A time without an offset is the centre's local time (kept as UTC)."""
        if dt is None:
            return None
        return (dt if dt.tzinfo is not None else dt.replace(tzinfo=self.tz)).astimezone(UTC)

    # views --------------------------------------------------------------------------------------------------
    async def _views(self, notices: list[Notice], scope: LeadScope | None, username: str) -> list[NoticeView]:
        now = self.clock.now()
        files = await self.repo.files(n.file_id for n in notices if n.file_id is not None)
        counts = await self.repo.counts(n.id for n in notices) if scope is not None else {}
        mine = await self.repo.acked_at(username, (n.id for n in notices))
        out = []
        for n in notices:
            lead = scope is not None and self.repo.in_scope(scope, n)
            rec, read = counts.get(n.id, (0, 0))
            out.append(NoticeView(n, self.state_of(n, now), files.get(n.file_id) if n.file_id else None,
                                  recipients=rec if lead else None, read=read if lead else None,
                                  acknowledged_at=mine.get(n.id),
                                  addressed_to_me=await self.repo.is_recipient(n.id, username), lead=lead))
        return out

    async def _visible(self, actor: Actor, notice_id: int) -> tuple[Notice, LeadScope | None]:
        """The notice if ``actor`` manages it or it was addressed to them (else 404: not told it exists)."""
        n = await self.repo.notice(notice_id)
        if n is None:
            raise NOT_FOUND(notice_id=notice_id)
        scope = await self.scope(actor)
        if scope is not None and self.repo.in_scope(scope, n):
            return n, scope
        if await self.repo.is_recipient(n.id, actor.username):
            return n, scope
        raise NOT_FOUND(notice_id=notice_id)

    async def detail(self, actor: Actor, notice_id: int) -> NoticeView:
        n, scope = await self._visible(actor, notice_id)
        return (await self._views([n], scope, actor.username))[0]

    async def mine(self, actor: Actor, unread_only: bool = False) -> list[NoticeView]:
        """The notices addressed to ``actor`` valid now, unread first (each group newest first)."""
        rows = await self.repo.for_agent(actor.username, self.clock.now(), unread_only)
        files = await self.repo.files(n.file_id for n, _ in rows if n.file_id is not None)
        return [NoticeView(n, "active", files.get(n.file_id) if n.file_id else None, acknowledged_at=at,
                           addressed_to_me=True) for n, at in rows]

    async def listing(self, actor: Actor, state: StateFilter, limit: int, offset: int
                      ) -> tuple[list[NoticeView], int, bool]:
        """A publisher: the notices they manage with read counts (newest first); anyone else: :meth:`mine`.
        Returns (views, total, whether it is the publisher's list)."""
        scope = await self.scope(actor)
        if scope is None:
            views = await self.mine(actor)
            return views[offset:offset + limit], len(views), False
        rows, total = await self.repo.for_lead(scope, state, self.clock.now(), limit, offset)
        return await self._views(rows, scope, actor.username), total, True

    # publish ------------------------------------------------------------------------------------------------
    async def publish(self, actor: Actor, values: dict[str, Any]) -> NoticeView:
        scope = await self.require(actor, "publishing a notice")
        now = self.clock.now()
        title, text = values["title"].strip(), values["text"].strip()
        if not title:
            raise TEXT_EMPTY(field="title")
        if not text:
            raise TEXT_EMPTY(field="text")
        valid_until = self._aware(values.get("valid_until"))
        if valid_until is not None and valid_until <= now:
            raise VALID_UNTIL_PAST(valid_until=valid_until.isoformat())
        department_id = values.get("department_id")
        if department_id is not None:
            if await self.departments.get(department_id) is None:
                raise DEPARTMENT_NOT_FOUND(department_id=department_id)
            if not scope.everything and department_id not in scope.departments:
                raise NOT_DEPARTMENT_HEAD(department_id=department_id)
        elif not scope.everything:
            if len(scope.departments) != 1:
                raise DEPARTMENT_NEEDED(departments=sorted(scope.departments))
            department_id = next(iter(scope.departments))
        file_id = values.get("file_id")
        if file_id is not None and await self.repo.file(file_id) is None:
            raise NO_SUCH_FILE(file_id=file_id)
        a = values["audience"]
        audience = Audience.cleaned(a["everyone"], a["queues"], a["shifts"], a["agents"])
        end = valid_until or now + timedelta(days=self.settings.shift_days)
        recipients = await resolve(self.sources, audience, now, end)
        n = await self.repo.publish({
            "title": title, "text": text, "department_id": department_id, "everyone": audience.everyone,
            "queues": audience.queues, "shifts": audience.shifts, "agents": audience.agents, "file_id": file_id,
            "published_by": actor.username, "published_at": now, "valid_until": valid_until}, recipients)
        await self.audit(actor.username, "notices.publish", target(n.id), {
            "title": title, "audience": {"everyone": audience.everyone, "queues": audience.queues,
                                         "shifts": audience.shifts, "agents": audience.agents},
            "recipients": len(recipients), "valid_until": iso(valid_until), "file_id": file_id,
            "department_id": department_id})
        view = (await self._views([n], scope, actor.username))[0]
        pushed = NoticeView(n, "active", view.file, addressed_to_me=True)
        for u in sorted(recipients):
            self.desk.notice_published(u, NoticeOut.of(pushed).model_dump(mode="json"))
        return view

    # withdraw -----------------------------------------------------------------------------------------------
    async def withdraw(self, actor: Actor, notice_id: int, reason: str) -> NoticeView:
        scope = await self.require(actor, "withdrawing a notice")
        n = await self.repo.notice(notice_id)
        if n is None or not self.repo.in_scope(scope, n):
            raise NOT_FOUND(notice_id=notice_id)
        reason = reason.strip()
        if not reason:
            raise REASON_NEEDED()
        if n.withdrawn_at is not None:
            raise ALREADY_WITHDRAWN(notice_id=n.id, by=n.withdrawn_by)
        now = self.clock.now()
        done = await self.repo.withdraw(n.id, actor.username, now, reason)
        if done is None:
            fresh = await self.repo.notice(n.id)
            raise ALREADY_WITHDRAWN(notice_id=n.id, by=fresh.withdrawn_by if fresh else "")
        await self.audit(actor.username, "notices.withdraw", target(n.id), {"reason": reason, "title": n.title})
        for u in await self.repo.recipients(n.id):
            self.desk.notice_withdrawn(u, n.id, actor.username, reason, now)
        return (await self._views([done], scope, actor.username))[0]

    # read ---------------------------------------------------------------------------------------------------
    async def acknowledge(self, actor: Actor, notice_id: int) -> tuple[Notice, datetime, bool]:
        """Once per agent: a second time answers the first time and adds nothing (``new`` False)."""
        n, _ = await self._visible(actor, notice_id)
        if not await self.repo.is_recipient(n.id, actor.username):
            raise NOT_A_RECIPIENT(notice_id=n.id)
        done = (await self.repo.acked_at(actor.username, [n.id])).get(n.id)
        if done is not None:
            return n, done, False
        state = self.state_of(n, self.clock.now())
        if state != "active":
            raise NOT_ACTIVE({"state": STATE_WORDS[state]}, notice_id=n.id, state_code=state)
        at, new = await self.repo.ack(n.id, actor.username, self.clock.now())
        if new:
            await self.audit(actor.username, "notices.acknowledge", target(n.id), {"title": n.title})
        return n, at, new

    async def unread(self, actor: Actor, notice_id: int) -> Unread:
        """Who the notice reached and who has acknowledged it (the lead's "who has not read it yet")."""
        scope = await self.require(actor, "reading who has not read a notice")
        n = await self.repo.notice(notice_id)
        if n is None or not self.repo.in_scope(scope, n):
            raise NOT_FOUND(notice_id=notice_id)
        names = {a.username: a.display_name for a in await self.sources.agents()}
        return Unread(n, await self.repo.recipients(n.id), await self.repo.acks(n.id), names)

    async def file_of(self, actor: Actor, notice_id: int) -> NoticeFile:
        n, _ = await self._visible(actor, notice_id)
        f = await self.repo.file(n.file_id) if n.file_id is not None else None
        if f is None:
            raise FILE_NOT_FOUND(notice_id=notice_id)
        return f

    # the shift handover -------------------------------------------------------------------------------------
    async def between(self, viewer: str | None, since: datetime | None, until: datetime) -> list[dict[str, Any]]:
        """The notices published in (since, until] (``viewer``: an agent, only those addressed to them), short: what
        a handover lists (``shifts.schemas.HandoverNoticeOut``)."""
        rows = await self.repo.published_between(since, until, viewer)
        now = self.clock.now()
        acks = await self.repo.acked_at(viewer, (n.id for n in rows)) if viewer else {}
        return [{"id": n.id, "title": n.title, "published_by": n.published_by, "published_at": iso(n.published_at),
                 "valid_until": iso(n.valid_until), "state": self.state_of(n, now),
                 "acknowledged_at": iso(acks.get(n.id))} for n in rows]

    async def handover(self, actor: Actor, handover_id: int | None) -> HandoverNotices | None:
        """The notices of that handover (None: the latest written one), read-only: a publisher gets all of them
        (with read counts for those they manage), anyone else those addressed to them. None: no handover yet."""
        scope = await self.scope(actor)
        if handover_id is not None and scope is None:
            await self.require(actor, "reading the handover's notices")
        w = await self.handovers.window(handover_id)
        if w is None:
            if handover_id is not None:
                raise HANDOVER_NOT_FOUND(handover_id=handover_id)
            return None
        rows = await self.repo.published_between(w.since, w.until, None if scope is not None else actor.username)
        return HandoverNotices(w, await self._views(rows, scope, actor.username))

    async def options(self, actor: Actor) -> dict[str, Any]:
        """The audience picker's choices for a publisher, and the departments they may publish for."""
        scope = await self.require(actor, "reading the audience choices")
        agents = sorted(await self.sources.agents(), key=lambda a: a.username)
        deps = [d for d in await self.departments.all()
                if scope.everything or d.department.id in scope.departments]
        return {"queues": sorted(await self.sources.queues()),
                "shifts": [{"id": i, "name": n} for i, n in sorted((await self.sources.shifts()).items())],
                "agents": [{"username": a.username, "display_name": a.display_name} for a in agents],
                "departments": [{"id": d.department.id, "name": d.department.name} for d in deps],
                "any_department": scope.everything, "file_max_bytes": self.settings.file_max_bytes,
                "file_types": list(self.settings.file_types)}
