"""A case's clocks (issue 14, "3. Clocks"): deadlines, warnings, breaches and escalations, as pure functions.

Nothing here reads the database or the wall clock: the facts of one case, the settings, the holidays and
``now`` go in; deadlines, states and the due clock events come out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.cases.config import CASE_TYPES, CLOCKS, ESCALATION_LEVELS, CasesSettings


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


# the computations ----------------------------------------------------------------------------------------------
#
# A clock counts time from the case's acceptance. What counts: every moment (dispatch; the report and closure
# clocks in calendar mode), minus, for the report and closure clocks, the days that are not working days
# (working mode: Saturdays, Sundays, the public holidays — local days of the centre's timezone) and the time the
# case waited for the customer (``CasesSettings.paused_clocks``). Each instant of a clock — warning, deadline,
# escalations — is the moment its counted time reaches a target; the clock stops at its milestone.

_MAX_DAYS = 3 * 366  # a walk through non-working days never goes further than this
_RUN_DAYS = 70  # the working days of this many local days from an acceptance date are computed once, then kept
_RUN_CACHE_MAX = 4096

Segment = tuple[datetime, datetime | None]  # a stretch of counted time (end None: on for ever)
# per clock: its warning's kind, its breach's, its escalations' by level
_KINDS = {c: (f"{c}.warning", f"{c}.breach", tuple(f"{c}.escalate.{n}" for n in range(1, len(ESCALATION_LEVELS) + 1)))
          for c in CLOCKS}


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """A clock event due on a case: ``kind`` is ``<clock>.warning``, ``<clock>.breach`` or
    ``<clock>.escalate.<level>`` (level 1 = ``ESCALATION_LEVELS[0]``); ``at`` its TRUE time (when it became due,
    whenever the checker sees it)."""

    case_id: int
    number: str
    kind: str
    clock: str
    at: datetime
    due_at: datetime | None  # the deadline (None: a warning while the clock is paused before it)
    level: int  # 0 for the warning and the breach
    to: str | None  # the escalation level's role (team_lead, department_head, director)
    type: str
    severity: str
    department_id: int | None

    def detail(self) -> dict[str, Any]:
        """What is stored with the event (JSON): the case, the clock and its deadline, who it went to."""
        return {"number": self.number, "clock": self.clock,
                "due_at": None if self.due_at is None else _iso(self.due_at), "level": self.level, "to": self.to,
                "type": self.type, "severity": self.severity, "department_id": self.department_id}


@dataclass(frozen=True, slots=True)
class ClockState:
    """One clock of a case at ``now``.

    ``status``: ``off`` (no such clock for the type), ``running``, ``warning`` (its warning has come),
    ``breached`` (past the deadline, milestone not reached), ``paused`` (standing still while the case waits for
    the customer, not yet breached), ``met`` (milestone before the deadline) or ``met_late`` (milestone at or after
    it; the breach stays recorded). ``remaining_seconds`` is counted time (negative: overdue by); ``due_at`` the
    deadline's instant (None while paused before it: it moves by the length of the pause)."""

    clock: str
    status: str
    due_at: datetime | None
    warning_at: datetime | None
    remaining_seconds: float
    escalation_level: int
    escalated_to: str | None
    stopped_at: datetime | None
    paused: bool


@dataclass(frozen=True, slots=True)
class _Schedule:
    clock: str
    budget: timedelta
    warning_at: datetime | None
    due_at: datetime | None
    escalations: tuple[datetime | None, ...]
    stopped_at: datetime | None
    walk: Callable[[], Iterator[Segment]] | None  # the counted stretches; None: wall time from acceptance


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _first(*ts: datetime | None) -> datetime | None:
    present = [t for t in ts if t is not None]
    return min(present) if present else None


def _working_days(day: date, run_start: datetime | None, tz: tzinfo, holidays: frozenset[date],
                  days: int) -> Iterator[Segment | date]:
    """The working days (local, Monday to Friday, not a holiday) of ``days`` local days from ``day``, consecutive
    ones joined into one stretch (``run_start``: a stretch already open before ``day``); last, the day after them
    (a ``date``), and, when a stretch is still open there, a segment ending None."""
    for _ in range(days):
        working = day.weekday() < 5 and day not in holidays
        if working == (run_start is None):
            midnight = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
            if working:
                run_start = midnight
            else:
                assert run_start is not None
                yield run_start, midnight
                run_start = None
        day += timedelta(days=1)
    yield day
    if run_start is not None:
        yield run_start, None


