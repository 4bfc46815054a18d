from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uniqueid: str
    linkedid: str | None
    channel: str | None
    caller_number: str | None
    caller_name: str | None
    dialled_number: str | None
    ivr_entered_at: datetime | None
    ivr_exited_at: datetime | None
    queue: str | None
    agent_extension: str | None
    agent_name: str | None
    agent_interface: str | None
    arrived_at: datetime | None
    queued_at: datetime | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    end_reason: str | None
    hangup_cause: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    ivr_flow_version_id: int | None = None
    ivr_path: list[dict[str, Any]] | None = None
    direction: Literal["inbound", "outbound"] = "inbound"
    customer_id: int | None = None  # outbound: the customer it was placed for
    agent_username: str | None = None  # outbound: who placed it
    in_progress: bool = False

    @classmethod
    def of(cls, call: Any) -> CallOut:
        """A stored call (``callcenter.calls.models.Call``) as the API shows it."""
        out = cls.model_validate(call)
        out.in_progress = call.ended_at is None
        return out


class CallPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CallOut]
