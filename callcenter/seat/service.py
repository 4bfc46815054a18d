"""Seat discipline: the away-from-desk rule (脱岗 20 minutes) and leave-seat consent.

Away time counts while an agent is logged in at a seat and

- paused for any reason the centre has not marked "not away" (source ``pause``): ``not_ready`` (after login)
  and every pause reason count unless their ``away`` flag is off; only ready, ringing, on a call and wrap-up
  (which ends by itself at the queue's configured time) are work. The auto-pause after unanswered rings, reason
  ``no_answer``, is source ``no_answer``; or
- the seat's phone is unreachable or unregistered (source ``phone``): PJSIP ``ContactStatus``
  Unreachable/Removed, ``DeviceStateChange``/``QueueMemberStatus`` UNAVAILABLE; back on Reachable/Created or any
  other known device state. The ACD's phones (``callcenter.acd.phones``) read those events and tell us
  (:meth:`SeatService.on_phone`); the agent rows show the same phone.

One continuous stretch away is one **episode**, whatever its causes along the way (paused away, then the phone
drops, then the agent goes ready while the phone is still down: one episode with sources ``pause,phone``). Each
episode is a row of ``away_episodes``, written when it starts, when its causes change, at the warning, at the
violation (at once, not at the end) and when it ends.

Thresholds (``settings.seat``): a warning at ``away_warning_minutes``, a violation at ``away_violation_minutes``
of one episode (19:59 is not a violation, 20:00 is). An approved leave-seat request covers one episode: its
approved time runs from the approval or from the start of the episode, whichever is later; the violation then
comes at the end of the approved time or at the normal threshold, whichever is later; the warning comes the same
5 minutes (violation − warning) before it.

Leaving the seat needs the lead's consent: an episode that ends under the violation threshold, lasted at least
``unapproved_absence_min_seconds`` and was not covered by an approved leave-seat request is recorded as an
``unapproved_absence`` finding (not a violation); an episode that reached the threshold is a ``violation``.

A checker runs every ``check_interval_seconds`` on the injected clock (:meth:`check`; unit tests call it after
moving a fake clock). After a restart, open episodes are resumed if the agent is still away (the phone's last
known state is assumed until Asterisk tells otherwise: the AMI (re)connect asks it), or closed at the logout time
(or when the agent came back).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.acd.phones import Phone
from callcenter.acd.service import Agent, AgentService
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.realtime.hub import Hub
from callcenter.realtime.notify import AwayKind, BoardNotifier, DecidedKind, DeskNotifier
from callcenter.seat.errors import (
    DATE_TO_BEFORE_FROM,
    LEAVE_MINUTES_OUT_OF_RANGE,
    LEAVE_REASON_MISSING,
    LEAVE_REQUEST_IN_USE,
    LEAVE_REQUEST_NOT_CANCELLABLE,
    LEAVE_REQUEST_NOT_FOUND,
    LEAVE_REQUEST_NOT_PENDING,
    LEAVE_REQUEST_OPEN,
    NOT_LOGGED_IN,
    NOT_OWN_LEAVE_REQUEST,
    OWN_LEAVE_REQUEST,
    UNKNOWN_FINDING,
    UNKNOWN_REQUEST_STATUS,
)
from callcenter.seat.models import FINDINGS, REQUEST_STATUSES, AwayEpisode, LeaveRequest
from callcenter.seat.repository import SeatRepository
from callcenter.settings import SeatSettings

log = logging.getLogger(__name__)

MIN_LEAVE_MINUTES, MAX_LEAVE_MINUTES = 1, 120

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]


@dataclass
class Episode:
    """An away episode (the ``away_episodes`` row) and, while open, its causes now (``active``: source → reason)."""

    user_id: int
    username: str
    extension: str | None
    started_at: datetime
    id: int | None = None
    ended_at: datetime | None = None
    reason: str = ""
    source: str = ""
    active_sources: str = ""
    warning_at: datetime | None = None
    violation_at: datetime | None = None
    limit_minutes: float | None = None
    approved_request_id: int | None = None
    end_reason: str = ""
    finding: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    active: dict[str, str] = field(default_factory=dict)
    saved: bool = False  # the row holds every change made so far (a failed write is retried by check())

    @property
    def sources(self) -> list[str]:
        return [x for x in self.source.split(",") if x]

    @property
    def reasons(self) -> list[str]:
        return [x for x in self.reason.split(",") if x]

    def values(self) -> dict[str, Any]:
        return {c.name: getattr(self, c.name) for c in AwayEpisode.__table__.columns if c.name != "id"}

    @classmethod
    def of(cls, row: AwayEpisode) -> Episode:
        ep = cls(**{c.name: getattr(row, c.name) for c in AwayEpisode.__table__.columns}, saved=True)
        ep.changes = list(row.changes or [])
        last = ep.changes[-1] if ep.changes else {}
        ep.active = dict(zip(last.get("sources", []), last.get("reasons", []), strict=False))
        return ep


@dataclass
class Request:
    """A leave-seat request (the ``leave_requests`` row). Live while pending or approved and not yet closed."""

    user_id: int
    username: str
    extension: str | None
    reason: str
    minutes: int
    created_at: datetime
    id: int | None = None
    status: str = "pending"
    decided_at: datetime | None = None
    decided_by: str | None = None
    approved_minutes: int | None = None
    note: str = ""
    episode_id: int | None = None
    used_from: datetime | None = None
    closed_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        return {c.name: getattr(self, c.name) for c in LeaveRequest.__table__.columns if c.name != "id"}

    @classmethod
    def of(cls, row: LeaveRequest) -> Request:
        return cls(**{c.name: getattr(row, c.name) for c in LeaveRequest.__table__.columns})

    @property
    def approved_until(self) -> datetime | None:
        if self.used_from is None or self.approved_minutes is None:
            return None
        return self.used_from + timedelta(minutes=self.approved_minutes)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "extension": self.extension, "reason": self.reason,
                "minutes": self.minutes, "status": self.status, "created_at": self.created_at,
                "decided_at": self.decided_at, "decided_by": self.decided_by,
                "approved_minutes": self.approved_minutes, "note": self.note, "episode_id": self.episode_id,
                "used_from": self.used_from, "approved_until": self.approved_until, "closed_at": self.closed_at}


class SeatService:
    """Tracks away episodes of the logged-in agents, records warnings and violations at their thresholds, pushes
    them to the agent's desktop (the wallboard reads :meth:`away_status` for its rows and ``away`` alerts), and
    runs leave-seat requests (ask, approve/reject by a team lead, cancel, lapse)."""

    def __init__(self, settings: SeatSettings, timezone: str, clock: Clock,
                 sessions: async_sessionmaker[AsyncSession],
                 acd: AgentService, hub: Hub, audit: Audit | None = None) -> None:
        self.settings = settings
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.repo = SeatRepository(sessions)
        self.acd = acd
        self.desk, self.board = DeskNotifier(hub), BoardNotifier(hub)  # what the desktops and boards are told
        self._audit = audit
        self.open: dict[str, Episode] = {}  # username → the open episode
        # the seats' phones are the ACD's (callcenter.acd.phones): read there, told of changes by on_phone
        self.phones = acd.phones
        self.requests: dict[int, Request] = {}  # live requests: pending, approved (unused or in use)
        self._unsaved: list[Episode] = []  # closed episodes whose last write failed
        self._watchers: list[Callable[[str], None]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.checks = 0

    def watch(self, watcher: Callable[[str], None]) -> None:
        """``watcher(username)`` after every change of that agent's away state or requests (the wallboard)."""
        self._watchers.append(watcher)

    def _changed(self, username: str) -> None:
        for w in self._watchers:
            try:
                w(username)
            except Exception:
                log.exception("seat watcher failed")

    # thresholds ------------------------------------------------------------------------------------------------
    @property
    def warning_minutes(self) -> float:
        return self.settings.away_warning_minutes

    @property
    def violation_minutes(self) -> float:
        return self.settings.away_violation_minutes

    def _limit(self, ep: Episode) -> datetime:
        """When this episode becomes a violation: the normal threshold, or the end of its approved time if later."""
        limit = ep.started_at + timedelta(minutes=self.violation_minutes)
        req = self.requests.get(ep.approved_request_id) if ep.approved_request_id else None
        until = req.approved_until if req is not None else None
        return max(limit, until) if until is not None else limit

    def _warning(self, limit: datetime) -> datetime:
        return limit - timedelta(minutes=self.violation_minutes - self.warning_minutes)

    # causes ----------------------------------------------------------------------------------------------------
    def _causes(self, a: Agent) -> dict[str, str]:
        """Why this agent counts as away now (source → reason); empty when at the desk or not logged in."""
        if a.state == "logged_out" or not a.extension:
            return {}
        out: dict[str, str] = {}
        # every pause counts (not_ready, a reason unknown or inactive by now) unless marked "not away"
        if a.state == "paused" and (a.reason or "not_ready") not in self.acd.not_away_reasons():
            out["no_answer" if a.reason == "no_answer" else "pause"] = a.reason or "not_ready"
        p = self.phones.get(a.extension)
        if p is not None and p.down:
            out["phone"] = f"phone_{p.why}"
        return out

    # the agent state machine and the seat's phone tell us ------------------------------------------------------
    async def on_agent(self, a: Agent, prev: str, ev: dict[str, Any]) -> None:
        if "device" in ev:
            # the ACD's notice that the seat's phone changed: on_phone hears of it too, with the phone's time
            return
        await self._update(a, a.since or self.clock.now())

    async def on_phone(self, p: Phone, before: Phone) -> None:
        """The phones' watcher (``Phones.watch``): a phone that went down or came back changes its agent's causes,
        from when the phone changed (or from the login, if later)."""
        if (p.down, p.why) == (before.down, before.why) or p.since is None:
            return
        a = self.acd.at_seat(p.extension)
        if a is not None:
            await self._update(a, max(p.since, a.logged_in_at or p.since))

    # episodes --------------------------------------------------------------------------------------------------
    async def _update(self, a: Agent, at: datetime) -> None:
        async with self._lock:
            await self._update_locked(a, at)

    async def _update_locked(self, a: Agent, at: datetime) -> None:
        ep = self.open.get(a.username)
        causes = self._causes(a)
        seated = a.state != "logged_out" and bool(a.extension)
        if not causes:
            if ep is not None:
                await self._close(ep, at, "back" if seated else "logout")
            if not seated:
                await self._lapse(a.username, at, "logged out")
            return
        if ep is None:
            ep = Episode(a.user_id, a.username, a.extension, at)
            self.open[a.username] = ep
            self._note(ep, causes, at)
            self._link_request(ep, at)
            await self._save(ep)
            self._push(ep, "away_started", at)
        elif causes != ep.active:
            self._note(ep, causes, at)
            await self._save(ep)
        else:
            return
        self._changed(a.username)

    @staticmethod
    def _note(ep: Episode, causes: dict[str, str], at: datetime) -> None:
        ep.active = dict(causes)
        ep.active_sources = ",".join(causes)
        ep.source = ",".join(dict.fromkeys([*ep.sources, *causes]))
        ep.reason = ",".join(dict.fromkeys([*ep.reasons, *causes.values()]))[:200]
        ep.changes = [*ep.changes, {"at": at.isoformat(), "sources": list(causes), "reasons": list(causes.values())}]
        ep.saved = False

    def _link_request(self, ep: Episode, at: datetime) -> None:
        """An approved request not used yet covers this episode, from now (or from the approval, if later)."""
        if ep.approved_request_id is not None or ep.violation_at is not None:
            return
        for req in self.requests.values():
            if req.username == ep.username and req.status == "approved" and req.used_from is None:
                req.episode_id = ep.id
                req.used_from = max(req.decided_at or at, ep.started_at)
                ep.approved_request_id = req.id
                ep.limit_minutes = (self._limit(ep) - ep.started_at).total_seconds() / 60
                ep.saved = False
                return

    def _finding_at_end(self, ep: Episode) -> str:
        """A violation stays one; a shorter episode without an approved request is an unapproved absence when it
        lasted at least ``unapproved_absence_min_seconds`` (leaving the seat needs the lead's consent)."""
        if ep.violation_at is not None:
            return "violation"
        if ep.approved_request_id is not None or ep.ended_at is None:
            return ""
        lasted = (ep.ended_at - ep.started_at).total_seconds()
        return "unapproved_absence" if lasted >= self.settings.unapproved_absence_min_seconds and lasted > 0 \
            else ""

    async def _close(self, ep: Episode, at: datetime, why: str) -> None:
        ep.ended_at = max(at, ep.started_at)
        limit = self._limit(ep)
        if ep.violation_at is None and ep.ended_at >= limit:
            # the checker had not come round (or was not running): it reached the threshold all the same
            ep.violation_at = limit
            ep.warning_at = ep.warning_at or self._warning(limit)
            log.warning("away violation: %s away since %s (%s), seen at its end", ep.username, ep.started_at,
                        ep.source)
        ep.end_reason = why
        ep.active = {}
        ep.active_sources = ""
        ep.limit_minutes = (self._limit(ep) - ep.started_at).total_seconds() / 60
        ep.finding = self._finding_at_end(ep)
        ep.saved = False
        self.open.pop(ep.username, None)
        req = self.requests.get(ep.approved_request_id) if ep.approved_request_id else None
        if ep.ended_at == ep.started_at and ep.violation_at is None:
            # no time away at all (e.g. logged in and made ready in the same instant): not a stretch away, not
            # kept; an approval it had taken covers the next episode instead
            await self._drop(ep, req)
            self._push(ep, "away_ended", ep.ended_at)
            self._changed(ep.username)
            return
        await self._save(ep)
        if req is not None:
            req.closed_at = ep.ended_at
            self.requests.pop(req.id or 0, None)
            await self._save_request(req)
        self._push(ep, "away_ended", ep.ended_at)
        self._changed(ep.username)

    async def _save(self, ep: Episode) -> None:
        """Write the episode (insert or update); a failure is logged and retried by the next check."""
        values = ep.values()
        try:
            if ep.id is None:
                ep.id = await self.repo.add_episode(values)
                req = self.requests.get(ep.approved_request_id) if ep.approved_request_id else None
                if req is not None and req.episode_id is None:
                    req.episode_id = ep.id
                    await self._save_request(req)
            else:
                await self.repo.change_episode(ep.id, values)
            ep.saved = True
        except Exception:
            log.exception("could not store away episode of %s; retried at the next check", ep.username)
            if ep.ended_at is not None and ep not in self._unsaved:
                self._unsaved.append(ep)

    async def _drop(self, ep: Episode, req: Request | None) -> None:
        """Forget an episode of no length: its row goes, a request it had taken is free again."""
        if req is not None:
            req.episode_id = None
            req.used_from = None
            ep.approved_request_id = None
        try:
            if ep.id is not None:
                await self.repo.delete_episode(ep.id)
            if req is not None:
                await self._save_request(req)
        except Exception:
            log.exception("could not remove the empty away episode of %s", ep.username)

    async def _save_request(self, req: Request) -> None:
        if req.id is None:
            req.id = await self.repo.add_request(req.values())
        else:
            await self.repo.change_request(req.id, req.values())

    # the checker -----------------------------------------------------------------------------------------------
    async def check(self) -> None:
        """Record warnings and violations whose threshold has come (at the threshold instant), lapse approvals
        not used in time, retry failed writes."""
        now = self.clock.now()
        self.checks += 1
        async with self._lock:
            for ep in list(self.open.values()):
                limit = self._limit(ep)
                warn = self._warning(limit)
                if ep.violation_at is None and now >= limit:
                    ep.violation_at = limit
                    ep.finding = "violation"
                    ep.warning_at = ep.warning_at or warn
                    ep.limit_minutes = (limit - ep.started_at).total_seconds() / 60
                    ep.saved = False
                    await self._save(ep)
                    log.warning("away violation: %s away since %s (%s)", ep.username, ep.started_at, ep.source)
                    self._push(ep, "away_violation", now)
                    self._changed(ep.username)
                elif ep.warning_at is None and ep.violation_at is None and now >= warn:
                    ep.warning_at = warn
                    ep.saved = False
                    await self._save(ep)
                    self._push(ep, "away_warning", now)
                    self._changed(ep.username)
                elif not ep.saved:
                    await self._save(ep)
            for ep in list(self._unsaved):
                await self._save(ep)
                if ep.saved:
                    self._unsaved.remove(ep)
            valid = timedelta(minutes=self.settings.approval_valid_minutes)
            for req in list(self.requests.values()):
                if req.status == "approved" and req.used_from is None and req.decided_at is not None \
                        and now >= req.decided_at + valid:
                    await self._end_request(req, "lapsed", now, "not used in time")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="seat-discipline")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.check_interval_seconds)
            try:
                await self.check()
            except Exception:
                log.exception("seat discipline check failed")

    # restart ---------------------------------------------------------------------------------------------------
    async def load(self) -> None:
        """After the agents' states are loaded (``AgentService.load``): resume open episodes of agents still away,
        close the others (at the logout time, or when the agent came back); live requests back in memory."""
        now = self.clock.now()
        rows, reqs = await self.repo.open_rows()
        self.requests = {r.id: Request.of(r) for r in reqs}
        statuses = {st.username: st for st in await self.acd.repo.statuses()}
        async with self._lock:
            for row in rows:
                ep = Episode.of(row)
                a = self.acd.handling(ep.username)
                if a is None:
                    st = statuses.get(ep.username)
                    out = st.since if st is not None and st.state == "logged_out" and st.since else now
                    self.open[ep.username] = ep
                    await self._close(ep, out, "logout")
                    continue
                phone = ep.active.get("phone")
                if phone and a.extension:
                    # the phone's last known state holds until Asterisk says otherwise (Phones.resync, events)
                    self.phones.assume_down(a.extension, phone.removeprefix("phone_"), ep.started_at)
                self.open[ep.username] = ep
                causes = self._causes(a)
                if not causes:
                    back = a.since if a.since is not None and a.since >= ep.started_at else now
                    await self._close(ep, back, "back")
                elif causes != ep.active:
                    self._note(ep, causes, now)
                    await self._save(ep)
            for a in self.acd.logged_in():  # away, but the episode was never stored (a crash in between)
                if a.username not in self.open:
                    await self._update_locked(a, a.since or now)
            for req in list(self.requests.values()):
                if self.acd.handling(req.username) is None:
                    st = statuses.get(req.username)
                    await self._end_request(req, "lapsed", st.since if st is not None and st.since else now,
                                            "logged out")

    # leave-seat requests ---------------------------------------------------------------------------------------
    def _live(self, username: str) -> list[Request]:
        return [r for r in self.requests.values() if r.username == username]

    async def _end_request(self, req: Request, status: str, at: datetime, why: str) -> None:
        req.status = status
        req.closed_at = at
        if why and status == "lapsed":
            req.note = (req.note + "; " if req.note else "") + why
        self.requests.pop(req.id or 0, None)
        await self._save_request(req)
        if status == "lapsed":
            self.desk.leave_lapsed(req.username, req.public(), f"your leave-seat request lapsed ({why})", at)
        self._changed(req.username)

    async def _lapse(self, username: str, at: datetime, why: str) -> None:
        for req in self._live(username):
            if req.status == "pending" or req.used_from is None:
                await self._end_request(req, "lapsed", at, why)

    async def request_leave(self, user: User, reason: str, minutes: int) -> dict[str, Any]:
        """An agent at a seat asks to leave it for ``minutes`` (1..120) because of ``reason``."""
        reason = reason.strip()
        if not reason:
            raise LEAVE_REASON_MISSING(field="reason")
        if not MIN_LEAVE_MINUTES <= minutes <= MAX_LEAVE_MINUTES:
            raise LEAVE_MINUTES_OUT_OF_RANGE({"min_leave_minutes": MIN_LEAVE_MINUTES,
                                             "max_leave_minutes": MAX_LEAVE_MINUTES, "minutes": minutes},
                                             field="minutes")
        a = self.acd.handling(user.username)
        if a is None:
            raise NOT_LOGGED_IN(state="logged_out")
        async with self._lock:
            live = self._live(user.username)
            if live:
                r = live[0]
                raise LEAVE_REQUEST_OPEN(request_id=r.id, status=r.status)
            req = Request(user.id, user.username, a.extension, reason[:500], minutes, self.clock.now())
            await self._save_request(req)
            assert req.id is not None
            self.requests[req.id] = req
        await self._audit_(user.username, "seat.leave_request", user.username,
                           {"request_id": req.id, "minutes": minutes, "reason": req.reason, "extension": a.extension})
        self._changed(user.username)
        return req.public()

    async def _get(self, request_id: int) -> Request:
        req = self.requests.get(request_id)
        if req is not None:
            return req
        row = await self.repo.request(request_id)
        if row is None:
            raise LEAVE_REQUEST_NOT_FOUND(request_id=request_id)
        return Request.of(row)

    async def _decidable(self, request_id: int, by: User) -> Request:
        req = await self._get(request_id)
        if req.status != "pending":
            raise LEAVE_REQUEST_NOT_PENDING({"request_id": request_id}, status=req.status)
        if req.username == by.username:
            raise OWN_LEAVE_REQUEST(request_id=request_id)
        return req

    async def approve(self, request_id: int, by: User, minutes: int | None = None, note: str = "") -> dict[str, Any]:
        """A team lead approves (for the asked minutes or ``minutes``). If the agent is already away, the approved
        time covers this episode from now; otherwise the next episode, from when it starts."""
        if minutes is not None and not MIN_LEAVE_MINUTES <= minutes <= MAX_LEAVE_MINUTES:
            raise LEAVE_MINUTES_OUT_OF_RANGE({"min_leave_minutes": MIN_LEAVE_MINUTES,
                                             "max_leave_minutes": MAX_LEAVE_MINUTES, "minutes": minutes},
                                             field="minutes")
        async with self._lock:
            req = await self._decidable(request_id, by)
            now = self.clock.now()
            req.status = "approved"
            req.decided_at = now
            req.decided_by = by.username
            req.approved_minutes = minutes or req.minutes
            req.note = note.strip()[:500]
            ep = self.open.get(req.username)
            if ep is not None:
                self._link_request(ep, now)
                if ep.approved_request_id == req.id:
                    await self._save(ep)
            await self._save_request(req)
        await self._decided(req, by, "seat.leave_approve", "leave_approved",
                            f"leave seat approved by {by.username} for {req.approved_minutes} min")
        return req.public()

    async def reject(self, request_id: int, by: User, note: str) -> dict[str, Any]:
        async with self._lock:
            req = await self._decidable(request_id, by)
            now = self.clock.now()
            req.status = "rejected"
            req.decided_at = req.closed_at = now
            req.decided_by = by.username
            req.note = note.strip()[:500]
            self.requests.pop(request_id, None)
            await self._save_request(req)
        await self._decided(req, by, "seat.leave_reject", "leave_rejected",
                            f"leave seat refused by {by.username}" + (f": {req.note}" if req.note else ""))
        return req.public()

    async def cancel(self, request_id: int, user: User) -> dict[str, Any]:
        """The agent withdraws their own request (pending, or approved and not used yet)."""
        async with self._lock:
            req = await self._get(request_id)
            if req.username != user.username:
                raise NOT_OWN_LEAVE_REQUEST(request_id=request_id)
            if req.id not in self.requests or req.used_from is not None:
                raise (LEAVE_REQUEST_IN_USE if req.used_from is not None else LEAVE_REQUEST_NOT_CANCELLABLE)(
                {"request_id": request_id}, status=req.status)
            await self._end_request(req, "cancelled", self.clock.now(), "")
        await self._audit_(user.username, "seat.leave_cancel", user.username, {"request_id": request_id})
        return req.public()

    async def _decided(self, req: Request, by: User, action: str, kind: DecidedKind, text: str) -> None:
        await self._audit_(by.username, action, req.username,
                           {"request_id": req.id, "minutes": req.minutes, "approved_minutes": req.approved_minutes,
                            "note": req.note, "reason": req.reason})
        at = req.decided_at
        self.desk.leave_decided(req.username, kind, req.public(), by.username, req.note, text, at)
        self.board.notice(action, by.username, req.username, text, at, request_id=req.id)
        self._changed(req.username)

    async def _audit_(self, by: str, action: str, agent: str, detail: dict[str, Any]) -> None:
        if self._audit is not None:
            await self._audit(by, action, f"agent:{agent}", detail)

    # reads -----------------------------------------------------------------------------------------------------
    def pending_requests(self) -> list[dict[str, Any]]:
        """Requests waiting for a team lead (the wallboard's ``leave_requests``), oldest first."""
        return [r.public() for r in sorted(self.requests.values(), key=lambda r: r.created_at)
                if r.status == "pending"]

    def away_status(self, username: str, now: datetime | None = None) -> dict[str, Any] | None:
        """The agent's open episode as the board and the desktop show it, or None when not away. The level is
        worked out from the clock (so it is right between two checks); a recorded violation stays."""
        ep = self.open.get(username)
        if ep is None:
            return None
        now = now or self.clock.now()
        limit = self._limit(ep)
        warn = self._warning(limit)
        level = "violation" if ep.violation_at is not None or now >= limit else "warning" if now >= warn else "ok"
        req = self.requests.get(ep.approved_request_id) if ep.approved_request_id else None
        current = next((r for s, r in ep.active.items() if s != "phone"), None) or ep.active.get("phone", "")
        return {"episode_id": ep.id, "since": ep.started_at, "level": level, "reason": current,
                "sources": ep.sources, "reasons": ep.reasons, "active_sources": list(ep.active),
                "warning_at": warn, "limit_at": limit, "violation_at": ep.violation_at,
                "minutes": int((now - ep.started_at).total_seconds() // 60),
                "limit_minutes": round((limit - ep.started_at).total_seconds() / 60, 3),
                "approved_request_id": ep.approved_request_id,
                "approved_until": req.approved_until if req is not None else None}

    def me(self, user: User) -> dict[str, Any]:
        a = self.acd.handling(user.username)
        return {"username": user.username, "logged_in": a is not None, "extension": a.extension if a else None,
                "away": self.away_status(user.username),
                "phone": self.phones.public(a.extension) if a is not None and a.extension else None,
                "requests": [r.public() for r in self._live(user.username)],
                "settings": self.public_settings()}

    def public_settings(self) -> dict[str, Any]:
        return {"away_warning_minutes": self.warning_minutes, "away_violation_minutes": self.violation_minutes,
                "min_leave_minutes": MIN_LEAVE_MINUTES, "max_leave_minutes": MAX_LEAVE_MINUTES,
                "approval_valid_minutes": self.settings.approval_valid_minutes}

    def _local_day_start(self, d: date) -> datetime:
        return datetime.combine(d, time(0), self.tz)

    def episode_public(self, ep: Episode | AwayEpisode, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.clock.now()
        end = ep.ended_at or now
        return {"id": ep.id, "username": ep.username, "extension": ep.extension, "started_at": ep.started_at,
                "ended_at": ep.ended_at, "open": ep.ended_at is None,
                "local_date": ep.started_at.astimezone(self.tz).date().isoformat(),
                "duration_seconds": round((end - ep.started_at).total_seconds(), 3),
                "reason": ep.reason, "source": ep.source, "sources": [x for x in ep.source.split(",") if x],
                "active_sources": [x for x in ep.active_sources.split(",") if x],
                "warning_at": ep.warning_at, "violation_at": ep.violation_at, "violation": ep.violation_at is not None,
                "limit_minutes": ep.limit_minutes, "approved_request_id": ep.approved_request_id,
                "end_reason": ep.end_reason, "finding": ep.finding or None,
                "unapproved_absence": ep.finding == "unapproved_absence", "changes": ep.changes}

    async def episodes(self, username: str | None = None, date_from: date | None = None,
                       date_to: date | None = None, violations_only: bool = False,
                       limit: int = 1000, finding: str | None = None) -> list[dict[str, Any]]:
        """Stored episodes, newest first; ``date_from``/``date_to`` (inclusive) are days in the centre's timezone
        and select by the day the episode started (an episode across midnight belongs to its start day);
        ``finding`` (``violation`` / ``unapproved_absence``) selects by what the episode amounts to."""
        if finding is not None and finding not in FINDINGS:
            raise UNKNOWN_FINDING({"findings": list(FINDINGS), "finding": finding}, field="finding")
        if date_from is not None and date_to is not None and date_to < date_from:
            raise DATE_TO_BEFORE_FROM({"date_to": date_to, "date_from": date_from}, field="date_to")
        rows = await self.repo.episodes(
            username=username, since=None if date_from is None else self._local_day_start(date_from),
            before=None if date_to is None else self._local_day_start(date_to + timedelta(days=1)),
            violations_only=violations_only, finding=finding, limit=limit)
        now = self.clock.now()
        return [self.episode_public(r, now) for r in rows]

    async def list_requests(self, status: str | None = None, username: str | None = None,
                            limit: int = 500) -> list[dict[str, Any]]:
        """Leave-seat requests, newest first (``status`` one of pending/approved/rejected/cancelled/lapsed)."""
        if status is not None and status not in REQUEST_STATUSES:
            raise UNKNOWN_REQUEST_STATUS({"request_statuses": list(REQUEST_STATUSES), "status": status}, field="status")
        rows = await self.repo.requests(status=status, username=username, limit=limit)
        return [(self.requests.get(r.id) or Request.of(r)).public() for r in rows]

    def _push(self, ep: Episode, kind: AwayKind, at: datetime) -> None:
        """Tell the agent's desktop (``discipline`` message)."""
        limit = self._limit(ep)
        minutes = round((at - ep.started_at).total_seconds() / 60, 3)
        text = {"away_started": "away from the desk: the time counts",
                "away_ended": "back at the desk",
                "away_warning": f"away {minutes:g} min: a violation at {self.violation_minutes:g} min",
                "away_violation": f"away {minutes:g} min: recorded as a seat-discipline violation"}[kind]
        self.desk.away(ep.username, kind, self.episode_public(ep, at), minutes,
                       round((limit - ep.started_at).total_seconds() / 60, 3), text, at)