def _holes(paused: tuple[tuple[datetime, datetime | None], ...], start: datetime) -> list[Segment]:
    """The pauses from ``start`` on, sorted and merged (end None: still paused)."""
    out: list[Segment] = []
    for p0, p1 in sorted(((_utc(a), None if b is None else _utc(b)) for a, b in paused),
                         key=lambda p: p[0]):
        if p1 is not None and p1 <= start:
            continue
        p0 = max(p0, start)
        if out and (out[-1][1] is None or p0 <= out[-1][1]):
            last0, last1 = out[-1]
            out[-1] = (last0, None if last1 is None or p1 is None else max(last1, p1))
        elif p1 is None or p1 > p0:
            out.append((p0, p1))
    return out


def _minus(segments: Iterator[Segment], holes: list[Segment]) -> Iterator[Segment]:
    """``segments`` (in order) without ``holes`` (sorted, merged)."""
    i = 0
    for a, b in segments:
        cur = a
        while True:
            while i < len(holes) and (h1 := holes[i][1]) is not None and h1 <= cur:
                i += 1
            if i == len(holes):
                yield cur, b
                break
            h0, h1 = holes[i]
            if b is not None and h0 >= b:
                yield cur, b
                break
            if h0 > cur:
                yield cur, h0
            if h1 is None:
                return
            cur = max(cur, h1)
            if b is not None and cur >= b:
                break


def _instants(segments: Iterable[Segment], targets: list[timedelta]) -> list[datetime | None]:
    """For each target (ascending) the instant counted time reaches it (None: never, the clock is paused)."""
    out: list[datetime | None] = []
    done = timedelta(0)
    it = iter(segments)
    seg = next(it, None)
    for target in targets:
        while seg is not None:
            a, b = seg
            if b is None or done + (b - a) >= target:
                break
            done += b - a
            seg = next(it, None)
        out.append(None if seg is None else seg[0] + (target - done))
    return out


def _counted(segments: Iterable[Segment], until: datetime) -> timedelta:
    total = timedelta(0)
    for a, b in segments:
        if a >= until:
            break
        total += (until if b is None else min(b, until)) - a
    return total


