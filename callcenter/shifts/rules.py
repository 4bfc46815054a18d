"""Pure rules (no I/O, no clock of their own): shift bounds in the centre's timezone, login sessions from the agent
state log, the attendance evaluation of one roster entry, and the swap and leave rules.

Every function takes the time it judges at (``now``) as an argument, so the live check, the recompute of a past
day and the tests run the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.shifts.errors import BAD_LOCAL_TIME
from callcenter.shifts.models import LEVELS, POSITIONS


# times ------------------------------------------------------------------------------------------------------
def parse_hhmm(v: str, field_name: str) -> time:
    try:
        h, m = (int(x) for x in v.split(":"))
        if len(v) != 5 or not (0 <= h < 24 and 0 <= m < 60):
            raise ValueError
    except ValueError:
        raise BAD_LOCAL_TIME({"v": v}, field=field_name) from None
    return time(h, m)


def is_night(start: str, end: str) -> bool:
    """A shift whose end is not after its start crosses midnight (it belongs to the date it starts)."""
    return end <= start


def shift_bounds(day: date, start: str, end: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of the shift ``start``-``end`` (local HH:MM) starting on ``day``."""
    s = datetime.combine(day, parse_hhmm(start, "start"), tzinfo=tz)
    e = datetime.combine(day + timedelta(days=1) if is_night(start, end) else day, parse_hhmm(end, "end"),
                         tzinfo=tz)
    return s.astimezone(UTC), e.astimezone(UTC)


def local_date(t: datetime, tz: ZoneInfo) -> date:
    return t.astimezone(tz).date()


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def seconds(td: timedelta) -> int:
    return int(td.total_seconds())


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def position_rank(position: str | None) -> int:
    return POSITIONS.index(position) if position in POSITIONS else -1


# sessions ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    """An agent logged in at ``seat`` from ``start`` until ``end`` (None: still logged in)."""

    start: datetime
    end: datetime | None
    seat: str


def sessions_from_log(rows: Iterable[tuple[str, datetime, str | None]]) -> list[Session]:
    """Sessions from one agent's state log rows ``(state, at, extension)`` in order: a session starts at the first
    row that is not ``logged_out`` and ends at the next ``logged_out`` row."""
    out: list[Session] = []
    start: datetime | None = None
    seat = ""
    for state, at, ext in rows:
        if state == "logged_out":
            if start is not None:
                out.append(Session(start, at, seat))
                start = None
        elif start is None:
            start, seat = at, ext or ""
    if start is not None:
        out.append(Session(start, None, seat))
    return out


@dataclass(frozen=True)
class LiveState:
    """The ACD's in-memory state of one agent (fresher than the state log, which is written behind)."""

    logged_in: bool
    logged_in_at: datetime | None
    since: datetime | None
    seat: str


def patch_live(sessions: list[Session], live: LiveState | None) -> list[Session]:
    """Bring stored sessions up to the live state: a login or logout the state log does not hold yet."""
    if live is None:
        return sessions
    out = list(sessions)
    last = out[-1] if out else None
    if live.logged_in and live.logged_in_at is not None:
        if last is None or (last.end is not None and last.end <= live.logged_in_at):
            out.append(Session(live.logged_in_at, None, live.seat))
        elif last.end is None and last.start < live.logged_in_at:
            out[-1] = Session(last.start, live.logged_in_at, last.seat)
            out.append(Session(live.logged_in_at, None, live.seat))
    elif not live.logged_in and live.since is not None and last is not None and last.end is None \
            and last.start <= live.since:
        out[-1] = Session(last.start, live.since, last.seat)
    return out


def as_of(sessions: Iterable[Session], now: datetime) -> list[Session]:
    """The sessions as they were known at ``now``."""
    return [Session(s.start, s.end if s.end is not None and s.end <= now else None, s.seat)
            for s in sessions if s.start <= now]


# attendance -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    late: timedelta = timedelta(minutes=20)
    early_arrival: timedelta = timedelta(minutes=10)
    login_window: timedelta = timedelta(minutes=120)
    relief_gap: timedelta = timedelta(minutes=60)
    relief_grace: timedelta = timedelta(seconds=120)


@dataclass(frozen=True)
class Slot:
    """One roster entry as the attendance rules see it."""

    roster_id: int
    day: date
    template_id: int
    shift: str
    username: str
    seat: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Relief:
    """The agent expected to take over a seat: rostered on it on the next shift."""

    username: str
    roster_id: int
    shift: str
    starts_at: datetime
    sessions: tuple[Session, ...]
    excused: bool


