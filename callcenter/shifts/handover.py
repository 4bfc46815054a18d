"""The shift handover log (交接日志): one entry per (date, shift), written by that shift's outgoing team lead
(equipment status, difficult cases, staffing/shift changes, notices), changed only by its author until the incoming
lead acknowledges it (who, when, a note). Supervisors see the list with the shift's ``left_before_relief`` flags.

Every incoming agent reads the latest notices (the seeds): any signed-in user may read the latest handover
(read-only, without the attendance flags of colleagues), and each reading is recorded (``shift_handover_reads``:
first and last read per user), so the leads see who has read it (``reads``).

Each handover lists the notices (callcenter/notices) published since the handover written before it
(``published_notices``: published in (the previous handover's ``written_at``, its own]); the notices domain gives
them (``show_notices``), an agent gets only those addressed to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.shifts.attendance import record_out
from callcenter.shifts.common import Actor, Audit, iso, no_audit, require
from callcenter.shifts.errors import (
    HANDOVER_ACKNOWLEDGED,
    HANDOVER_AUTHOR_ACKS,
    HANDOVER_CLOSED,
    HANDOVER_EMPTY,
    HANDOVER_NOT_AUTHOR,
    HANDOVER_NOT_FOUND,
    HANDOVER_SHIFT_NOT_STARTED,
    HANDOVER_TEMPLATE_NOT_FOUND,
)
from callcenter.shifts.models import Handover, HandoverRead, ShiftTemplate
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.rules import shift_bounds

FIELDS = ("equipment", "difficult_cases", "staffing", "notices")
# (viewer: None for a lead, else the agent's username; since; until) -> the notices published in (since, until]
NoticesBetween = Callable[[str | None, datetime | None, datetime], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class HandoverWindow:
    """A handover and the span its notices come from: (``since``, ``until``] = (the previous handover's
    ``written_at`` (None: it is the first), its own ``written_at``]."""

    id: int
    day: date
    template_id: int
    shift: str | None
    author: str
    since: datetime | None
    until: datetime


def handover_out(h: Handover, t: ShiftTemplate | None, flags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": h.id, "day": h.day.isoformat(), "template_id": h.template_id, "shift": t.name if t else None,
            "author": h.author, **{f: getattr(h, f) for f in FIELDS}, "written_at": iso(h.written_at),
            "updated_at": iso(h.updated_at), "acknowledged_by": h.acknowledged_by,
            "acknowledged_at": iso(h.acknowledged_at), "ack_note": h.ack_note,
            "left_before_relief": flags or []}


class HandoverService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
                 audit: Audit = no_audit) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = tz
        self.audit = audit
        self.notices_between: NoticesBetween | None = None

    def show_notices(self, notices_between: NoticesBetween) -> None:
        """The notices domain lists each handover's notices (it is wired after the shifts)."""
        self.notices_between = notices_between

    async def _notices(self, s: AsyncSession, h: Handover, viewer: str | None) -> list[dict[str, Any]]:
        if self.notices_between is None:
            return []
        return await self.notices_between(viewer, await self.repo.written_before(s, h), h.written_at)

    async def window(self, handover_id: int | None = None) -> HandoverWindow | None:
        """That handover (None: the latest written) and the span of its notices; None when there is none."""
        async with self.repo.session() as s:
            row = await (self.repo.latest_handover(s) if handover_id is None
                         else self.repo.handover_by_id(s, handover_id))
            if row is None:
                return None
            h, t = row
            return HandoverWindow(h.id, h.day, t.id, t.name, h.author, await self.repo.written_before(s, h),
                                  h.written_at)

    async def _template(self, s: AsyncSession, template_id: int) -> ShiftTemplate:
        t = await self.repo.template(s, template_id)
        if t is None:
            raise HANDOVER_TEMPLATE_NOT_FOUND({"template_id": template_id}, field="template_id")
        return t

    async def write(self, actor: Actor, day: date, template_id: int, fields: dict[str, str]) -> dict[str, Any]:
        require(actor, ("supervisor", "admin"), "writing the handover log")
        if not any((fields.get(f) or "").strip() for f in FIELDS):
            raise HANDOVER_EMPTY({"fields": list(FIELDS)}, field="notices")
        now = self.clock.now()
        async with self.repo.session() as s:
            t = await self._template(s, template_id)
            starts_at, _ = shift_bounds(day, t.start, t.end, self.tz)
            if now < starts_at:
                raise HANDOVER_SHIFT_NOT_STARTED({"name": t.name, "day": day}, starts_at=iso(starts_at))
            h = await self.repo.handover(s, day, t.id)
            if h is None:
                h = Handover(day=day, template_id=t.id, author=actor.username, written_at=now,
                             **{f: (fields.get(f) or "").strip() for f in FIELDS})
                s.add(h)
                action = "shifts.handover.write"
            else:
                if h.acknowledged_at is not None:
                    raise HANDOVER_CLOSED({"day": day, "name": t.name, "acknowledged_by": h.acknowledged_by},
                                          handover_id=h.id)
                if h.author != actor.username:
                    raise HANDOVER_NOT_AUTHOR({"day": day, "name": t.name}, handover_id=h.id, author=h.author)
                for f in FIELDS:
                    if f in fields and fields[f] is not None:
                        setattr(h, f, fields[f].strip())
                h.updated_at = now
                action = "shifts.handover.edit"
            await s.commit()
            out = handover_out(h, t, await self._flags(s, day, t.id))
            out["published_notices"] = await self._notices(s, h, None)
        await self.audit(actor.username, action, f"handover:{h.id}",
                         {"day": day.isoformat(), "template_id": t.id, "fields": sorted(
                             f for f in FIELDS if fields.get(f))})
        return out

    async def acknowledge(self, actor: Actor, day: date, template_id: int, note: str = "") -> dict[str, Any]:
        require(actor, ("supervisor", "admin"), "acknowledging the handover log")
        async with self.repo.session() as s:
            t = await self._template(s, template_id)
            h = await self.repo.handover(s, day, t.id)
            if h is None:
                raise HANDOVER_NOT_FOUND({"day_text": day, "name": t.name}, day=day.isoformat(), template_id=t.id)
            if h.acknowledged_at is not None:
                raise HANDOVER_ACKNOWLEDGED({"acknowledged_by": h.acknowledged_by}, handover_id=h.id)
            if h.author == actor.username:
                raise HANDOVER_AUTHOR_ACKS(handover_id=h.id)
            h.acknowledged_by = actor.username
            h.acknowledged_at = self.clock.now()
            h.ack_note = note.strip()
            await s.commit()
            out = handover_out(h, t, await self._flags(s, day, t.id))
            out["published_notices"] = await self._notices(s, h, None)
        await self.audit(actor.username, "shifts.handover.acknowledge", f"handover:{h.id}",
                         {"day": day.isoformat(), "template_id": t.id, "author": h.author, "note": h.ack_note})
        return out

    async def _flags(self, s: AsyncSession, day: date, template_id: int) -> list[dict[str, Any]]:
        return [record_out(r) for r in await self.repo.left_before_relief(s, day, template_id)]

    async def _reads(self, s: AsyncSession, handover_id: int) -> list[dict[str, Any]]:
        rows = await self.repo.handover_reads(s, handover_id)
        return [{"username": r.username, "read_at": iso(r.read_at), "last_read_at": iso(r.last_read_at)}
                for r in rows]

    async def list(self, start: date, end: date) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            return [{**handover_out(h, t, await self._flags(s, h.day, t.id)), "reads": await self._reads(s, h.id),
                     "published_notices": await self._notices(s, h, None)}
                    for h, t in await self.repo.handovers(s, start, end)]

    async def _mark_read(self, handover_id: int, username: str) -> datetime:
        """Record that ``username`` read the handover now (first read kept, last read updated)."""
        now = self.clock.now()
        for _ in range(2):  # two first reads at once: the second finds the row the first one made
            async with self.repo.session() as s:
                r = await self.repo.handover_read(s, handover_id, username)
                if r is None:
                    s.add(HandoverRead(handover_id=handover_id, username=username, read_at=now, last_read_at=now))
                else:
                    r.last_read_at = now
                try:
                    await s.commit()
                    return now if r is None else r.read_at
                except IntegrityError:
                    await s.rollback()
        return now

    async def latest(self, actor: Actor | None = None) -> dict[str, Any] | None:
        """The most recently written handover: what the incoming shift reads first. Read by ``actor`` (not its
        author) it is recorded as read by them. A team lead gets the shift's flags and who has read it; anyone
        else the handover itself (read-only) and when they first read it."""
        async with self.repo.session() as s:
            row = await self.repo.latest_handover(s)
            if row is None:
                return None
            h, t = row
            lead = actor is None or actor.lead
            out = handover_out(h, t, await self._flags(s, h.day, t.id) if lead else None)
            out["published_notices"] = await self._notices(s, h, None if lead or actor is None else actor.username)
        first = None
        if actor is not None and actor.username != h.author:
            first = await self._mark_read(h.id, actor.username)
        if lead:
            async with self.repo.session() as s:
                out["reads"] = await self._reads(s, h.id)
        else:
            del out["left_before_relief"]  # colleagues' attendance findings are for the leads
        out["read_at"] = iso(first)
        return out
