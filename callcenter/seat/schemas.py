"""Seat discipline's response models: leave-seat requests (``Request.public``), away episodes
(``SeatService.episode_public``) and the agent's own away state (``SeatService.me``)."""

from __future__ import annotations

from pydantic import BaseModel

from callcenter.schema_types import AsIsDateTime


class LeaveRequestOut(BaseModel):
    id: int
    username: str
    extension: str | None
    reason: str
    minutes: int
    status: str  # pending | approved | rejected | cancelled | lapsed
    created_at: AsIsDateTime
    decided_at: AsIsDateTime | None
    decided_by: str | None
    approved_minutes: int | None
    note: str
    episode_id: int | None
    used_from: AsIsDateTime | None
    approved_until: AsIsDateTime | None
    closed_at: AsIsDateTime | None


class EpisodeChange(BaseModel):
    """What made the agent away from ``at`` on: each active source with its reason."""

    at: str
    sources: list[str]
    reasons: list[str]


class EpisodeOut(BaseModel):
    id: int | None
    username: str
    extension: str | None
    started_at: AsIsDateTime
    ended_at: AsIsDateTime | None
    open: bool
    local_date: str  # the day it started, in the centre's timezone
    duration_seconds: float
    reason: str
    source: str
    sources: list[str]
    active_sources: list[str]
    warning_at: AsIsDateTime | None
    violation_at: AsIsDateTime | None
    violation: bool
    limit_minutes: float | None
    approved_request_id: int | None
    end_reason: str
    finding: str | None
    unapproved_absence: bool
    changes: list[EpisodeChange]


class AwayStatusOut(BaseModel):
    """The agent's open away episode as the board and the desktop show it (``SeatService.away_status``)."""

    episode_id: int | None
    since: AsIsDateTime
    level: str  # ok | warning | violation
    reason: str
    sources: list[str]
    reasons: list[str]
    active_sources: list[str]
    warning_at: AsIsDateTime
    limit_at: AsIsDateTime
    violation_at: AsIsDateTime | None
    minutes: int
    limit_minutes: float
    approved_request_id: int | None
    approved_until: AsIsDateTime | None


class PhoneOut(BaseModel):
    reachable: bool
    why: str
    contact_status: str
    since: AsIsDateTime | None


class SeatSettingsOut(BaseModel):
    away_warning_minutes: float
    away_violation_minutes: float
    min_leave_minutes: int
    max_leave_minutes: int
    approval_valid_minutes: float


class SeatMeOut(BaseModel):
    username: str
    logged_in: bool
    extension: str | None
    away: AwayStatusOut | None
    phone: PhoneOut | None
    requests: list[LeaveRequestOut]
    settings: SeatSettingsOut
