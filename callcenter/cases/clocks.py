"""A case's clocks (issue 14, "3. Clocks"): deadlines, warnings, breaches and escalations, as pure functions.

Nothing here reads the database or the wall clock: the facts of one case, the settings, the holidays and
``now`` go in; deadlines, states and the due clock events come out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CaseClockFacts:
    """What the clocks need of one open case (built by the cases repository).

    ``paused`` holds the customer-wait intervals (end None = still paused); ``events`` the clock event kinds
    already recorded for this case (``dispatch.warning``, ``report.breach``, ...), so nothing is recorded twice.
    """

    case_id: int
    number: str
    type: str
    severity: str
    department_id: int | None
    accepted_at: datetime
    dispatched_at: datetime | None
    reported_at: datetime | None
    closed_at: datetime | None
    paused: tuple[tuple[datetime, datetime | None], ...]
    events: frozenset[str]
