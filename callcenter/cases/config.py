"""The cases' settings (``settings.cases``, ``CALLCENTER_CASES__...``): the clocks of each case type.

Imported by ``callcenter.settings`` (the top-level ``Settings.cases``), so this module imports nothing of the
service: pydantic only.

Every clock counts from the case's acceptance. Its *budget* (``dispatch_minutes``, ``report_days``,
``close_days``) is counted time: in ``day_mode = "working"`` only the centre's working days count (not Saturdays,
Sundays or the public holidays of the shifts' holiday calendar, each day taken in ``settings.timezone``); the
report and closure clocks also stand still while the case waits for the customer (``paused_clocks``). The warning
comes ``*_warning_*`` of counted time before the deadline; after the breach the case escalates level by level
(``ESCALATION_LEVELS``), each level a further ``*_escalation_*`` delay of counted time after the one before.
``docs/cases.md`` ("Clocks") explains each setting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CASE_TYPES = ("complaint", "suggestion", "fault", "service_request")
CLOCKS = ("dispatch", "report", "close")
# who a breached clock is escalated to, in order: the first after the first delay, and so on
ESCALATION_LEVELS = ("team_lead", "department_head", "director")
DayMode = Literal["calendar", "working"]
PausableClock = Literal["report", "close"]


def _delays(v: list[float], unit: str) -> list[float]:
    if len(v) > len(ESCALATION_LEVELS):
        raise ValueError(f"at most {len(ESCALATION_LEVELS)} escalation delays ({', '.join(ESCALATION_LEVELS)}), "
                         f"got {len(v)}: {v}")
    for d in v:
        if not 0 <= d <= 10_000:
            raise ValueError(f"escalation delays are {unit} between 0 and 10000, got {d:g}")
    return v


class CaseTypeClocks(BaseModel):
    """The clocks of one case type. A budget of 0 switches that clock off for the type."""

    model_config = ConfigDict(extra="forbid")

    # dispatch to a department ≤ this many minutes after acceptance (the seeds: 60); never paused
    dispatch_minutes: float = Field(60.0, ge=0, le=7 * 24 * 60)
    # the warning comes this many minutes before the dispatch deadline (0 = no warning)
    dispatch_warning_minutes: float = Field(10.0, ge=0, le=7 * 24 * 60)
    # after the dispatch breach: team lead, department head, director — each this many minutes after the one
    # before (the first counts from the breach; 0 = at the breach). Fewer entries = fewer levels.
    dispatch_escalation_minutes: list[float] = Field(default_factory=lambda: [0.0, 30.0, 60.0])
    # the investigation report ≤ this many days after acceptance (the seeds: 3)
    report_days: float = Field(3.0, ge=0, le=365)
    # the case closed ≤ this many days after acceptance (the seeds: 6)
    close_days: float = Field(6.0, ge=0, le=365)
    # the warning comes this many hours before the report and closure deadlines (0 = no warning)
    days_warning_hours: float = Field(4.0, ge=0, le=365 * 24)
    # after a report or closure breach: team lead, department head, director, each this many hours after the
    # one before (the first from the breach)
    days_escalation_hours: list[float] = Field(default_factory=lambda: [0.0, 8.0, 24.0])

    @field_validator("dispatch_escalation_minutes")
    @classmethod
    def _dispatch_delays(cls, v: list[float]) -> list[float]:
        return _delays(v, "minutes")

    @field_validator("days_escalation_hours")
    @classmethod
    def _days_delays(cls, v: list[float]) -> list[float]:
        return _delays(v, "hours")

    @model_validator(mode="after")
    def _warnings_before_deadlines(self) -> CaseTypeClocks:
        if self.dispatch_minutes and self.dispatch_warning_minutes >= self.dispatch_minutes:
            raise ValueError(f"dispatch_warning_minutes ({self.dispatch_warning_minutes:g}) must be less than "
                             f"dispatch_minutes ({self.dispatch_minutes:g}); a shorter deadline needs a shorter "
                             "warning (or 0)")
        for name in ("report_days", "close_days"):
            days: float = getattr(self, name)
            if days and self.days_warning_hours >= days * 24:
                raise ValueError(f"days_warning_hours ({self.days_warning_hours:g}) must be less than {name} "
                                 f"({days:g} days = {days * 24:g} hours); a shorter deadline needs a shorter "
                                 "warning (or 0)")
        if self.report_days and self.close_days and self.report_days > self.close_days:
            raise ValueError(f"report_days ({self.report_days:g}) must not be more than close_days "
                             f"({self.close_days:g}): the report comes before the closure")
        return self

    # the clocks as counted durations -----------------------------------------------------------------------
    def budget(self, clock: str) -> timedelta:
        """The clock's counted time from acceptance to its deadline (zero: the clock is off)."""
        if clock == "dispatch":
            return timedelta(minutes=self.dispatch_minutes)
        if clock == "report":
            return timedelta(days=self.report_days)
        if clock == "close":
            return timedelta(days=self.close_days)
        raise ValueError(f"unknown clock {clock!r} (one of {', '.join(CLOCKS)})")

    def warning_lead(self, clock: str) -> timedelta:
        if clock == "dispatch":
            return timedelta(minutes=self.dispatch_warning_minutes)
        self.budget(clock)
        return timedelta(hours=self.days_warning_hours)

    def escalation_delays(self, clock: str) -> tuple[timedelta, ...]:
        """The further delay of each escalation level in order (``ESCALATION_LEVELS``)."""
        if clock == "dispatch":
            return tuple(timedelta(minutes=m) for m in self.dispatch_escalation_minutes)
        self.budget(clock)
        return tuple(timedelta(hours=h) for h in self.days_escalation_hours)