@dataclass
class Finding:
    kind: str
    seconds: int
    at: datetime
    open: bool = False
    seat: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attendance:
    slot: Slot
    window_start: datetime
    first_login: datetime | None = None
    last_logout: datetime | None = None
    logged_in: bool = False
    carried_over: bool = False  # already logged in when the window opened (e.g. straight from the previous shift)
    excused: bool = False
    findings: list[Finding] = field(default_factory=list)

    def finding(self, kind: str) -> Finding | None:
        return next((f for f in self.findings if f.kind == kind), None)

    def final(self, now: datetime, th: Thresholds) -> bool:
        """Nothing that happens after ``now`` can change this evaluation (past the end, logged out, and past the
        relief's grace after the last logout)."""
        return now >= self.slot.ends_at and not self.logged_in and (
            self.last_logout is None or now >= self.last_logout + th.relief_grace)


def evaluate(slot: Slot, sessions: list[Session], now: datetime, th: Thresholds, *, window_start: datetime,
             excused: bool, relief_of: Callable[[str], Relief | None], sick: bool = False) -> Attendance:
    """What is known at ``now`` about one rostered (date, shift, agent).

    The sessions that count are those overlapping ``[window_start, shift end)``; the first one's start is the first
    login, the last one's end the last logout. Findings: ``late`` (first login at or after start + late; while not
    logged in yet, from start + late on, ``open`` with the threshold as its length), ``absence`` (no login by the
    shift end), ``early_leave`` (last logout before the end), ``left_before_relief`` (the last logout while the
    relief was not there: not logged in anywhere at that moment, and not logging in at that seat within
    ``relief_grace`` after it — one agent holds a seat at a time, so the outgoing agent logs out and the relief logs
    in; known at logout + grace), ``early_arrival`` (first login at least early_arrival before the start; roll call,
    not a violation). Approved leave (``excused``) leaves only the roll-call finding; approved sick leave
    (``sick``, also when recorded after the day, the certificate handed in on return) shows as ``sick_leave``
    (not a violation) once the shift has started, instead of the absence.
    """
    att = Attendance(slot, window_start, excused=excused)
    if now < window_start:
        return att
    sess = [s for s in as_of(sessions, now) if s.start < slot.ends_at and (s.end is None or s.end > window_start)]
    if sess:
        first, last = sess[0], sess[-1]
        att.first_login = first.start
        att.carried_over = first.start < window_start
        att.logged_in = last.end is None
        att.last_logout = last.end
    seat = slot.seat or (sess[-1].seat if sess else "")
    f = att.findings
    if att.first_login is not None and not att.carried_over and slot.starts_at - att.first_login >= th.early_arrival:
        f.append(Finding("early_arrival", seconds(slot.starts_at - att.first_login), att.first_login, seat=seat))
    if excused:
        if sick and now >= slot.starts_at:
            f.append(Finding("sick_leave", seconds(slot.ends_at - slot.starts_at), slot.starts_at, seat=seat))
        return att
    late_at = slot.starts_at + th.late
    if att.first_login is not None:
        if att.first_login >= late_at:
            f.append(Finding("late", seconds(att.first_login - slot.starts_at), att.first_login, seat=seat))
    elif now >= slot.ends_at:
        f.append(Finding("absence", seconds(slot.ends_at - slot.starts_at), slot.ends_at, seat=seat))
    elif now >= late_at:
        f.append(Finding("late", seconds(th.late), late_at, open=True, seat=seat))
    out = att.last_logout
    if out is not None and out < slot.ends_at:
        f.append(Finding("early_leave", seconds(slot.ends_at - out), out, seat=seat))
    if out is not None and seat and now >= out + th.relief_grace:
        r = relief_of(seat)
        if r is not None and not r.excused:
            rs = as_of(r.sessions, now)
            there = any(s.start <= out and (s.end is None or s.end > out) for s in rs) or any(
                s.seat == seat and out <= s.start <= out + th.relief_grace for s in rs)
            if not there:
                f.append(Finding("left_before_relief", 0, out, seat=seat, detail={
                    "relief": r.username, "relief_roster_id": r.roster_id, "relief_shift": r.shift,
                    "relief_starts_at": r.starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z")}))
    return att


# leave ------------------------------------------------------------------------------------------------------
def leave_level(days: int, holiday: bool) -> str:
    """One day: the department head; more than one day, or any public holiday (exceptional): the centre director."""
    return "centre_director" if days > 1 or holiday else "department_head"


def covers(start_day: date, end_day: date, template_id: int | None, day: date, shift_template_id: int) -> bool:
    return start_day <= day <= end_day and (template_id is None or template_id == shift_template_id)


def days_between(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]
