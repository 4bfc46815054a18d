"""The case clock checker: every ``check_interval_seconds`` on the injected clock, every open case's due clock
events (``callcenter.cases.clocks``) are recorded once and told.

Restart-safe: the facts of each case carry the kinds already recorded (``CaseClockFacts.events``), and the source
stores each (case, kind) once (a unique row: ``record_clock_event`` answers False for one already there), so a
check after a restart records what came while the service was down — at its true time, the moment it became due —
and nothing twice. Cost: a case whose facts have not changed since a check that found its next event still ahead
is not computed again before that instant (facts are compared whole, so a milestone, a pause, a recorded event
or a changed holiday calendar makes it computed afresh). Only a newly recorded event is told (``notify``: the
board's alert, the escalated person's notice); a failing notice is logged and does not undo the record.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.cases.clocks import CaseClockFacts, CaseClocks, ClockEvent
from callcenter.cases.config import CasesSettings
from callcenter.clock import Clock
from callcenter.periodic import Periodic
from callcenter.shifts.repository import ShiftRepository

log = logging.getLogger(__name__)


class ClockSource(Protocol):
    """Where the checker reads open cases and records their clock events (the cases repository)."""

    async def open_case_clocks(self) -> Sequence[CaseClockFacts]:
        """The clock facts of every open case (with the kinds of clock event already recorded on it)."""
        ...

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        """Store the event on the case (its timeline) once: False when ``(case_id, kind)`` is already stored."""
        ...


# the public holidays (local dates) between two dates, both included: the shifts' calendar
HolidaysSource = Callable[[date, date], Awaitable[frozenset[date]]]
# told once per newly recorded event
Notify = Callable[[ClockEvent], Awaitable[None]]


def holidays_from(sessions: async_sessionmaker[AsyncSession]) -> HolidaysSource:
    """The checker's holidays: the shifts' public holiday calendar (``public_holidays``), one read per check."""

    async def read(start: date, end: date) -> frozenset[date]:
        async with sessions() as s:
            return frozenset(await ShiftRepository.holiday_days(s, start, end))

    return read


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: how many open cases were looked at, the events newly recorded, how long it took."""

    at: datetime
    cases: int
    recorded: tuple[ClockEvent, ...]
    failed: int  # events whose record raised (tried again at the next check)
    skipped: int  # cases unchanged since a check that found their next event still ahead
    seconds: float  # wall time of the check
    cpu_seconds: float  # process CPU time of the check (time.process_time)


class CaseClockChecker:
    """Looks at every open case's clocks and records the events that have come (see the module's docstring)."""

    def __init__(self, source: ClockSource, clock: Clock, settings: CasesSettings,
                 holidays_source: HolidaysSource, notify: Notify, *, timezone: str) -> None:
        self.source = source
        self.clock = clock
        self.settings = settings
        self.holidays_source = holidays_source
        self.notify = notify
        self.clocks = CaseClocks(settings, timezone)
        self.last: CheckResult | None = None
        self.checks = 0
        self._lock = asyncio.Lock()
        self._periodic = Periodic("case clock", self.check, lambda: self.settings.check_interval_seconds, log)
        # per open case's facts (as last read) the next instant an event comes on them, from the check before;
        # kept for the holidays it was computed with
        self._upcoming: dict[CaseClockFacts, datetime | None] = {}
        self._upcoming_holidays: frozenset[date] = frozenset()

    async def _holidays(self, cases: Sequence[CaseClockFacts], now: datetime) -> frozenset[date]:
        """The holidays the working-day walk can meet up to today (later instants are not due yet)."""
        if not self.clocks.working or not cases:
            return frozenset()
        tz = self.clocks.tz
        first = min(f.accepted_at if f.accepted_at.tzinfo else f.accepted_at.replace(tzinfo=UTC)
                    for f in cases).astimezone(tz).date()
        return await self.holidays_source(first, now.astimezone(tz).date() + timedelta(days=1))

    async def check(self) -> CheckResult:
        """Record (once) and tell every clock event due at the clock's ``now`` on the open cases."""
        async with self._lock:
            started, cpu = time.perf_counter(), time.process_time()
            now = self.clock.now()
            cases = await self.source.open_case_clocks()
            holidays = await self._holidays(cases, now)
            if holidays != self._upcoming_holidays:
                self._upcoming, self._upcoming_holidays = {}, holidays
            upcoming: dict[CaseClockFacts, datetime | None] = {}
            recorded: list[ClockEvent] = []
            failed = skipped = 0
            for facts in cases:
                if facts in self._upcoming:
                    known = self._upcoming[facts]
                    if known is None or now < known:
                        upcoming[facts] = known  # the same facts, nothing due before then: nothing to compute
                        skipped += 1
                        continue
                events, next_at = self.clocks.due(facts, now, holidays)
                if not events:
                    upcoming[facts] = next_at
                for event in events:
                    new = await self._record(event)
                    if new is None:
                        failed += 1
                    elif new:
                        recorded.append(event)
            self._upcoming = upcoming
            self.checks += 1
            self.last = CheckResult(now, len(cases), tuple(recorded), failed, skipped,
                                    time.perf_counter() - started, time.process_time() - cpu)
            return self.last

    async def _record(self, event: ClockEvent) -> bool | None:
        """Record ``event`` once and tell it when new: True (new), False (there already), None (failed)."""
        try:
            new = await self.source.record_clock_event(event.case_id, event.kind, event.at, event.detail())
        except Exception:
            log.exception("case %s: recording clock event %s failed", event.number, event.kind)
            return None
        if not new:
            return False
        log.info("case %s: %s (due %s)", event.number, event.kind, event.at.isoformat())
        try:
            await self.notify(event)
        except Exception:
            log.exception("case %s: telling clock event %s failed", event.number, event.kind)
        return True

    async def check_case(self, facts: CaseClockFacts, at: datetime) -> list[ClockEvent]:
        """Record (once) and tell the events due on one case by ``at`` — called before a milestone is stamped at
        ``at``, so a deadline that passed since the last check is recorded at its true time, not lost to the
        milestone (same record-once rule as :meth:`check`). Returns those newly recorded."""
        holidays = await self._holidays([facts], at)
        events, _ = self.clocks.due(facts, at, holidays)
        return [e for e in events if await self._record(e)]

    # the periodic task ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Check at once (what came while the service was down), then every ``check_interval_seconds``."""
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
