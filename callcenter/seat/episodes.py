"""The away-from-desk rule (脱岗 20 minutes): away episodes, their warning and violation.

Away time counts while an agent is logged in at a seat and

- paused for any reason the centre has not marked "not away" (source ``pause``): ``not_ready`` (after login)
  and every pause reason count unless their ``away`` flag is off; only ready, ringing, on a call and wrap-up
  (which ends by itself at the queue's configured time) are work. The auto-pause after unanswered rings, reason
  ``no_answer``, is source ``no_answer``; or
- the seat's phone is unreachable or unregistered (source ``phone``): PJSIP ``ContactStatus``
  Unreachable/Removed, ``DeviceStateChange``/``QueueMemberStatus`` UNAVAILABLE; back on Reachable/Created or any
  other known device state. The ACD's phones (``callcenter.acd.phones``) read those events and tell us
  (:meth:`AwayRule.on_phone`); the agent rows show the same phone.

One continuous stretch away is one **episode**, whatever its causes along the way (paused away, then the phone
drops, then the agent goes ready while the phone is still down: one episode with sources ``pause,phone``). Each
episode is a row of ``away_episodes``, written when it starts, when its causes change, at the warning, at the
violation (at once, not at the end) and when it ends.

Thresholds (``settings.seat``): a warning at ``away_warning_minutes``, a violation at ``away_violation_minutes``
of one episode (19:59 is not a violation, 20:00 is). An approved leave-seat request (``callcenter.seat.leave``)
covers one episode: its approved time runs from the approval or from the start of the episode, whichever is
later; the violation then comes at the end of the approved time or at the normal threshold, whichever is later;
the warning comes the same 5 minutes (violation − warning) before it.

An episode that ends under the violation threshold, lasted at least ``unapproved_absence_min_seconds`` and was not
covered by an approved leave-seat request is recorded as an ``unapproved_absence`` finding (not a violation); an
episode that reached the threshold is a ``violation``.

The periodic check (:meth:`AwayRule.check`, run by ``callcenter.seat.checker`` on the injected clock; unit tests
call it after moving a fake clock) records the thresholds. After a restart, open episodes are resumed if the agent
is still away (the phone's last known state is assumed until Asterisk tells otherwise: the AMI (re)connect asks
it), or closed at the logout time (or when the agent came back): :meth:`AwayRule.resume`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.acd.phones import Phone
from callcenter.acd.service import Agent, AgentService
from callcenter.clock import Clock
from callcenter.realtime.notify import AwayKind, DeskNotifier
from callcenter.seat.changes import SeatChanges
from callcenter.seat.leave import LeaveConsent, Request
from callcenter.seat.models import AwayEpisode
from callcenter.seat.repository import SeatRepository
from callcenter.settings import SeatSettings

log = logging.getLogger(__name__)


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


def episode_public(ep: Episode | AwayEpisode, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """An episode (live or stored) as the API and the desktop's ``discipline`` messages show it."""
    end = ep.ended_at or now
    return {"id": ep.id, "username": ep.username, "extension": ep.extension, "started_at": ep.started_at,
            "ended_at": ep.ended_at, "open": ep.ended_at is None,
            "local_date": ep.started_at.astimezone(tz).date().isoformat(),
            "duration_seconds": round((end - ep.started_at).total_seconds(), 3),
            "reason": ep.reason, "source": ep.source, "sources": [x for x in ep.source.split(",") if x],
            "active_sources": [x for x in ep.active_sources.split(",") if x],
            "warning_at": ep.warning_at, "violation_at": ep.violation_at, "violation": ep.violation_at is not None,
            "limit_minutes": ep.limit_minutes, "approved_request_id": ep.approved_request_id,
            "end_reason": ep.end_reason, "finding": ep.finding or None,
            "unapproved_absence": ep.finding == "unapproved_absence", "changes": ep.changes}