class CaseClocks:
    """The clock rules of the centre: ``settings.cases`` and the centre's timezone. Pure: the facts of a case, the
    public holidays (local dates; only read in working mode) and ``now`` in; deadlines, states, due events out."""

    def __init__(self, settings: CasesSettings, timezone: str | tzinfo) -> None:
        self.settings = settings
        self.tz: tzinfo = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self.working = settings.day_mode == "working"
        self._pausable = frozenset(settings.paused_clocks)
        self._runs: dict[tuple[date, frozenset[date]], tuple[tuple[Segment, ...], date, datetime | None]] = {}
        self._rules: dict[tuple[str, str], tuple[timedelta, timedelta, tuple[timedelta, ...]]] = {}
        for case_type in CASE_TYPES:
            rules = settings.of(case_type)
            for clock in CLOCKS:
                self._rules[case_type, clock] = (rules.budget(clock), rules.warning_lead(clock),
                                                 rules.escalation_delays(clock))

    # working days -----------------------------------------------------------------------------------------------
    def _day_runs(self, day: date, holidays: frozenset[date]) -> tuple[tuple[Segment, ...], date, datetime | None]:
        """The working stretches of ``_RUN_DAYS`` local days from ``day`` (kept: the cases accepted on one day
        share them), the day after them and the start of a stretch still open there."""
        key = (day, holidays)
        hit = self._runs.get(key)
        if hit is None:
            runs: list[Segment] = []
            after, open_start = day, None
            for item in _working_days(day, None, self.tz, holidays, _RUN_DAYS):
                if isinstance(item, date):
                    after = item
                elif item[1] is None:
                    open_start = item[0]
                else:
                    runs.append(item)
            if len(self._runs) >= _RUN_CACHE_MAX:
                self._runs.clear()
            hit = self._runs[key] = (tuple(runs), after, open_start)
        return hit

    def _working_walk(self, start: datetime, holidays: frozenset[date]) -> Iterator[Segment]:
        """The working stretches from ``start`` on (the last one ending None)."""
        runs, after, open_start = self._day_runs(start.astimezone(self.tz).date(), holidays)
        for a, b in runs:
            if b is not None and b > start:
                yield max(a, start), b
        # a clock longer than that: day by day on, then (years of holidays?) every moment counts
        last: Segment | None = None
        for item in _working_days(after, open_start, self.tz, holidays, _MAX_DAYS):
            if not isinstance(item, date):
                last = max(item[0], start), item[1]
                yield last
        if last is None or last[1] is not None:
            yield datetime.combine(after + timedelta(days=_MAX_DAYS), time(), tzinfo=self.tz).astimezone(UTC), None

    # the schedule of one clock ---------------------------------------------------------------------------------
    def _stop(self, f: CaseClockFacts, clock: str) -> datetime | None:
        """A clock stops at its milestone, or at a later one reached without it (a case reported without a
        recorded dispatch has been dispatched by then)."""
        if clock == "dispatch":
            t = _first(f.dispatched_at, f.reported_at, f.closed_at)
        elif clock == "report":
            t = _first(f.reported_at, f.closed_at)
        else:
            t = f.closed_at
        return None if t is None else _utc(t)

    def _walk(self, f: CaseClockFacts, clock: str,
              holidays: frozenset[date]) -> Callable[[], Iterator[Segment]] | None:
        """The counted stretches of ``clock`` from acceptance on, as a lazy walk (None: counted time is the wall
        time since acceptance, the fast path)."""
        if clock == "dispatch":  # the centre's own step: every minute counts, never paused
            return None
        start = _utc(f.accepted_at)
        holes = _holes(f.paused, start) if clock in self._pausable and f.paused else []
        if not self.working and not holes:
            return None
        if self.working:
            return lambda: _minus(self._working_walk(start, holidays), holes)
        return lambda: _minus(iter(((start, None),)), holes)

    def _schedule(self, f: CaseClockFacts, clock: str, holidays: frozenset[date]) -> _Schedule | None:
        budget, lead, delays = self._rules[f.type, clock]
        if not budget:
            return None
        targets = [budget - lead] if lead else []
        targets.append(budget)
        after = budget
        for d in delays:
            after += d
            targets.append(after)
        walk = self._walk(f, clock, holidays)
        if walk is None:
            start = _utc(f.accepted_at)
            instants: list[datetime | None] = [start + t for t in targets]
        else:
            instants = _instants(walk(), targets)
        warning_at = instants.pop(0) if lead else None
        return _Schedule(clock, budget, warning_at, instants[0], tuple(instants[1:]), self._stop(f, clock), walk)

    # what the checker and the pages read -----------------------------------------------------------------------
    def deadlines(self, facts: CaseClockFacts, holidays: frozenset[date] = frozenset()) -> dict[str, datetime | None]:
        """Each clock's deadline (clocks switched off for the type left out; None: paused before it)."""
        out: dict[str, datetime | None] = {}
        for clock in CLOCKS:
            s = self._schedule(facts, clock, holidays)
            if s is not None:
                out[clock] = s.due_at
        return out

    def states(self, facts: CaseClockFacts, now: datetime,
               holidays: frozenset[date] = frozenset()) -> tuple[ClockState, ...]:
        """The state of each clock (``CLOCKS`` order) at ``now``."""
        return tuple(self._state(facts, clock, now, holidays) for clock in CLOCKS)

    def _state(self, f: CaseClockFacts, clock: str, now: datetime, holidays: frozenset[date]) -> ClockState:
        s = self._schedule(f, clock, holidays)
        if s is None:
            return ClockState(clock, "off", None, None, 0.0, 0, None, None, False)
        stopped = s.stopped_at if s.stopped_at is not None and s.stopped_at <= now else None
        until = stopped or now
        level = sum(1 for t in s.escalations if t is not None and t <= until)
        to = ESCALATION_LEVELS[level - 1] if level else None
        start = _utc(f.accepted_at)
        counted = max(until - start, timedelta(0)) if s.walk is None else _counted(s.walk(), until)
        remaining = (s.budget - counted).total_seconds()
        paused_now = (clock in self._pausable and stopped is None
                      and any(_utc(p0) <= now and (p1 is None or now < _utc(p1)) for p0, p1 in f.paused))
        if stopped is not None:
            status = "met" if s.due_at is None or stopped < s.due_at else "met_late"
        elif s.due_at is not None and s.due_at <= now:
            status = "breached"
        elif paused_now:
            status = "paused"
        elif s.warning_at is not None and s.warning_at <= now:
            status = "warning"
        else:
            status = "running"
        return ClockState(clock, status, s.due_at, s.warning_at, remaining, level, to, stopped, paused_now)

    def due_events(self, facts: CaseClockFacts, now: datetime,
                   holidays: frozenset[date] = frozenset()) -> list[ClockEvent]:
        """The clock events due at ``now`` and not in ``facts.events``, each at its true time, oldest first. An
        instant counts when it came before the clock stopped (or with it: a milestone at the deadline is late)."""
        return self.due(facts, now, holidays)[0]

    def due(self, facts: CaseClockFacts, now: datetime,
            holidays: frozenset[date] = frozenset()) -> tuple[list[ClockEvent], datetime | None]:
        """:meth:`due_events`, and the next instant after ``now`` when another event comes on these facts (None:
        none will unless the facts change — a milestone, a pause's end). The checker skips a case until then."""
        out: list[ClockEvent] = []
        upcoming: datetime | None = None
        for clock in CLOCKS:
            s = self._schedule(facts, clock, holidays)
            if s is None:
                continue
            warning, breach, escalations = _KINDS[clock]
            instants: list[tuple[str, datetime, int]] = []
            if s.warning_at is not None:
                instants.append((warning, s.warning_at, 0))
            if s.due_at is not None:  # else paused before the deadline
                instants.append((breach, s.due_at, 0))
                for n, t in enumerate(s.escalations, start=1):
                    if t is None:
                        break
                    instants.append((escalations[n - 1], t, n))
            for kind, at, level in instants:
                if kind in facts.events or (s.stopped_at is not None and at > s.stopped_at):
                    continue
                if at > now:
                    if upcoming is None or at < upcoming:
                        upcoming = at
                    continue
                out.append(ClockEvent(facts.case_id, facts.number, kind, clock, at, s.due_at, level,
                                      ESCALATION_LEVELS[level - 1] if level else None, facts.type, facts.severity,
                                      facts.department_id))
        out.sort(key=lambda e: e.at)
        return out, upcoming


