"""The recordings' response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MuteStretch(BaseModel):
    """A muted stretch of a recording (a card number read out), in seconds from the recording's start."""

    model_config = ConfigDict(populate_by_name=True)

    from_: float = Field(alias="from")
    to: float | None  # None: still muted
    by: str


class RecordingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_uniqueid: str
    queue: str | None
    agent_username: str | None
    agent_extension: str | None
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    size_bytes: int | None
    format: str
    sha256: str | None
    status: str
    problem: str
    mutes: list[dict[str, Any]]


class RecordingPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[RecordingOut]


class PeaksOut(BaseModel):
    duration: float
    points: int
    peaks: list[float]