class AwayRule:
    """Tracks away episodes of the logged-in agents (told by the ACD's listeners and the phones' watcher), records
    warnings and violations at their thresholds and pushes them to the agent's desktop. ``lock`` is seat
    discipline's one lock (shared with the leave-seat consent)."""

    def __init__(self, settings: SeatSettings, timezone: str, clock: Clock, repo: SeatRepository,
                 acd: AgentService, leave: LeaveConsent, desk: DeskNotifier, changes: SeatChanges,
                 lock: asyncio.Lock) -> None:
        self.settings = settings
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.repo = repo
        self.acd = acd
        self.leave = leave
        self.desk = desk
        self.changes = changes
        self.lock = lock
        self.open: dict[str, Episode] = {}  # username → the open episode
        # the seats' phones are the ACD's (callcenter.acd.phones): read there, told of changes by on_phone
        self.phones = acd.phones
        self._unsaved: list[Episode] = []  # closed episodes whose last write failed

    # thresholds ------------------------------------------------------------------------------------------------
    @property
    def warning_minutes(self) -> float:
        return self.settings.away_warning_minutes

    @property
    def violation_minutes(self) -> float:
        return self.settings.away_violation_minutes

    def limit(self, ep: Episode) -> datetime:
        """When this episode becomes a violation: the normal threshold, or the end of its approved time if later."""
        limit = ep.started_at + timedelta(minutes=self.violation_minutes)
        req = self.leave.live_request(ep.approved_request_id)
        until = req.approved_until if req is not None else None
        return max(limit, until) if until is not None else limit

    def warning(self, limit: datetime) -> datetime:
        """When the warning comes for a violation at ``limit``."""
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
        """The ACD's listener (``AgentService.listen``)."""
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

    async def cover(self, req: Request, at: datetime) -> None:
        """The leave-seat consent's listener (``LeaveConsent.on_approved``, under the lock): an approval given
        while the agent is away covers the episode in progress, from now."""
        ep = self.open.get(req.username)
        if ep is not None:
            self._link_request(ep, at)
            if ep.approved_request_id == req.id:
                await self._save(ep)

    # episodes --------------------------------------------------------------------------------------------------
    async def _update(self, a: Agent, at: datetime) -> None:
        async with self.lock:
            await self._update_locked(a, at)

    async def _update_locked(self, a: Agent, at: datetime) -> None:
        ep = self.open.get(a.username)
        causes = self._causes(a)
        seated = a.state != "logged_out" and bool(a.extension)
        if not causes:
            if ep is not None:
                await self._close(ep, at, "back" if seated else "logout")
            if not seated:
                await self.leave.lapse(a.username, at, "logged out")
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
        self.changes.changed(a.username)

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
        req = self.leave.unused_approval(ep.username)
        if req is not None:
            req.episode_id = ep.id
            req.used_from = max(req.decided_at or at, ep.started_at)
            ep.approved_request_id = req.id
            ep.limit_minutes = (self.limit(ep) - ep.started_at).total_seconds() / 60
            ep.saved = False

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
        limit = self.limit(ep)
        if ep.violation_at is None and ep.ended_at >= limit:
            # the checker had not come round (or was not running): it reached the threshold all the same
            ep.violation_at = limit
            ep.warning_at = ep.warning_at or self.warning(limit)
            log.warning("away violation: %s away since %s (%s), seen at its end", ep.username, ep.started_at,
                        ep.source)
        ep.end_reason = why
        ep.active = {}
        ep.active_sources = ""
        ep.limit_minutes = (self.limit(ep) - ep.started_at).total_seconds() / 60
        ep.finding = self._finding_at_end(ep)
        ep.saved = False
        self.open.pop(ep.username, None)
        req = self.leave.live_request(ep.approved_request_id)
        if ep.ended_at == ep.started_at and ep.violation_at is None:
            # no time away at all (e.g. logged in and made ready in the same instant): not a stretch away, not
            # kept; an approval it had taken covers the next episode instead
            await self._drop(ep, req)
            self._push(ep, "away_ended", ep.ended_at)
            self.changes.changed(ep.username)
            return
        await self._save(ep)
        if req is not None:
            await self.leave.close_used(req, ep.ended_at)
        self._push(ep, "away_ended", ep.ended_at)
        self.changes.changed(ep.username)

    async def _save(self, ep: Episode) -> None:
        """Write the episode (insert or update); a failure is logged and retried by the next check."""
        values = ep.values()
        try:
            if ep.id is None:
                ep.id = await self.repo.add_episode(values)
                req = self.leave.live_request(ep.approved_request_id)
                if req is not None and req.episode_id is None:
                    req.episode_id = ep.id
                    await self.leave.save(req)
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
                await self.leave.save(req)
        except Exception:
            log.exception("could not remove the empty away episode of %s", ep.username)

    # the periodic check ----------------------------------------------------------------------------------------
    async def check(self) -> None:
        """Record warnings and violations whose threshold has come (at the threshold instant), retry failed
        writes."""
        now = self.clock.now()
        async with self.lock:
            for ep in list(self.open.values()):
                limit = self.limit(ep)
                warn = self.warning(limit)
                if ep.violation_at is None and now >= limit:
                    ep.violation_at = limit
                    ep.finding = "violation"
                    ep.warning_at = ep.warning_at or warn
                    ep.limit_minutes = (limit - ep.started_at).total_seconds() / 60
                    ep.saved = False
                    await self._save(ep)
                    log.warning("away violation: %s away since %s (%s)", ep.username, ep.started_at, ep.source)
                    self._push(ep, "away_violation", now)
                    self.changes.changed(ep.username)
                elif ep.warning_at is None and ep.violation_at is None and now >= warn:
                    ep.warning_at = warn
                    ep.saved = False
                    await self._save(ep)
                    self._push(ep, "away_warning", now)
                    self.changes.changed(ep.username)
                elif not ep.saved:
                    await self._save(ep)
            for ep in list(self._unsaved):
                await self._save(ep)
                if ep.saved:
                    self._unsaved.remove(ep)

    # restart ---------------------------------------------------------------------------------------------------
    async def resume(self, rows: list[AwayEpisode], logged_out_at: Callable[[str], datetime | None],
                     now: datetime) -> None:
        """After the agents' states are loaded (``AgentService.load``) and the live requests restored: resume
        the stored open episodes of agents still away, close the others (at the logout time ``logged_out_at``
        gives, or when the agent came back); an agent away without a stored episode (a crash in between) gets
        one. The caller holds the lock."""
        for row in rows:
            ep = Episode.of(row)
            a = self.acd.handling(ep.username)
            if a is None:
                self.open[ep.username] = ep
                await self._close(ep, logged_out_at(ep.username) or now, "logout")
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

    def _push(self, ep: Episode, kind: AwayKind, at: datetime) -> None:
        """Tell the agent's desktop (``discipline`` message)."""
        limit = self.limit(ep)
        minutes = round((at - ep.started_at).total_seconds() / 60, 3)
        text = {"away_started": "away from the desk: the time counts",
                "away_ended": "back at the desk",
                "away_warning": f"away {minutes:g} min: a violation at {self.violation_minutes:g} min",
                "away_violation": f"away {minutes:g} min: recorded as a seat-discipline violation"}[kind]
        self.desk.away(ep.username, kind, episode_public(ep, self.tz, at), minutes,
                       round((limit - ep.started_at).total_seconds() / 60, 3), text, at)