# incidents: N complaints of one cause within M minutes ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ComplaintArrival:
    """A complaint as the incident rule sees it: its cause (the finer classification) and when it came."""

    case_id: int
    number: str
    cause: str
    accepted_at: datetime


@dataclass(frozen=True, slots=True)
class Incident:
    """A burst of complaints of one cause (a line fault, an outage): it began ``at`` the complaint that made
    ``incident_complaints`` of that cause within ``incident_window_minutes``; ``cases`` are its complaints in
    order (the first ones and every later one of the cause that came within the window after the one before)."""

    cause: str
    at: datetime
    cases: tuple[ComplaintArrival, ...]

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(c.number for c in self.cases)


def incidents(arrivals: Iterable[ComplaintArrival], settings: CasesSettings) -> list[Incident]:
    """The incidents among ``arrivals`` (complaints; those without a cause are not counted), oldest first.

    An incident of cause C begins at the complaint that makes ``incident_complaints`` complaints of C within
    ``incident_window_minutes`` (the window ends at that complaint and includes its start: 5 in 30 minutes means
    the 5th at most 30:00 after the 1st). Complaints of C within the window after the incident's last one join it
    (no new alert); after a quiet window the next burst is a new incident."""
    n, window = settings.incident_complaints, timedelta(minutes=settings.incident_window_minutes)
    by_cause: dict[str, list[ComplaintArrival]] = {}
    for a in arrivals:
        if a.cause:
            by_cause.setdefault(a.cause, []).append(a)
    out: list[Incident] = []
    for cause, items in by_cause.items():
        items.sort(key=lambda a: (_utc(a.accepted_at), a.case_id))
        current: list[ComplaintArrival] | None = None
        started: datetime | None = None
        for i, a in enumerate(items):
            t = _utc(a.accepted_at)
            if current is not None and t - _utc(current[-1].accepted_at) <= window:
                current.append(a)
                continue
            if current is not None and started is not None:
                out.append(Incident(cause, started, tuple(current)))
                current = started = None
            if i + 1 >= n and t - _utc(items[i + 1 - n].accepted_at) <= window:
                current, started = list(items[i + 1 - n:i + 1]), t
        if current is not None and started is not None:
            out.append(Incident(cause, started, tuple(current)))
    out.sort(key=lambda x: x.at)
    return out


def incident_started_by(case_id: int, arrivals: Iterable[ComplaintArrival],
                        settings: CasesSettings) -> Incident | None:
    """The incident the complaint ``case_id`` begins (its arrival is the one that makes the burst), or None — what
    the cases service asks when a complaint comes or gets its cause, to alert the duty manager at once. Give it
    the complaints of the last two windows or more."""
    for incident in incidents(arrivals, settings):
        first_n = incident.cases[:settings.incident_complaints]
        if first_n and first_n[-1].case_id == case_id:
            return incident
    return None
