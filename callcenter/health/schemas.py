"""Health's response models: ``/api/health`` (the same body with 200 and 503) and the rows the writers could
not store (``WriteFailureStore.out``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class WriteFailureBrief(BaseModel):
    id: int
    writer: str  # call-writer | agent-state-writer
    key: str | None
    error_type: str
    error: str
    attempts: int
    first_failed_at: str  # ISO 8601, Z
    failed_at: str
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None  # retried | dismissed | superseded
    note: str


class WriteFailureOut(WriteFailureBrief):
    row: dict[str, Any]  # the row as its writer would store it (a call record, an agent state change)


class WriteFailurePage(BaseModel):
    items: list[WriteFailureOut]


class AmiHealth(BaseModel):
    connected: bool
    authenticated: bool
    host: str
    port: int
    last_error: str | None
    reconnects: int


class FastAgiHealth(BaseModel):
    listening: bool
    host: str
    port: int


class DbHealth(BaseModel):
    ok: bool
    dialect: str
    error: str | None


class AsteriskHealth(BaseModel):
    version: str | None
    managed: bool
    running: bool | None  # None: not started by this service


class WriteFailuresHealth(BaseModel):
    unresolved: int | None  # None: the database could not be read
    latest: WriteFailureBrief | None
    pending: dict[str, int]  # writer → rows waiting to be written


class HealthOut(BaseModel):
    status: str  # ok | degraded
    ami: AmiHealth
    fastagi: FastAgiHealth
    db: DbHealth
    asterisk: AsteriskHealth
    write_failures: WriteFailuresHealth
