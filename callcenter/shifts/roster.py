"""Shift templates, public holidays and the roster (supervisor/admin). Times are the centre's local times; each
roster entry stores its shift's UTC bounds, so a later template or timezone change never rewrites history."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.errors import Words
from callcenter.shifts.common import Actor, Audit, iso, no_audit
from callcenter.shifts.errors import (
    HOLIDAY_EXISTS,
    HOLIDAY_NAME_LENGTH,
    HOLIDAY_NOT_FOUND,
    JOB_LENGTH,
    JOB_MISMATCH,
    NOT_AGENT_OR_LEAD,
    OVERLAPPING_ASSIGNMENT,
    RANGE_REVERSED,
    RANGE_TOO_LONG,
    ROSTER_ENTRY_IN_SWAP,
    ROSTER_ENTRY_NOT_FOUND,
    ROSTER_ENTRY_STARTED,
    ROSTER_ENTRY_SWAPPED,
    SEAT_NOT_FOUND,
    SEAT_TAKEN,
    SHIFT_ZERO_LENGTH,
    SKILL_TOO_LOW,
    TEMPLATE_IN_USE,
    TEMPLATE_INACTIVE,
    TEMPLATE_NAME_LENGTH,
    TEMPLATE_NAME_TAKEN,
    TEMPLATE_NOT_FOUND,
    TEMPLATE_TIMES_ON_ROSTER,
    UNKNOWN_AGENT,
    UNKNOWN_LEVEL,
)
from callcenter.shifts.models import LEVELS, PublicHoliday, RosterEntry, ShiftTemplate
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.rules import is_night, level_rank, parse_hhmm, shift_bounds

ROSTERABLE_ROLES = frozenset({"agent", "supervisor"})


def template_out(t: ShiftTemplate) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "start": t.start, "end": t.end, "night": is_night(t.start, t.end),
            "job": t.job, "skill_level": t.skill_level or None, "active": t.active, "created_by": t.created_by,
            "created_at": iso(t.created_at)}


def entry_out(e: RosterEntry, t: ShiftTemplate | None) -> dict[str, Any]:
    return {"id": e.id, "day": e.day.isoformat(), "template_id": e.template_id, "shift": t.name if t else None,
            "local_start": t.start if t else None, "local_end": t.end if t else None,
            "night": is_night(t.start, t.end) if t else None, "starts_at": iso(e.starts_at), "ends_at": iso(e.ends_at),
            "username": e.username, "job": e.job, "skill_level": e.skill_level, "seat": e.seat or None,
            "swap_id": e.swap_id}


def holiday_out(h: PublicHoliday) -> dict[str, Any]:
    return {"day": h.day.isoformat(), "name": h.name, "created_by": h.created_by, "created_at": iso(h.created_at)}


def _check_level(v: str, field_name: str) -> str:
    if v not in LEVELS:
        raise UNKNOWN_LEVEL({"levels": list(LEVELS), "v": v}, field=field_name)
    return v


def _check_job(v: str) -> str:
    v = v.strip()
    if not v or len(v) > 32:
        raise JOB_LENGTH({"v": v}, field="job")
    return v


class RosterService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
                 audit: Audit = no_audit) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = tz
        self.audit = audit

    # templates ---------------------------------------------------------------------------------------------
    async def templates(self) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            return [template_out(t) for t in await self.repo.templates(s)]

    async def template(self, s: AsyncSession, template_id: int) -> ShiftTemplate:
        t = await self.repo.template(s, template_id)
        if t is None:
            raise TEMPLATE_NOT_FOUND(template_id=template_id)
        return t

    @staticmethod
    def _check_times(start: str, end: str) -> None:
        parse_hhmm(start, "start")
        parse_hhmm(end, "end")
        if start == end:
            raise SHIFT_ZERO_LENGTH({"start": start}, field="end")

    async def create_template(self, actor: Actor, name: str, start: str, end: str, job: str = "",
                              skill_level: str | None = None) -> dict[str, Any]:
        name = name.strip()
        if not name or len(name) > 32:
            raise TEMPLATE_NAME_LENGTH({"name": name}, field="name")
        self._check_times(start, end)
        if job:
            job = _check_job(job)
        if skill_level:
            _check_level(skill_level, "skill_level")
        async with self.repo.session() as s:
            if await self.repo.template_name_taken(s, name):
                raise TEMPLATE_NAME_TAKEN(name=name)
            t = ShiftTemplate(name=name, start=start, end=end, job=job, skill_level=skill_level or "", active=True,
                              created_by=actor.username, created_at=self.clock.now())
            s.add(t)
            await s.commit()
        await self.audit(actor.username, "shifts.template.create", f"shift_template:{t.id}", template_out(t))
        return template_out(t)

    async def edit_template(self, actor: Actor, template_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        async with self.repo.session() as s:
            t = await self.template(s, template_id)
            if "name" in changes:
                name = str(changes["name"]).strip()
                if not name or len(name) > 32:
                    raise TEMPLATE_NAME_LENGTH({"name": name}, field="name")
                if await self.repo.template_name_taken(s, name, but=t.id):
                    raise TEMPLATE_NAME_TAKEN(name=name)
                changes["name"] = name
            if "start" in changes or "end" in changes:
                start, end = changes.get("start", t.start), changes.get("end", t.end)
                self._check_times(start, end)
                if (start, end) != (t.start, t.end) and await self.repo.template_on_roster(s, t.id):
                    raise TEMPLATE_TIMES_ON_ROSTER({"name": t.name}, template_id=t.id)
            if changes.get("job"):
                changes["job"] = _check_job(changes["job"])
            if changes.get("skill_level"):
                _check_level(changes["skill_level"], "skill_level")
            if "skill_level" in changes and changes["skill_level"] is None:
                changes["skill_level"] = ""
            if "job" in changes and changes["job"] is None:
                changes["job"] = ""
            for k, v in changes.items():
                setattr(t, k, v)
            await s.commit()
        await self.audit(actor.username, "shifts.template.edit", f"shift_template:{t.id}",
                         {"fields": sorted(changes)})
        return template_out(t)

    async def delete_template(self, actor: Actor, template_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            t = await self.template(s, template_id)
            if await self.repo.template_on_roster(s, t.id) or await self.repo.template_on_leave(s, t.id):
                raise TEMPLATE_IN_USE({"name": t.name}, template_id=t.id)
            out = template_out(t)
            await s.delete(t)
            await s.commit()
        await self.audit(actor.username, "shifts.template.delete", f"shift_template:{template_id}", out)
        return {"deleted": template_id}

    # holidays ----------------------------------------------------------------------------------------------
    async def holidays(self, year: int | None = None) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            return [holiday_out(h) for h in await self.repo.holidays(s, year)]

    async def add_holiday(self, actor: Actor, day: date, name: str) -> dict[str, Any]:
        name = name.strip()
        if not name or len(name) > 64:
            raise HOLIDAY_NAME_LENGTH({"name": name}, field="name")
        async with self.repo.session() as s:
            if await self.repo.holiday(s, day) is not None:
                raise HOLIDAY_EXISTS({"day_text": day}, day=day.isoformat())
            h = PublicHoliday(day=day, name=name, created_by=actor.username, created_at=self.clock.now())
            s.add(h)
            await s.commit()
        await self.audit(actor.username, "shifts.holiday.create", f"holiday:{day}", {"name": name})
        return holiday_out(h)

    async def delete_holiday(self, actor: Actor, day: date) -> dict[str, Any]:
        async with self.repo.session() as s:
            h = await self.repo.holiday(s, day)
            if h is None:
                raise HOLIDAY_NOT_FOUND({"day_text": day}, day=day.isoformat())
            await s.delete(h)
            await s.commit()
        await self.audit(actor.username, "shifts.holiday.delete", f"holiday:{day}", {"name": h.name})
        return {"deleted": day.isoformat()}

    # roster ------------------------------------------------------------------------------------------------
    async def roster(self, start: date, end: date, username: str | None = None,
                     template_id: int | None = None) -> list[dict[str, Any]]:
        if end < start:
            raise RANGE_REVERSED(field="to")
        if (end - start).days > 62:
            raise RANGE_TOO_LONG(field="to")
        async with self.repo.session() as s:
            rows = await self.repo.entries(s, start, end, username, template_id)
        return [entry_out(e, t) for e, t in rows]

    async def _user(self, s: AsyncSession, username: str) -> User:
        u = await self.repo.user(s, username)
        if u is None or not u.active:
            raise UNKNOWN_AGENT({"username": username}, field="username")
        if not set(u.roles) & ROSTERABLE_ROLES:
            raise NOT_AGENT_OR_LEAD({"username": username, "roles": u.roles}, field="username")
        return u

    async def _default_level(self, s: AsyncSession, user_id: int) -> str:
        levels = await self.repo.skill_levels(s, user_id)
        return max(levels, key=level_rank) if levels else "junior"

    async def _check_entry(self, s: AsyncSession, e: RosterEntry, t: ShiftTemplate) -> None:
        """Everything an entry must satisfy (new or edited): the template's requirements, no overlapping shift of
        the same agent, a seat that exists and is not someone else's in an overlapping shift."""
        with s.no_autoflush:
            await self._check_entry_rules(s, e, t)

    async def _check_entry_rules(self, s: AsyncSession, e: RosterEntry, t: ShiftTemplate) -> None:
        if t.job and e.job != t.job:
            raise JOB_MISMATCH({"name": t.name, "job": t.job, "job2": e.job}, field="job")
        if t.skill_level and level_rank(e.skill_level) < level_rank(t.skill_level):
            raise SKILL_TOO_LOW({"name": t.name, "skill_level": t.skill_level, "username": e.username,
                                "skill_level2": e.skill_level}, field="skill_level")
        for o, ot in await self.repo.overlapping(s, e.starts_at, e.ends_at, e.id, username=e.username):
            raise OVERLAPPING_ASSIGNMENT({"username": e.username, "name": ot.name, "day": o.day}, field="template_id",
                                         rule="overlapping_assignment", conflicting_entry=o.id)
        if e.seat:
            seat = await self.repo.seat(s, e.seat)
            if seat is None or not seat.active:
                raise SEAT_NOT_FOUND({"seat": e.seat}, field="seat")
            for o, ot in await self.repo.overlapping(s, e.starts_at, e.ends_at, e.id, seat=e.seat):
                raise SEAT_TAKEN({"seat": e.seat, "username": o.username, "name": ot.name, "day": o.day}, field="seat",
                                 conflicting_entry=o.id)

    def _not_started(self, e: RosterEntry, what: Words) -> None:
        if self.clock.now() >= e.starts_at:
            raise ROSTER_ENTRY_STARTED({"what": what, "day": e.day, "starts_at": iso(e.starts_at)}, roster_id=e.id)

    async def add_entry(self, actor: Actor, day: date, template_id: int, username: str, job: str | None = None,
                        skill_level: str | None = None, seat: str = "") -> dict[str, Any]:
        async with self.repo.session() as s:
            t = await self.template(s, template_id)
            if not t.active:
                raise TEMPLATE_INACTIVE({"name": t.name}, field="template_id")
            u = await self._user(s, username)
            starts_at, ends_at = shift_bounds(day, t.start, t.end, self.tz)
            e = RosterEntry(day=day, template_id=t.id, username=u.username,
                            job=_check_job(job) if job else (t.job or "agent"),
                            skill_level=_check_level(skill_level, "skill_level") if skill_level else
                            await self._default_level(s, u.id),
                            seat=(seat or "").strip(), starts_at=starts_at, ends_at=ends_at,
                            created_by=actor.username, created_at=self.clock.now())
            self._not_started(e, Words("cannot roster", "不能排班"))
            await self._check_entry(s, e, t)
            s.add(e)
            await s.commit()
            out = entry_out(e, t)
        await self.audit(actor.username, "shifts.roster.create", f"roster:{e.id}", out)
        return out

    async def edit_entry(self, actor: Actor, roster_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        async with self.repo.session() as s:
            e = await self.repo.entry(s, roster_id)
            if e is None:
                raise ROSTER_ENTRY_NOT_FOUND(roster_id=roster_id)
            self._not_started(e, Words("cannot change", "不能修改"))
            await self._no_pending_swap(s, e)
            before = {k: getattr(e, k) for k in changes}
            if "username" in changes:
                u = await self._user(s, changes["username"])
                e.username = u.username
            if changes.get("job"):
                e.job = _check_job(changes["job"])
            if changes.get("skill_level"):
                e.skill_level = _check_level(changes["skill_level"], "skill_level")
            if "seat" in changes:
                e.seat = (changes["seat"] or "").strip()
            t = await self.template(s, e.template_id)
            await self._check_entry(s, e, t)
            e.updated_at = self.clock.now()
            await s.commit()
            out = entry_out(e, t)
        await self.audit(actor.username, "shifts.roster.edit", f"roster:{roster_id}",
                         {"before": before, "after": {k: out[k] for k in changes}})
        return out

    async def _no_pending_swap(self, s: AsyncSession, e: RosterEntry) -> None:
        pending = await self.repo.pending_swap_of(s, e.id)
        if pending is not None:
            raise ROSTER_ENTRY_IN_SWAP({"id": e.id}, swap_id=pending)

    async def delete_entry(self, actor: Actor, roster_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            e = await self.repo.entry(s, roster_id)
            if e is None:
                raise ROSTER_ENTRY_NOT_FOUND(roster_id=roster_id)
            self._not_started(e, Words("cannot remove", "不能删除"))
            await self._no_pending_swap(s, e)
            if await self.repo.swaps_naming(s, e.id):
                raise ROSTER_ENTRY_SWAPPED(roster_id=e.id)
            t = await self.repo.template(s, e.template_id)
            out = entry_out(e, t)
            await s.delete(e)
            await s.commit()
        await self.audit(actor.username, "shifts.roster.delete", f"roster:{roster_id}", out)
        return {"deleted": roster_id}
