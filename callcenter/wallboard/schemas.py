"""The wallboard's response models: the snapshot a board starts from (``Board.snapshot``; later deltas over
``/ws/board`` build on it) and the answers to the supervisor's actions.

Some keys exist only in some rows (a queue's ``labels`` but not the totals', a window's ``start`` but not the
sliding hour's, the away details only with seat discipline): the snapshot route leaves unset keys out
(``response_model_exclude_unset``), so the board gets the keys the service built and no others."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from callcenter.acd.schemas import AgentOut, NodeLabel, PauseReasonOut
from callcenter.schema_types import AsIsDateTime, AsIsJsonObject
from callcenter.seat.schemas import LeaveRequestOut


class WindowOut(BaseModel):
    """One window's figures (definitions in docs/wallboard.md)."""

    offered: int
    answered: int
    abandoned: int
    timed_out: int
    answered_in_sl: int
    completed: int
    abandon_rate: float | None
    service_level: float | None
    asa: float | None
    aht: float | None
    att: float | None
    acw: float | None
    start: AsIsDateTime | None = None  # not for the sliding hour (it is now - 60 min)
    name: str | None = None  # the shift's name


class AgentCountsOut(BaseModel):
    logged_in: int
    ready: int
    ringing: int
    on_call: int
    wrapup: int
    paused: int


class QueueBoardOut(BaseModel):
    """A queue's row, or the totals (name ``*``, no targets)."""

    name: str
    display_name: str
    labels: NodeLabel | None = None
    service_level_seconds: int | None
    service_level_target: int | None
    max_wait_seconds: int | None
    waiting: int  # callers in the queue and call-backs' places (docs/wallboard.md)
    callbacks_waiting: int  # of them, call-backs' places
    oldest_queued_at: AsIsDateTime | None
    longest_wait: float
    windows: dict[str, WindowOut]  # today | hour | shift
    agents: AgentCountsOut


class TotalsBeforeFirstPushOut(BaseModel):
    """The totals before the board's first computation (it runs when the stack starts): only the live wait."""

    longest_wait: float


class BoardAgentOut(AgentOut):
    caller_number: str | None
    calls_today: int
    away: bool
    away_since: AsIsDateTime | None
    away_level: str
    away_sources: list[str] | None = None  # with seat discipline
    away_approved_until: AsIsDateTime | None = None


class AlertOut(BaseModel):
    id: str
    since: AsIsDateTime
    kind: str  # service_level | long_wait | away | leave_request | what another part raised (recording_missing)
    queue: str | None
    username: str | None
    detail: AsIsJsonObject  # its keys depend on the kind (alerts.Alerts.current, Board.raise_alert)


class QueuePointOut(BaseModel):
    waiting: int
    service_level: float | None


class SeriesPointOut(BaseModel):
    at: AsIsDateTime
    waiting: int
    service_level: float | None
    queues: dict[str, QueuePointOut]


class CampaignBoardOut(BaseModel):
    """A running campaign's totals (the campaigns service's figures; docs/outbound.md "Campaigns")."""

    id: int
    name: str
    mode: str  # preview | progressive
    numbers: int  # on its list
    dialled: int  # attempts that rang the customer's side
    connected: int  # numbers whose customer answered
    remaining: int  # still to call: pending, held by a preview agent, on a call
    by_outcome: dict[str, int]  # numbers by their last outcome: answered, busy, no_answer, failed, agent_missed


class BoardSettingsOut(BaseModel):
    away_warning_minutes: float
    away_violation_minutes: float
    sl_alert_minutes: int
    push_interval_ms: int
    chart_step_seconds: int
    chart_hours: int


class SnapshotOut(BaseModel):
    type: str  # "snapshot", as on the websocket
    at: AsIsDateTime
    timezone: str
    settings: BoardSettingsOut
    queues: dict[str, QueueBoardOut]
    # the full row first: the short form also accepts a full row (it ignores the other keys)
    totals: Annotated[QueueBoardOut | TotalsBeforeFirstPushOut, Field(union_mode="left_to_right")]
    agents: dict[str, BoardAgentOut]  # username → row
    alerts: list[AlertOut]
    series: list[SeriesPointOut]
    leave_requests: dict[str, LeaveRequestOut]  # request id → pending request
    pause_reasons: list[PauseReasonOut]
    campaigns: dict[str, CampaignBoardOut]  # campaign id → the totals of a running campaign
