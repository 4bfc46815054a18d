"""Shift swaps (换班): an agent asks to swap their rostered shift with another agent's; two team leads approve (one
per side, two different people); the approved swap exchanges the two roster entries' agents (audited).

Refused at request time, and again at the final approval, with the rule named (error id = rule):

- ``swap_shift_started``: either shift has started;
- ``swap_public_holiday``: either date is a public holiday;
- ``swap_job_mismatch`` / ``swap_skill_mismatch``: the two entries' job or skill level differ;
- ``swap_leave_in_shift``: either agent has leave (pending or approved) in either shift;
- ``swap_monthly_limit``: either agent already has ``max_swaps_per_month`` swaps (pending or approved) in the month
  of either date;
- ``swap_consecutive``: either agent has another swap (pending or approved) whose dates are the same as, or the day
  before or after, a date of this one;
- ``swap_overlap``: after the swap an agent would be on two overlapping shifts;
- ``swap_back_to_back``: after the swap an agent would work two shifts back to back (one ends when the next one
  starts: no rest between) — the seeds forbid consecutive shifts.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.clock import Clock
from callcenter.settings import ShiftSettings
from callcenter.shifts.common import Actor, Audit, iso, no_audit, require
from callcenter.shifts.errors import (
    SWAP_BACK_TO_BACK_AFTER,
    SWAP_BACK_TO_BACK_BEFORE,
    SWAP_CONSECUTIVE,
    SWAP_DECIDED,
    SWAP_ENTRY_NOT_FOUND,
    SWAP_JOB_MISMATCH,
    SWAP_LEAVE_IN_SHIFT,
    SWAP_MONTHLY_LIMIT,
    SWAP_NOT_FOUND,
    SWAP_NOT_YOURS,
    SWAP_OVERLAP,
    SWAP_OWN_SHIFT,
    SWAP_PENDING,
    SWAP_PUBLIC_HOLIDAY,
    SWAP_ROSTER_CHANGED,
    SWAP_SAME_APPROVER,
    SWAP_SHIFT_STARTED,
    SWAP_SIDE_APPROVED,
    SWAP_SKILL_MISMATCH,
    SWAP_WITH_SELF,
    SWAP_WITHDRAW_NOT_OWN,
    UNKNOWN_SWAP_SIDE,
)
from callcenter.shifts.models import RosterEntry, SwapRequest
from callcenter.shifts.repository import ShiftRepository
from callcenter.shifts.roster import entry_out
from callcenter.shifts.rules import covers, month_of

ACTIVE = ("pending", "approved")
SIDES = ("requester", "counterpart")


def swap_out(x: SwapRequest, names: dict[int, str] | None = None) -> dict[str, Any]:
    names = names or {}
    return {"id": x.id, "status": x.status, "reason": x.reason,
            "requester": {"username": x.requester, "roster_id": x.requester_roster_id,
                          "day": x.requester_day.isoformat(), "template_id": x.requester_template_id,
                          "shift": names.get(x.requester_template_id)},
            "counterpart": {"username": x.counterpart, "roster_id": x.counterpart_roster_id,
                            "day": x.counterpart_day.isoformat(), "template_id": x.counterpart_template_id,
                            "shift": names.get(x.counterpart_template_id)},
            "approvals": x.approvals, "requested_at": iso(x.requested_at), "decided_by": x.decided_by,
            "decided_at": iso(x.decided_at), "decision_note": x.decision_note}


class SwapService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: ZoneInfo,
                 settings: ShiftSettings, audit: Audit = no_audit) -> None:
        self.repo = ShiftRepository(sessions)
        self.clock = clock
        self.tz = tz
        self.settings = settings
        self.audit = audit

    async def _entry(self, s: AsyncSession, roster_id: int, field_name: str) -> RosterEntry:
        e = await self.repo.entry(s, roster_id)
        if e is None:
            raise SWAP_ENTRY_NOT_FOUND({"roster_id": roster_id}, field=field_name)
        return e

    async def _check(self, s: AsyncSession, a: RosterEntry, b: RosterEntry, exclude: int | None = None) -> None:
        """The house rules for swapping entry ``a`` (the requester's) with ``b`` (the counterpart's)."""
        now = self.clock.now()
        for e in (a, b):
            if now >= e.starts_at:
                raise SWAP_SHIFT_STARTED({"username": e.username, "day": e.day}, roster_id=e.id)
        holidays = await self.repo.holiday_days(s, min(a.day, b.day), max(a.day, b.day))
        for d in sorted({a.day, b.day}):
            if d in holidays:
                raise SWAP_PUBLIC_HOLIDAY({"d": d, "holidays": holidays[d]}, day=d.isoformat())
        if a.job != b.job:
            raise SWAP_JOB_MISMATCH({"username": a.username, "username2": b.username}, requester_job=a.job,
                                    counterpart_job=b.job)
        if a.skill_level != b.skill_level:
            raise SWAP_SKILL_MISMATCH({"username": a.username, "username2": b.username}, requester_level=a.skill_level,
                                      counterpart_level=b.skill_level)
        people = (a.username, b.username)
        leaves = await self.repo.leaves_of(s, people, ACTIVE, min(a.day, b.day), max(a.day, b.day))
        for lv in leaves:
            for e in (a, b):
                if covers(lv.start_day, lv.end_day, lv.template_id, e.day, e.template_id):
                    raise SWAP_LEAVE_IN_SHIFT({"status": lv.status, "day_text": e.day}, leave_id=lv.id,
                                              username=lv.username, day=e.day.isoformat())
        others = await self.repo.swaps_of(s, people, ACTIVE, but=exclude)
        limit = self.settings.max_swaps_per_month
        for p in people:
            mine = [x for x in others if p in (x.requester, x.counterpart)]
            for m in sorted({month_of(a.day), month_of(b.day)}):
                n = sum(1 for x in mine if m in (month_of(x.requester_day), month_of(x.counterpart_day)))
                if n >= limit:
                    raise SWAP_MONTHLY_LIMIT(username=p, month=m, count=n, limit=limit)
        for p in people:
            for x in others:
                if p not in (x.requester, x.counterpart):
                    continue
                for d_new in (a.day, b.day):
                    for d_old in (x.requester_day, x.counterpart_day):
                        if abs((d_new - d_old).days) <= 1:
                            raise SWAP_CONSECUTIVE({"d_old": d_old, "d_new": d_new}, username=p, swap_id=x.id,
                                                   day=d_new.isoformat(), other_day=d_old.isoformat())
        for taker, given, taken in ((a.username, a, b), (b.username, b, a)):
            clash = await self.repo.clash(s, taker, given.id, taken.starts_at, taken.ends_at)
            if clash is not None:
                raise SWAP_OVERLAP({"day": clash.day, "day2": taken.day}, username=taker, conflicting_entry=clash.id)
            touching = await self.repo.touching(s, taker, given.id, taken.starts_at, taken.ends_at)
            if touching is not None:
                before = touching.ends_at == taken.starts_at
                raise (SWAP_BACK_TO_BACK_BEFORE if before else SWAP_BACK_TO_BACK_AFTER)(
                    {"day": touching.day, "day2": taken.day}, username=taker, conflicting_entry=touching.id)

    async def request(self, actor: Actor, roster_id: int, with_roster_id: int, reason: str = "") -> dict[str, Any]:
        async with self.repo.session() as s:
            a = await self._entry(s, roster_id, "roster_id")
            b = await self._entry(s, with_roster_id, "with_roster_id")
            if a.username != actor.username:
                raise SWAP_NOT_YOURS({"username": a.username}, roster_id=a.id)
            if b.username == actor.username:
                raise SWAP_WITH_SELF(field="with_roster_id")
            pending = await self.repo.pending_swap_of(s, a.id, b.id)
            if pending is not None:
                raise SWAP_PENDING(swap_id=pending)
            await self._check(s, a, b)
            x = SwapRequest(requester=a.username, counterpart=b.username, requester_roster_id=a.id,
                            counterpart_roster_id=b.id, requester_day=a.day, requester_template_id=a.template_id,
                            counterpart_day=b.day, counterpart_template_id=b.template_id, reason=reason.strip(),
                            status="pending", approvals=[], requested_at=self.clock.now())
            s.add(x)
            await s.commit()
            out = swap_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.swap.request", f"swap:{x.id}",
                         {"roster_id": a.id, "with_roster_id": b.id, "counterpart": b.username})
        return out

    async def _swap(self, s: AsyncSession, swap_id: int) -> SwapRequest:
        x = await self.repo.swap(s, swap_id)
        if x is None:
            raise SWAP_NOT_FOUND(swap_id=swap_id)
        return x

    @staticmethod
    def _pending(x: SwapRequest) -> None:
        if x.status != "pending":
            raise SWAP_DECIDED({"id": x.id}, status=x.status)

    async def approve(self, actor: Actor, swap_id: int, side: str | None = None, note: str = "") -> dict[str, Any]:
        """A team lead approves one side; the second side (another lead) completes the swap: the roster changes."""
        require(actor, ("supervisor", "admin"), "approving a swap")
        roster_change: dict[str, Any] | None = None
        async with self.repo.session() as s:
            x = await self._swap(s, swap_id)
            self._pending(x)
            if actor.username in (x.requester, x.counterpart):
                raise SWAP_OWN_SHIFT(swap_id=x.id)
            done = {ap["side"]: ap["by"] for ap in x.approvals}
            if actor.username in done.values():
                raise SWAP_SAME_APPROVER({"username": actor.username}, swap_id=x.id)
            if side is None:
                side = next(sd for sd in SIDES if sd not in done)
            elif side not in SIDES:
                raise UNKNOWN_SWAP_SIDE({"sides": list(SIDES)}, field="side")
            elif side in done:
                raise SWAP_SIDE_APPROVED({"done": done[side]}, side=side)
            a = await self.repo.entry(s, x.requester_roster_id)
            b = await self.repo.entry(s, x.counterpart_roster_id)
            if a is None or b is None or a.username != x.requester or b.username != x.counterpart:
                raise SWAP_ROSTER_CHANGED(swap_id=x.id)
            await self._check(s, a, b, exclude=x.id)
            now = self.clock.now()
            x.approvals = [*x.approvals, {"side": side, "by": actor.username, "at": iso(now), "note": note}]
            if len(x.approvals) == len(SIDES):
                names = await self.repo.template_names(s)
                before = [entry_out(a, None), entry_out(b, None)]
                a.username, b.username = x.counterpart, x.requester
                a.swap_id = b.swap_id = x.id
                a.updated_at = b.updated_at = now
                x.status = "approved"
                x.decided_by = actor.username
                x.decided_at = now
                roster_change = {"swap_id": x.id, "before": [{k: r[k] for k in ("id", "day", "template_id",
                                                                              "username")} for r in before],
                                 "after": [{"id": e.id, "day": e.day.isoformat(), "template_id": e.template_id,
                                            "shift": names.get(e.template_id), "username": e.username}
                                           for e in (a, b)]}
            await s.commit()
            out = swap_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.swap.approve", f"swap:{swap_id}", {"side": side, "note": note})
        if roster_change is not None:
            await self.audit(actor.username, "shifts.roster.swap", f"swap:{swap_id}", roster_change)
        return out

    async def reject(self, actor: Actor, swap_id: int, note: str = "") -> dict[str, Any]:
        require(actor, ("supervisor", "admin"), "rejecting a swap")
        async with self.repo.session() as s:
            x = await self._swap(s, swap_id)
            self._pending(x)
            x.status = "rejected"
            x.decided_by = actor.username
            x.decided_at = self.clock.now()
            x.decision_note = note
            await s.commit()
            out = swap_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.swap.reject", f"swap:{swap_id}", {"note": note})
        return out

    async def cancel(self, actor: Actor, swap_id: int) -> dict[str, Any]:
        """The requester withdraws, or the counterpart declines, a pending request."""
        async with self.repo.session() as s:
            x = await self._swap(s, swap_id)
            if actor.username not in (x.requester, x.counterpart):
                raise SWAP_WITHDRAW_NOT_OWN(swap_id=x.id)
            self._pending(x)
            x.status = "cancelled"
            x.decided_by = actor.username
            x.decided_at = self.clock.now()
            await s.commit()
            out = swap_out(x, await self.repo.template_names(s))
        await self.audit(actor.username, "shifts.swap.cancel", f"swap:{swap_id}", None)
        return out

    async def list(self, *, status: str | None = None, username: str | None = None, start: date | None = None,
                   end: date | None = None) -> list[dict[str, Any]]:
        async with self.repo.session() as s:
            names = await self.repo.template_names(s)
            return [swap_out(x, names) for x in await self.repo.swaps(s, status=status, username=username,
                                                                         start=start, end=end)]
