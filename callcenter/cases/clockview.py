"""The clocks as the pages see them: each case's clock states (``CaseClocks.states``) at the server's now.

One :class:`ClockView` serves every answer that shows a case (the list, the detail, each action's answer, the
department backlog, the cases socket, the pop's open cases): it takes the cases, reads their customer-wait pauses
in one query and, in working-day mode, the public holidays once, and gives each case's states computed on the
injected clock at one ``now`` (``ClockView.states`` answers that ``now`` too: the answers' ``clocks_at``).

A cancelled case's clocks stop at its cancellation (as a closure stops them): what was not met by then is
``met_late`` if its deadline had come, else ``met``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from callcenter.cases.checker import HolidaysSource
from callcenter.cases.clocks import CaseClockFacts, CaseClocks, ClockState
from callcenter.cases.config import CasesSettings
from callcenter.cases.models import Case
from callcenter.cases.repository import CaseRepository
from callcenter.clock import Clock

# how far ahead the holidays are read for the deadlines shown (a working-day deadline can lie months ahead)
_HOLIDAYS_AHEAD = timedelta(days=3 * 366)
STATUSES = ("off", "running", "warning", "breached", "paused", "met", "met_late")
# statuses only an open case's clock can be in (a closed or cancelled case's clocks have all stopped)
OPEN_ONLY = frozenset({"running", "warning", "breached", "paused"})

Pauses = tuple[tuple[datetime, datetime | None], ...]


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def facts_of(c: Case, pauses: Pauses) -> CaseClockFacts:
    """The clock facts of a case row (its recorded events are not needed for the states)."""
    return CaseClockFacts(case_id=c.id, number=c.number, type=c.type, severity=c.severity,
                          department_id=c.department_id, accepted_at=c.accepted_at, dispatched_at=c.dispatched_at,
                          reported_at=c.reported_at, closed_at=c.closed_at or c.cancelled_at, paused=pauses,
                          events=frozenset())


@dataclass(frozen=True, slots=True)
class ClockStates:
    """The states of some cases' clocks at ``at`` (by case id, in ``CLOCKS`` order)."""

    at: datetime
    by_case: dict[int, tuple[ClockState, ...]]

    def of(self, case_id: int) -> tuple[ClockState, ...]:
        return self.by_case.get(case_id, ())

    def any_in(self, case_id: int, status: str) -> bool:
        return any(s.status == status for s in self.of(case_id))


class ClockView:
    """Each case's clock states at the clock's now (see the module's docstring)."""

    def __init__(self, repo: CaseRepository, clock: Clock, settings: CasesSettings, holidays: HolidaysSource,
                 *, timezone: str) -> None:
        self.repo = repo
        self.clock = clock
        self.clocks = CaseClocks(settings, timezone)
        self.holidays = holidays

    async def states(self, cases: Sequence[Case]) -> ClockStates:
        """The clock states of ``cases`` at one ``now``: one read of their pauses, one of the holidays (working
        mode)."""
        now = self.clock.now()
        if not cases:
            return ClockStates(now, {})
        pauses = await self.repo.pauses_of([c.id for c in cases])
        holidays: frozenset[date] = frozenset()
        if self.clocks.working:
            tz = self.clocks.tz
            first = min(_utc(c.accepted_at) for c in cases).astimezone(tz).date()
            holidays = await self.holidays(first, (now + _HOLIDAYS_AHEAD).astimezone(tz).date())
        return ClockStates(now, {c.id: self.clocks.states(facts_of(c, pauses.get(c.id, ())), now, holidays)
                                 for c in cases})