def _pausable() -> list[PausableClock]:
    return ["report", "close"]


class ReviewSettings(BaseModel):
    """``settings.cases.review``: the monthly responsibility review of last month's closed complaints and the flag
    of an employee with too many upheld complaints (docs/cases.md, "Responsibility review")."""

    model_config = ConfigDict(extra="forbid")

    # last month's closed complaints are reviewed by the end of this day of the month (the seeds: the 10th), in
    # the centre's timezone: overdue from 00:00 of the day after
    deadline_day: int = Field(10, ge=1, le=28)
    # the reminder comes this many days before the deadline (3: from 00:00 on the 8th, the last three days); 0: none
    reminder_days: int = Field(3, ge=0, le=28)
    # who reviews: this username; unset, the supervisors and admins (a department head reviews their department's)
    reviewer: str | None = Field(None, min_length=1, max_length=64)
    # an employee with this many upheld complaints accepted within flag_window_months is flagged
    flag_upheld: int = Field(3, ge=1, le=1000)
    flag_window_months: int = Field(6, ge=1, le=60)
    # how often the reminder and the overdue mark are checked (the board's alerts)
    check_interval_seconds: float = Field(60.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _reminder_in_month(self) -> ReviewSettings:
        if self.reminder_days > self.deadline_day:
            raise ValueError(f"reminder_days ({self.reminder_days}) must not be more than deadline_day "
                             f"({self.deadline_day}): the reminder comes within the month of the deadline")
        return self


class CasesSettings(BaseModel):
    """``settings.cases``: the case clocks per type, how days count, and the checker (docs/cases.md, "Clocks")."""

    model_config = ConfigDict(extra="forbid")

    complaint: CaseTypeClocks = Field(default_factory=CaseTypeClocks)
    suggestion: CaseTypeClocks = Field(default_factory=CaseTypeClocks)
    fault: CaseTypeClocks = Field(default_factory=CaseTypeClocks)
    service_request: CaseTypeClocks = Field(default_factory=CaseTypeClocks)
    # "calendar": every hour counts; "working": only the hours of working days (Monday to Friday, not a public
    # holiday of the shifts' calendar), each day taken in the centre's timezone (settings.timezone)
    day_mode: DayMode = "calendar"
    # the clocks that stand still while the case waits for the customer (the time between "waiting for the
    # customer" and the customer's answer is not counted); dispatch is never paused: it is the centre's own step
    paused_clocks: list[PausableClock] = Field(default_factory=_pausable)
    # the clock checker looks at every open case this often (a breach is recorded with its true time whenever
    # the check sees it)
    check_interval_seconds: float = Field(10.0, gt=0, le=3600)
    # incidents: this many complaints of the same cause within incident_window_minutes alert the duty manager
    incident_complaints: int = Field(5, ge=2, le=10_000)
    incident_window_minutes: float = Field(30.0, gt=0, le=7 * 24 * 60)
    # who a clock escalated to the director level is told to: this username; unset, the users with role admin
    director: str | None = Field(None, min_length=1, max_length=64)
    # who an incident is told to: this username; unset, the users with role supervisor
    duty_manager: str | None = Field(None, min_length=1, max_length=64)
    # the monthly responsibility review and the flag (docs/cases.md, "Responsibility review")
    review: ReviewSettings = Field(default_factory=ReviewSettings)

    @field_validator("paused_clocks")
    @classmethod
    def _unique(cls, v: list[PausableClock]) -> list[PausableClock]:
        if len(set(v)) != len(v):
            raise ValueError(f"each clock at most once, got {v}")
        return v

    def of(self, case_type: str) -> CaseTypeClocks:
        """The clocks of ``case_type`` (one of ``CASE_TYPES``)."""
        if case_type not in CASE_TYPES:
            raise ValueError(f"unknown case type {case_type!r} (one of {', '.join(CASE_TYPES)})")
        clocks: CaseTypeClocks = getattr(self, case_type)
        return clocks
