"""Leave-seat consent: leaving the seat needs the team lead's consent.

An agent at a seat asks (a reason and 1..120 minutes; one live request at a time); a team lead — never the
requester — approves (for the asked minutes or others) or rejects with a note; the agent may cancel while the
request is pending or approved and not used yet. An approved request covers one away episode (the away rule,
``callcenter.seat.episodes``, takes it: :meth:`LeaveConsent.unused_approval`) and is closed with it. A request
lapses when the agent logs out while it is pending or unused, and when an approval is not used within
``approval_valid_minutes`` (:meth:`LeaveConsent.check`).

The live requests (pending, approved and not closed) are held in memory (:attr:`LeaveConsent.requests`) and
written through ``SeatRepository`` at every change. Decisions are audited and told to the agent's desktop and
the boards (``DeskNotifier``, ``BoardNotifier``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from callcenter.acd.service import AgentService
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.realtime.notify import BoardNotifier, DecidedKind, DeskNotifier
from callcenter.seat.changes import SeatChanges
from callcenter.seat.errors import (
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
)
from callcenter.seat.models import LeaveRequest
from callcenter.seat.repository import SeatRepository
from callcenter.settings import SeatSettings

MIN_LEAVE_MINUTES, MAX_LEAVE_MINUTES = 1, 120

Audit = Callable[[str, str, str, dict[str, Any] | None], Awaitable[None]]
# told of an approval while the lock is held, before the request is written: the away rule lets it cover the
# episode in progress, if any
Approved = Callable[["Request", datetime], Awaitable[None]]


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


def _check_minutes(minutes: int) -> None:
    if not MIN_LEAVE_MINUTES <= minutes <= MAX_LEAVE_MINUTES:
        raise LEAVE_MINUTES_OUT_OF_RANGE({"min_leave_minutes": MIN_LEAVE_MINUTES,
                                         "max_leave_minutes": MAX_LEAVE_MINUTES, "minutes": minutes},
                                         field="minutes")


class LeaveConsent:
    """Leave-seat requests: ask, approve/reject by a team lead, cancel, lapse. ``lock`` is seat discipline's one
    lock (shared with the away rule: an approval and an episode's change never interleave)."""

    def __init__(self, settings: SeatSettings, clock: Clock, repo: SeatRepository, acd: AgentService,
                 desk: DeskNotifier, board: BoardNotifier, changes: SeatChanges, lock: asyncio.Lock,
                 audit: Audit | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.repo = repo
        self.acd = acd
        self.desk, self.board = desk, board
        self.changes = changes
        self.lock = lock
        self._audit = audit
        self.requests: dict[int, Request] = {}  # live requests: pending, approved (unused or in use)
        self._approved: list[Approved] = []

    def on_approved(self, listener: Approved) -> None:
        """``await listener(request, now)`` at every approval, under the lock, before the request is written."""
        self._approved.append(listener)

    # the live requests -----------------------------------------------------------------------------------------
    def live(self, username: str) -> list[Request]:
        """That agent's live requests (at most one)."""
        return [r for r in self.requests.values() if r.username == username]

    def live_request(self, request_id: int | None) -> Request | None:
        return self.requests.get(request_id) if request_id else None

    def unused_approval(self, username: str) -> Request | None:
        """That agent's approved request not used by an episode yet."""
        return next((r for r in self.requests.values()
                     if r.username == username and r.status == "approved" and r.used_from is None), None)

    def pending(self) -> list[Request]:
        """Requests waiting for a team lead, oldest first."""
        return [r for r in sorted(self.requests.values(), key=lambda r: r.created_at) if r.status == "pending"]

    async def save(self, req: Request) -> None:
        if req.id is None:
            req.id = await self.repo.add_request(req.values())
        else:
            await self.repo.change_request(req.id, req.values())

    async def close_used(self, req: Request, at: datetime) -> None:
        """The episode the request covered ended: so does the request."""
        req.closed_at = at
        self.requests.pop(req.id or 0, None)
        await self.save(req)

    async def _end(self, req: Request, status: str, at: datetime, why: str) -> None:
        req.status = status
        req.closed_at = at
        if why and status == "lapsed":
            req.note = (req.note + "; " if req.note else "") + why
        self.requests.pop(req.id or 0, None)
        await self.save(req)
        if status == "lapsed":
            self.desk.leave_lapsed(req.username, req.public(), f"your leave-seat request lapsed ({why})", at)
        self.changes.changed(req.username)

    async def lapse(self, username: str, at: datetime, why: str) -> None:
        """The agent's pending or unused requests lapse (the caller holds the lock)."""
        for req in self.live(username):
            if req.status == "pending" or req.used_from is None:
                await self._end(req, "lapsed", at, why)

    # the periodic check and the restart ------------------------------------------------------------------------
    async def check(self) -> None:
        """Approvals not used within ``approval_valid_minutes`` lapse."""
        now = self.clock.now()
        valid = timedelta(minutes=self.settings.approval_valid_minutes)
        async with self.lock:
            for req in list(self.requests.values()):
                if req.status == "approved" and req.used_from is None and req.decided_at is not None \
                        and now >= req.decided_at + valid:
                    await self._end(req, "lapsed", now, "not used in time")

    def restore(self, rows: list[LeaveRequest]) -> None:
        """After a restart: the live requests as stored."""
        self.requests = {r.id: Request.of(r) for r in rows}

    async def lapse_logged_out(self, logged_out_at: Callable[[str], datetime]) -> None:
        """After a restart: live requests of agents no longer logged in lapse at their logout time (the caller
        holds the lock)."""
        for req in list(self.requests.values()):
            if self.acd.handling(req.username) is None:
                await self._end(req, "lapsed", logged_out_at(req.username), "logged out")

    # the agent asks, a team lead decides -----------------------------------------------------------------------
    async def request_leave(self, user: User, reason: str, minutes: int) -> dict[str, Any]:
        """An agent at a seat asks to leave it for ``minutes`` (1..120) because of ``reason``."""
        reason = reason.strip()
        if not reason:
            raise LEAVE_REASON_MISSING(field="reason")
        _check_minutes(minutes)
        a = self.acd.handling(user.username)
        if a is None:
            raise NOT_LOGGED_IN(state="logged_out")
        async with self.lock:
            live = self.live(user.username)
            if live:
                r = live[0]
                raise LEAVE_REQUEST_OPEN(request_id=r.id, status=r.status)
            req = Request(user.id, user.username, a.extension, reason[:500], minutes, self.clock.now())
            await self.save(req)
            assert req.id is not None
            self.requests[req.id] = req
        await self._audit_(user.username, "seat.leave_request", user.username,
                           {"request_id": req.id, "minutes": minutes, "reason": req.reason, "extension": a.extension})
        self.changes.changed(user.username)
        return req.public()

    async def get(self, request_id: int) -> Request:
        """The live request, or the stored one; an unknown id is refused."""
        req = self.requests.get(request_id)
        if req is not None:
            return req
        row = await self.repo.request(request_id)
        if row is None:
            raise LEAVE_REQUEST_NOT_FOUND(request_id=request_id)
        return Request.of(row)

    async def _decidable(self, request_id: int, by: User) -> Request:
        req = await self.get(request_id)
        if req.status != "pending":
            raise LEAVE_REQUEST_NOT_PENDING({"request_id": request_id}, status=req.status)
        if req.username == by.username:
            raise OWN_LEAVE_REQUEST(request_id=request_id)
        return req

    async def approve(self, request_id: int, by: User, minutes: int | None = None, note: str = "") -> dict[str, Any]:
        """A team lead approves (for the asked minutes or ``minutes``). If the agent is already away, the approved
        time covers this episode from now; otherwise the next episode, from when it starts."""
        if minutes is not None:
            _check_minutes(minutes)
        async with self.lock:
            req = await self._decidable(request_id, by)
            now = self.clock.now()
            req.status = "approved"
            req.decided_at = now
            req.decided_by = by.username
            req.approved_minutes = minutes or req.minutes
            req.note = note.strip()[:500]
            for listener in self._approved:
                await listener(req, now)
            await self.save(req)
        await self._decided(req, by, "seat.leave_approve", "leave_approved",
                            f"leave seat approved by {by.username} for {req.approved_minutes} min")
        return req.public()

    async def reject(self, request_id: int, by: User, note: str) -> dict[str, Any]:
        async with self.lock:
            req = await self._decidable(request_id, by)
            now = self.clock.now()
            req.status = "rejected"
            req.decided_at = req.closed_at = now
            req.decided_by = by.username
            req.note = note.strip()[:500]
            self.requests.pop(request_id, None)
            await self.save(req)
        await self._decided(req, by, "seat.leave_reject", "leave_rejected",
                            f"leave seat refused by {by.username}" + (f": {req.note}" if req.note else ""))
        return req.public()

    async def cancel(self, request_id: int, user: User) -> dict[str, Any]:
        """The agent withdraws their own request (pending, or approved and not used yet)."""
        async with self.lock:
            req = await self.get(request_id)
            if req.username != user.username:
                raise NOT_OWN_LEAVE_REQUEST(request_id=request_id)
            if req.id not in self.requests or req.used_from is not None:
                raise (LEAVE_REQUEST_IN_USE if req.used_from is not None else LEAVE_REQUEST_NOT_CANCELLABLE)(
                {"request_id": request_id}, status=req.status)
            await self._end(req, "cancelled", self.clock.now(), "")
        await self._audit_(user.username, "seat.leave_cancel", user.username, {"request_id": request_id})
        return req.public()

    async def _decided(self, req: Request, by: User, action: str, kind: DecidedKind, text: str) -> None:
        await self._audit_(by.username, action, req.username,
                           {"request_id": req.id, "minutes": req.minutes, "approved_minutes": req.approved_minutes,
                            "note": req.note, "reason": req.reason})
        at = req.decided_at
        self.desk.leave_decided(req.username, kind, req.public(), by.username, req.note, text, at)
        self.board.notice(action, by.username, req.username, text, at, request_id=req.id)
        self.changes.changed(req.username)

    async def _audit_(self, by: str, action: str, agent: str, detail: dict[str, Any]) -> None:
        if self._audit is not None:
            await self._audit(by, action, f"agent:{agent}", detail)
