"""The interval reports' API shapes (each row's figures: docs/reports.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class IntervalReport(BaseModel):
    kind: str = Field(description="queue or agent")
    by: str = Field(description="15m, hour, day, week or month")
    from_: str = Field(alias="from", description="the range's start (UTC, ISO 8601 with Z)")
    to: str = Field(description="the range's end, excluded")
    timezone: str = Field(description="the centre's timezone the intervals are cut in")
    direction: str | None = None
    queues: list[str] | None = None
    agents: list[str] | None = None
    thresholds: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="each queue's service-level threshold (s) and target (%)")
    rows: list[dict[str, Any]] = Field(description="one per interval and queue/agent with facts: start, end, "
                                                   "label (local), key, the counts and figures")
    intervals: list[dict[str, Any]] = Field(description="every interval (empty ones as zeros): the keys summed")
    totals: dict[str, Any] = Field(description="the whole range, the keys summed")
    by_key: dict[str, dict[str, Any]] = Field(description="the whole range per queue/agent")

    model_config = {"populate_by_name": True}
