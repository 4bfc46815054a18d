"""Settings of the interval reports (``[reports]``, CALLCENTER_REPORTS__...; docs/reports.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field

BUCKETS = ("15m", "hour", "day", "week", "month")


def _default_limits() -> dict[str, int]:
    return {"15m": 31, "hour": 92, "day": 366, "week": 731, "month": 1830}


class ReportSettings(BaseModel):
    # how often the rollups are brought up to date from what the call and agent-state writers stored
    tick_seconds: float = Field(10.0, gt=0, le=3600)
    # the longest range (days) a request may ask for, per bucket size
    max_days: dict[str, int] = Field(default_factory=_default_limits)
