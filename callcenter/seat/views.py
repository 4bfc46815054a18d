"""What seat discipline reports: the agent's own state (``/api/seat/me``), an agent's away state as the board and
the desktop show it, the requests waiting for a team lead, the stored episodes and requests, the settings the
pages show. Reads only: the rules are in ``episodes.py`` (the away rule) and ``leave.py`` (leave-seat consent)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.acd.service import AgentService
from callcenter.auth.models import User
from callcenter.clock import Clock
from callcenter.seat.episodes import AwayRule, Episode, episode_public
from callcenter.seat.errors import DATE_TO_BEFORE_FROM, UNKNOWN_FINDING, UNKNOWN_REQUEST_STATUS
from callcenter.seat.leave import MAX_LEAVE_MINUTES, MIN_LEAVE_MINUTES, LeaveConsent, Request
from callcenter.seat.models import FINDINGS, REQUEST_STATUSES, AwayEpisode
from callcenter.seat.repository import SeatRepository
from callcenter.settings import SeatSettings


class SeatViews:
    """Seat discipline's answers, from the away rule's open episodes, the live requests and the stored rows."""

    def __init__(self, settings: SeatSettings, timezone: str, clock: Clock, repo: SeatRepository,
                 acd: AgentService, away: AwayRule, leave: LeaveConsent) -> None:
        self.settings = settings
        self.tz = ZoneInfo(timezone)
        self.clock = clock
        self.repo = repo
        self.acd = acd
        self.away = away
        self.leave = leave

    def pending_requests(self) -> list[dict[str, Any]]:
        """Requests waiting for a team lead (the wallboard's ``leave_requests``), oldest first."""
        return [r.public() for r in self.leave.pending()]

    def away_status(self, username: str, now: datetime | None = None) -> dict[str, Any] | None:
        """The agent's open episode as the board and the desktop show it, or None when not away. The level is
        worked out from the clock (so it is right between two checks); a recorded violation stays."""
        ep = self.away.open.get(username)
        if ep is None:
            return None
        now = now or self.clock.now()
        limit = self.away.limit(ep)
        warn = self.away.warning(limit)
        level = "violation" if ep.violation_at is not None or now >= limit else "warning" if now >= warn else "ok"
        req = self.leave.live_request(ep.approved_request_id)
        current = next((r for s, r in ep.active.items() if s != "phone"), None) or ep.active.get("phone", "")
        return {"episode_id": ep.id, "since": ep.started_at, "level": level, "reason": current,
                "sources": ep.sources, "reasons": ep.reasons, "active_sources": list(ep.active),
                "warning_at": warn, "limit_at": limit, "violation_at": ep.violation_at,
                "minutes": int((now - ep.started_at).total_seconds() // 60),
                "limit_minutes": round((limit - ep.started_at).total_seconds() / 60, 3),
                "approved_request_id": ep.approved_request_id,
                "approved_until": req.approved_until if req is not None else None}

    def me(self, user: User) -> dict[str, Any]:
        """The agent's own: logged in where, away now, the seat's phone, the live request, the settings."""
        a = self.acd.handling(user.username)
        return {"username": user.username, "logged_in": a is not None, "extension": a.extension if a else None,
                "away": self.away_status(user.username),
                "phone": self.away.phones.public(a.extension) if a is not None and a.extension else None,
                "requests": [r.public() for r in self.leave.live(user.username)],
                "settings": self.public_settings()}

    def public_settings(self) -> dict[str, Any]:
        return {"away_warning_minutes": self.away.warning_minutes,
                "away_violation_minutes": self.away.violation_minutes,
                "min_leave_minutes": MIN_LEAVE_MINUTES, "max_leave_minutes": MAX_LEAVE_MINUTES,
                "approval_valid_minutes": self.settings.approval_valid_minutes}

    def _local_day_start(self, d: date) -> datetime:
        return datetime.combine(d, time(0), self.tz)

    def episode_public(self, ep: Episode | AwayEpisode, now: datetime | None = None) -> dict[str, Any]:
        return episode_public(ep, self.tz, now or self.clock.now())

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
        return [(self.leave.live_request(r.id) or Request.of(r)).public() for r in rows]
