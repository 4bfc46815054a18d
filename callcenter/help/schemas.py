"""The lead's help's API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=500, description="what the agent needs (shown to the lead on the board)")


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    how: Literal["listen", "whisper", "barge", "transfer"]
    seat: str | None = Field(None, min_length=2, max_length=16, pattern=r"^[0-9]+$",
                             description="listen / whisper / barge: the lead's own seat, which rings first")
    target_type: Literal["extension", "queue"] | None = Field(None, description="transfer: a senior's seat or a queue")
    target: str | None = Field(None, min_length=1, max_length=64)


class HelpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_uniqueid: str
    agent_username: str
    agent_extension: str | None
    queue: str | None
    caller_number: str | None
    note: str
    state: str = Field(description="open, taken, closed (the call ended), cancelled (withdrawn by the agent)")
    raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None
    taken_how: str | None
    transfer_to: str | None
    closed_at: datetime | None
    close_reason: str | None
    waited_seconds: float | None = Field(None, description="taken − raised; while open: now − raised")


class HelpList(BaseModel):
    now: datetime
    items: list[HelpOut]
