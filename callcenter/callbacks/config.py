"""The call-back desk's settings (``settings.callbacks``, ``CALLCENTER_CALLBACKS__...``; docs/outbound.md
"The call-back desk").

Imported by ``callcenter.settings``, so this module imports nothing of the service: pydantic only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProblemStands = Literal["new_case", "reopen"]


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
