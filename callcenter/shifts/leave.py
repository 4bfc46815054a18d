"""Leave requests and the approver positions.

Approval levels (the seeds): one day → the department head; more than one day → the centre director. Leave touching a
public holiday is only for exceptional cases (``exceptional: true``), asked at least ``holiday_leave_notice_hours``
(48) before the holiday begins, and is approved by the centre director. Leave for a night shift must be asked before
``night_leave_cutoff`` (12:00) of the shift's date. No leave in a shift that is in a pending or approved swap.

Approvers hold a position (``approver_positions``, set by admins): team_lead < department_head < centre_director.
Approval goes level by level, no skipping (the seeds): one day needs the department head; more than one day (or a
holiday) the department head first, then the centre director — each step by a holder of exactly that position
(a director cannot take the department head's step), never the requester. The request stays pending until the last
step; any approver of a step still to come may reject it. Approved leave excuses lateness, absence and early leave
in the shifts it covers (attendance is re-evaluated at once).

Sick leave (``kind: sick``) is phoned in before the shift and its certificate handed in on the first day back, so it
may be recorded for past days (at most ``sick_leave_backdate_days`` back) with ``phoned_in_at`` (before the first
covered shift started) and ``certificate: true``; the holiday notice, night-shift cutoff and swap rules, which are
about planned leave, do not apply to it. Once approved, those days show ``sick_leave`` instead of an absence.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.settings import ShiftSettings
from callcenter.shifts.common import Actor, Audit, iso, no_audit, require
from callcenter.shifts.errors import (
    EXCEPTIONAL_NEEDS_REASON,
    LEAVE_APPROVER_LEVEL,
    LEAVE_DECIDED,
    LEAVE_END_BEFORE_START,
    LEAVE_HOLIDAY_NOT_EXCEPTIONAL,
    LEAVE_HOLIDAY_NOTICE,
    LEAVE_IN_PAST,
    LEAVE_IN_SWAPPED_SHIFT,
    LEAVE_NIGHT_AFTER_NOON,
    LEAVE_NOT_FOUND,
    LEAVE_OVERLAPS,
    LEAVE_REJECT_LEVEL,
    LEAVE_STEP_APPROVED,
    LEAVE_TEMPLATE_NOT_FOUND,
    LEAVE_TOO_LONG,
    LEAVE_WITHDRAW_NOT_OWN,
    NO_POSITION,
    NOT_AN_APPROVER,
    OWN_LEAVE,
    PHONED_IN_FUTURE,
    PHONED_IN_NEEDS_TIMEZONE,
    PHONED_IN_NOT_SICK,
    SICK_LEAVE_CERTIFICATE,
    SICK_LEAVE_NEEDS_PHONED_IN,
    SICK_LEAVE_NOT_PHONED_IN,
    SICK_LEAVE_TOO_OLD,
    UNKNOWN_LEAVE_KIND,
    UNKNOWN_POSITION,
    UNKNOWN_USER,
    position_words,
)
from callcenter.shifts.models import (
    LEAVE_KINDS,
    POSITIONS,
    ApproverPosition,
    ShiftLeave,
)
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.rules import covers, days_between, is_night, leave_level, parse_hhmm

ACTIVE = ("pending", "approved")
MAX_DAYS = 31
Refresh = Callable[[Iterable[date]], Awaitable[None]]


def approval_chain(required_level: str) -> list[str]:
    """The positions that approve, in order: level by level up to the required one (the department head first)."""
    if required_level not in POSITIONS[1:]:
        return [required_level]
    return list(POSITIONS[POSITIONS.index("department_head"):POSITIONS.index(required_level) + 1])


def next_level(x: ShiftLeave) -> str | None:
    """The position whose approval the request waits for (None once decided or every step is done)."""
    chain = approval_chain(x.required_level)
    done = len(x.approvals or [])
    return chain[done] if x.status == "pending" and done < len(chain) else None


def leave_out(x: ShiftLeave, names: dict[int, str] | None = None) -> dict[str, Any]:
    return {"id": x.id, "username": x.username, "start_day": x.start_day.isoformat(),
            "end_day": x.end_day.isoformat(), "days": (x.end_day - x.start_day).days + 1,
            "template_id": x.template_id, "shift": (names or {}).get(x.template_id) if x.template_id else None,
            "reason": x.reason, "exceptional": x.exceptional, "required_level": x.required_level,
            "kind": x.kind, "phoned_in_at": iso(x.phoned_in_at), "certificate": x.certificate,
            "approval_chain": approval_chain(x.required_level), "approvals": list(x.approvals or []),
            "next_level": next_level(x),
            "status": x.status, "requested_at": iso(x.requested_at), "decided_by": x.decided_by,
            "decided_at": iso(x.decided_at), "decision_note": x.decision_note}


def approver_out(a: ApproverPosition) -> dict[str, Any]:
    return {"username": a.username, "position": a.position, "set_by": a.set_by, "set_at": iso(a.set_at)}


class LeaveService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
                 settings: ShiftSettings, audit: Audit = no_audit, refresh: Refresh | None = None) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = tz
        self.settings = settings
        self.audit = audit
        self.refresh = refresh

    def _local(self, d: date, hhmm: str) -> datetime:
        return datetime.combine(d, parse_hhmm(hhmm, "time"), tzinfo=self.tz)

    # requests ---------------------------------------------------------------------------------------------
    async def request(self, actor: Actor, start_day: date, end_day: date | None = None,
                      template_id: int | None = None, reason: str = "", exceptional: bool = False,
                      kind: str = "personal", phoned_in_at: datetime | None = None,
                      certificate: bool = False) -> dict[str, Any]:
        end_day = end_day or start_day
        reason = reason.strip()
        if kind not in LEAVE_KINDS:
            raise UNKNOWN_LEAVE_KIND({"leave_kinds": list(LEAVE_KINDS), "kind": kind}, field="kind")
        sick = kind == "sick"
        if end_day < start_day:
            raise LEAVE_END_BEFORE_START(field="end_day")
        days = (end_day - start_day).days + 1
        if days > MAX_DAYS:
            raise LEAVE_TOO_LONG({"max_days": MAX_DAYS}, field="end_day")
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        if phoned_in_at is not None:
            if phoned_in_at.tzinfo is None:
                raise PHONED_IN_NEEDS_TIMEZONE(field="phoned_in_at")
            phoned_in_at = phoned_in_at.astimezone(UTC)
            if not sick:
                raise PHONED_IN_NOT_SICK(field="phoned_in_at")
            if phoned_in_at > now:
                raise PHONED_IN_FUTURE(field="phoned_in_at")
        if end_day < today and not sick:
            raise LEAVE_IN_PAST({"start_day": start_day, "end_day_text": end_day}, end_day=end_day.isoformat())
        if sick and start_day < today:
            oldest = today - timedelta(days=self.settings.sick_leave_backdate_days)
            if start_day < oldest:
                raise SICK_LEAVE_TOO_OLD({"sick_leave_backdate_days": self.settings.sick_leave_backdate_days,
                                         "oldest_text": oldest}, oldest=oldest.isoformat())
            if not certificate:
                raise SICK_LEAVE_CERTIFICATE(start_day=start_day.isoformat())
            if phoned_in_at is None:
                raise SICK_LEAVE_NEEDS_PHONED_IN(field="phoned_in_at")
        async with self.repo.session() as s:
            template = None
            if template_id is not None:
                template = await self.repo.template(s, template_id)
                if template is None:
                    raise LEAVE_TEMPLATE_NOT_FOUND({"template_id": template_id}, field="template_id")
            other = await self.repo.leaves_of(s, [actor.username], ACTIVE, start_day, end_day)
            for o in other:
                if template_id is None or o.template_id is None or o.template_id == template_id:
                    raise LEAVE_OVERLAPS({"status": o.status, "start_day": o.start_day, "end_day": o.end_day},
                                         leave_id=o.id)
            if sick and phoned_in_at is not None:
                first_shift = await self.repo.first_shift_start(s, actor.username, start_day, end_day, template_id)
                if first_shift is not None and phoned_in_at >= first_shift:
                    raise SICK_LEAVE_NOT_PHONED_IN(shift_start=iso(first_shift), phoned_in_at=iso(phoned_in_at))
            # public holidays: exceptional cases only, asked in time (sick leave is not planned: only its level)
            holidays = await self.repo.holiday_days(s, start_day, end_day)
            if holidays and not sick:
                first = min(holidays)
                if not exceptional:
                    raise LEAVE_HOLIDAY_NOT_EXCEPTIONAL({"first": first, "holidays": holidays[first]},
                                                        day=first.isoformat())
                if not reason:
                    raise EXCEPTIONAL_NEEDS_REASON(field="reason")
                notice = timedelta(hours=self.settings.holiday_leave_notice_hours)
                deadline = self._local(first, "00:00") - notice
                if now > deadline:
                    raise LEAVE_HOLIDAY_NOTICE({"first": first,
                                               "holiday_leave_notice_hours": self.settings.holiday_leave_notice_hours},
                                               day=first.isoformat(), deadline=iso(deadline))
            # night shifts: before the cutoff (noon) of that day
            if sick:
                nights = []
            elif template is not None:
                nights = days_between(start_day, end_day) if is_night(template.start, template.end) else []
            else:
                rows = await self.repo.shift_times(s, actor.username, start_day, end_day)
                nights = sorted({d for d, st, en in rows if is_night(st, en)})
            cutoff = self.settings.night_leave_cutoff
            for d in nights:
                if now >= self._local(d, cutoff):
                    raise LEAVE_NIGHT_AFTER_NOON({"d": d}, day=d.isoformat(), cutoff=cutoff)
            # no leave in a swapped shift
            swaps = await self.repo.swaps_of(s, [actor.username], ACTIVE)
            for sw in ([] if sick else swaps):
                for d, t in ((sw.requester_day, sw.requester_template_id),
                             (sw.counterpart_day, sw.counterpart_template_id)):
                    if covers(start_day, end_day, template_id, d, t):
                        raise LEAVE_IN_SWAPPED_SHIFT({"d": d, "status": sw.status}, swap_id=sw.id, day=d.isoformat())
            x = ShiftLeave(username=actor.username, start_day=start_day, end_day=end_day, template_id=template_id,
                             reason=reason, exceptional=exceptional,
                             required_level=leave_level(days, bool(holidays)), status="pending", requested_at=now,
                             kind=kind, phoned_in_at=phoned_in_at, certificate=certificate, approvals=[])
            s.add(x)
            await s.commit()
            out = leave_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.leave.request", f"leave:{x.id}",
                         {k: out[k] for k in ("start_day", "end_day", "template_id", "exceptional", "required_level",
                                              "kind", "phoned_in_at", "certificate")})
        return out

    async def _leave(self, s: AsyncSession, leave_id: int) -> ShiftLeave:
        x = await self.repo.leave(s, leave_id)
        if x is None:
            raise LEAVE_NOT_FOUND(leave_id=leave_id)
        return x

    async def position(self, s: AsyncSession, username: str) -> str | None:
        p = await self.repo.approver(s, username)
        return p.position if p else None

    async def decide(self, actor: Actor, leave_id: int, approve: bool, note: str = "") -> dict[str, Any]:
        require(actor, ("supervisor", "admin"), "deciding leave")
        async with self.repo.session() as s:
            x = await self._leave(s, leave_id)
            if x.status != "pending":
                raise LEAVE_DECIDED({"id": x.id}, status=x.status)
            if x.username == actor.username:
                raise OWN_LEAVE(leave_id=x.id)
            pos = await self.position(s, actor.username)
            chain = approval_chain(x.required_level)
            steps = list(x.approvals or [])
            step = chain[len(steps)] if len(steps) < len(chain) else x.required_level
            days = x.end_day.toordinal() - x.start_day.toordinal() + 1
            held = position_words([pos]) if pos else NO_POSITION
            if approve and pos != step:
                # level by level, no skipping: the step waiting is approved by exactly that position
                raise LEAVE_APPROVER_LEVEL({"id": x.id, "days": days,
                                           "chain_text": position_words(chain, " then ", " → "),
                                           "step": position_words([step]), "held": held}, rule="leave_approver_level",
                                           required_level=step, position=pos, chain=chain, approvals=steps)
            if not approve and pos not in chain[len(steps):]:
                raise LEAVE_REJECT_LEVEL({"id": x.id, "step": position_words([step]),
                                         "chain_text": position_words(chain[len(steps):]),
                                         "held": held}, rule="leave_approver_level", required_level=step, position=pos,
                                         chain=chain)
            if any(a.get("by") == actor.username for a in steps):
                raise LEAVE_STEP_APPROVED(leave_id=x.id)
            now = self.clock.now()
            final = not approve
            if approve:
                x.approvals = [*steps, {"level": step, "by": actor.username, "at": iso(now), "note": note}]
                final = len(x.approvals) == len(chain)
            if final:
                x.status = "approved" if approve else "rejected"
                x.decided_by = actor.username
                x.decided_at = now
                x.decision_note = note
            await s.commit()
            out = leave_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, f"shifts.leave.{'approve' if approve else 'reject'}", f"leave:{leave_id}",
                         {"username": x.username, "required_level": x.required_level, "position": pos, "note": note,
                          "step": step, "final": final})
        if approve and final and self.refresh is not None:
            await self.refresh(days_between(x.start_day, x.end_day))
        return out

    async def cancel(self, actor: Actor, leave_id: int) -> dict[str, Any]:
        async with self.repo.session() as s:
            x = await self._leave(s, leave_id)
            if x.username != actor.username:
                raise LEAVE_WITHDRAW_NOT_OWN(leave_id=x.id)
            if x.status != "pending":
                raise LEAVE_DECIDED({"id": x.id}, status=x.status)
            x.status = "cancelled"
            x.decided_by = actor.username
            x.decided_at = self.clock.now()
            await s.commit()
            out = leave_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.leave.cancel", f"leave:{leave_id}", None)
        return out

    async def list(self, *, status: str | None = None, username: str | None = None, start: date | None = None,
                   end: date | None = None) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            names = await self.repo.template_names(s)
            return [leave_out(x, names) for x in await self.repo.leaves(s, status=status, username=username,
                                                                           start=start, end=end)]

    # approver positions -----------------------------------------------------------------------------------
    async def approvers(self) -> builtins.list[dict[str, Any]]:  # (``list`` here is the method above)
        async with self.repo.session() as s:
            return [approver_out(a) for a in await self.repo.approvers(s)]

    async def set_approver(self, actor: Actor, username: str, position: str) -> dict[str, Any]:
        require(actor, ("admin",), "setting approver positions")
        if position not in POSITIONS:
            raise UNKNOWN_POSITION({"positions": list(POSITIONS), "position": position}, field="position")
        async with self.repo.session() as s:
            u = await self.repo.user(s, username)
            if u is None or not u.active:
                raise UNKNOWN_USER({"username": username}, field="username")
            a = await self.repo.approver(s, username)
            before = a.position if a else None
            if a is None:
                a = ApproverPosition(username=username, position=position, set_by=actor.username,
                                     set_at=self.clock.now())
                s.add(a)
            else:
                a.position, a.set_by, a.set_at = position, actor.username, self.clock.now()
            await s.commit()
        await self.audit(actor.username, "shifts.approver.set", f"user:{username}",
                         {"before": before, "position": position})
        return approver_out(a)

    async def remove_approver(self, actor: Actor, username: str) -> dict[str, Any]:
        require(actor, ("admin",), "removing approver positions")
        async with self.repo.session() as s:
            a = await self.repo.approver(s, username)
            if a is None:
                raise NOT_AN_APPROVER(username=username)
            before = a.position
            await s.delete(a)
            await s.commit()
        await self.audit(actor.username, "shifts.approver.remove", f"user:{username}", {"before": before})
        return {"removed": username}
