"""The call-back desk's settings (``settings.callbacks``, ``CALLCENTER_CALLBACKS__...``; docs/outbound.md
"The call-back desk").

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ProblemStands = Literal["new_case", "reopen"]


class QueueCallbackSettings(BaseModel):
    """A caller waiting in a queue presses ``key`` to hang up and be called back in their turn (docs/outbound.md
    "A call-back that keeps the caller's place"). Rendered into queues.conf / extensions.conf."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    key: str = Field("1", pattern=r"^[0-9]$")
    # a caller who waited less than this is put back in line at their place (0: any time)
    min_wait_seconds: float = Field(0.0, ge=0, le=3600)
    # the queues that offer it (empty: every queue)
    queues: list[str] = Field(default_factory=list)
    # how often a caller waiting in such a queue hears the offer ("to be called back in your turn without waiting,
    # press <key>": app_queue's periodic-announce); 0: never said (the key still works)
    offer_every_seconds: int = 30

    @field_validator("offer_every_seconds")
    @classmethod
    def _offer_every(cls, v: int) -> int:
        if v != 0 and not 5 <= v <= 3600:
            raise ValueError("must be 0 (the offer is never said) or 5 to 3600 seconds")
        return v


class CallbackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # a task is due this many hours after the result it calls back (the seeds: 72); a due time set by hand may be
    # earlier, never later
    due_hours: float = Field(72.0, gt=0, le=24 * 30)
    # failed attempts (no answer, busy) after which the task closes as unreachable (the seeds: 3 to 5)
    max_attempts: int = Field(3, ge=3, le=5)
    # at least this long between two attempts of one task
    attempt_spacing_minutes: float = Field(30.0, ge=0, le=24 * 60)
    # a customer reached whose problem stands: a new case linked to the original (new_case), or the original back
    # to investigating (reopen; a closed original always gets a new case); the department head is told either way
    problem_stands: ProblemStands = "new_case"
    # how often overdue tasks are looked for (the board's callback_overdue alerts)
    check_interval_seconds: float = Field(60.0, ge=0.05, le=3600)
    # the queued caller's call-back that keeps their place
    queue: QueueCallbackSettings = Field(default_factory=QueueCallbackSettings)
