"""The case clocks (callcenter/cases/clocks.py, issue 14 "3. Clocks"): every boundary on exact instants — 59:59 /
60:00 for dispatch, 3 and 6 days, working days across a weekend and a holiday, the centre's timezone, the pause
rule, the escalation levels and their delays — and the settings that shape them (callcenter/cases/config.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from callcenter.cases.clocks import (
    CaseClockFacts,
    CaseClocks,
    ClockState,
    ComplaintArrival,
    incident_started_by,
    incidents,
)
from callcenter.cases.config import CasesSettings, CaseTypeClocks
from callcenter.settings import SettingsError, load_settings

SH = ZoneInfo("Asia/Shanghai")
NEW_YEAR = date(2026, 1, 1)  # a Thursday; 2026-01-02 is a Friday, 01-03/04 the weekend, 01-05 a Monday
S, M, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A local time in the centre (Asia/Shanghai, UTC+8), as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SH).astimezone(UTC)


def facts(accepted_at: datetime, **kw: Any) -> CaseClockFacts:
    base: dict[str, Any] = dict(case_id=1, number="TS-20260102-0001", type="complaint", severity="ordinary",
                                department_id=None, accepted_at=accepted_at, dispatched_at=None, reported_at=None,
                                closed_at=None, paused=(), events=frozenset())
    base.update(kw)
    return CaseClockFacts(**base)


def clocks(**kw: Any) -> CaseClocks:
    return CaseClocks(CasesSettings(**kw), "Asia/Shanghai")


def state(c: CaseClocks, f: CaseClockFacts, now: datetime, clock: str,
          holidays: frozenset[date] = frozenset()) -> ClockState:
    return next(s for s in c.states(f, now, holidays) if s.clock == clock)


def kinds(c: CaseClocks, f: CaseClockFacts, now: datetime, holidays: frozenset[date] = frozenset()) -> list[str]:
    return [e.kind for e in c.due_events(f, now, holidays)]


def at_of(c: CaseClocks, f: CaseClockFacts, now: datetime, kind: str,
          holidays: frozenset[date] = frozenset()) -> datetime:
    return next(e.at for e in c.due_events(f, now, holidays) if e.kind == kind)


ACC = local(2026, 1, 2, 10, 0)  # Friday 10:00 in the centre


# dispatch: 60 minutes, warned 10 minutes before ------------------------------------------------------------------
def test_dispatch_breach_comes_at_60_00_not_59_59() -> None:
    c, f = clocks(), facts(ACC)
    before = ACC + 59 * M + 59 * S
    assert "dispatch.breach" not in kinds(c, f, before)
    assert state(c, f, before, "dispatch").status == "warning"
    assert state(c, f, before, "dispatch").remaining_seconds == 1.0
    at = ACC + 60 * M
    assert "dispatch.breach" in kinds(c, f, at)
    assert at_of(c, f, at, "dispatch.breach") == at
    s = state(c, f, at, "dispatch")
    assert (s.status, s.due_at, s.remaining_seconds) == ("breached", at, 0.0)


def test_dispatch_warning_comes_10_minutes_before() -> None:
    c, f = clocks(), facts(ACC)
    assert kinds(c, f, ACC + 49 * M + 59 * S) == []
    assert state(c, f, ACC + 49 * M + 59 * S, "dispatch").status == "running"
    assert kinds(c, f, ACC + 50 * M) == ["dispatch.warning"]
    assert state(c, f, ACC + 50 * M, "dispatch").warning_at == ACC + 50 * M


def test_dispatched_at_59_59_is_met_and_at_60_00_is_late() -> None:
    c = clocks()
    later = ACC + 5 * H
    on_time = facts(ACC, dispatched_at=ACC + 59 * M + 59 * S)
    assert state(c, on_time, later, "dispatch").status == "met"
    assert [k for k in kinds(c, on_time, later) if k.startswith("dispatch")] == ["dispatch.warning"]
    late = facts(ACC, dispatched_at=ACC + 60 * M)
    assert state(c, late, later, "dispatch").status == "met_late"
    assert "dispatch.breach" in kinds(c, late, later)  # the breach stays recorded
    assert at_of(c, late, later, "dispatch.breach") == ACC + 60 * M


def test_a_later_milestone_stops_the_dispatch_clock_too() -> None:
    c = clocks()
    f = facts(ACC, reported_at=ACC + 20 * M)  # reported without a recorded dispatch: dispatched by then
    s = state(c, f, ACC + 3 * H, "dispatch")
    assert (s.status, s.stopped_at) == ("met", ACC + 20 * M)
    assert not [k for k in kinds(c, f, ACC + 3 * H) if k.startswith("dispatch")]


# report 3 days, closure 6 days (calendar mode) ---------------------------------------------------------------------
@pytest.mark.parametrize(("clock", "days"), [("report", 3), ("close", 6)])
def test_days_clocks_breach_at_exactly_n_days(clock: str, days: int) -> None:
    c, f = clocks(), facts(ACC, dispatched_at=ACC + 10 * M)
    due = ACC + days * D
    assert f"{clock}.breach" not in kinds(c, f, due - S)
    assert state(c, f, due - S, clock).status == "warning"  # the warning came 4 hours before
    assert at_of(c, f, due - S, f"{clock}.warning") == due - 4 * H
    assert state(c, f, due - 4 * H - S, clock).status == "running"
    assert at_of(c, f, due, f"{clock}.breach") == due
    assert state(c, f, due, clock).status == "breached"
    assert c.deadlines(f)[clock] == due


def test_report_met_stops_the_report_clock_but_not_the_closure() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + 5 * M, reported_at=ACC + 2 * D)
    now = ACC + 7 * D
    assert state(c, f, now, "report").status == "met"
    assert state(c, f, now, "close").status == "breached"
    assert [k for k in kinds(c, f, now) if k.startswith("report")] == []
    closed = dataclasses.replace(f, closed_at=ACC + 6 * D)  # exactly at the deadline: late
    assert state(c, closed, now, "close").status == "met_late"
    assert "close.breach" in kinds(c, closed, now)
    assert "close.escalate.2" not in kinds(c, closed, now)  # escalations stop with the clock


# working days: weekends, holidays, the centre's timezone -------------------------------------------------------------
def test_working_days_skip_the_weekend() -> None:
    c, f = clocks(day_mode="working"), facts(local(2026, 1, 2, 15, 0))  # Friday 15:00
    d = c.deadlines(f)
    assert d["report"] == local(2026, 1, 7, 15, 0)  # Fri, Mon, Tue -> Wednesday 15:00
    assert d["close"] == local(2026, 1, 12, 15, 0)  # Fri, Mon..Fri -> the Monday after, 15:00
    assert d["dispatch"] == local(2026, 1, 2, 16, 0)  # dispatch counts every minute: the centre's own step
    cal = clocks().deadlines(f)
    assert (cal["report"], cal["close"]) == (local(2026, 1, 5, 15, 0), local(2026, 1, 8, 15, 0))
    # over the weekend the clock stands still: the same counted time left on Saturday and on Sunday evening
    sat, sun = state(c, f, local(2026, 1, 3, 9, 0), "report"), state(c, f, local(2026, 1, 4, 23, 0), "report")
    assert sat.remaining_seconds == sun.remaining_seconds == (3 * D - 9 * H).total_seconds()
    assert at_of(c, f, local(2026, 1, 7, 15, 0), "report.breach") == local(2026, 1, 7, 15, 0)
    assert "report.breach" not in kinds(c, f, local(2026, 1, 7, 14, 59, 59))


def test_working_days_skip_a_public_holiday() -> None:
    c = clocks(day_mode="working")
    f = facts(local(2025, 12, 31, 10, 0))  # Wednesday; Thursday 1 January is the holiday
    hol = frozenset({NEW_YEAR})
    # Wed 14 h, (Thu holiday), Fri 24 h, (weekend), Mon 24 h = 62 h; 10 more on Tuesday
    assert c.deadlines(f, hol)["report"] == local(2026, 1, 6, 10, 0)
    assert c.deadlines(f)["report"] == local(2026, 1, 5, 10, 0)  # no holiday: Wed, Thu, Fri -> Monday 10:00
    assert "report.breach" not in kinds(c, f, local(2026, 1, 6, 9, 59, 59), hol)
    assert at_of(c, f, local(2026, 1, 6, 10, 0), "report.breach", hol) == local(2026, 1, 6, 10, 0)
    # warned 4 counted hours before: Tuesday 06:00
    assert at_of(c, f, local(2026, 1, 6, 10, 0), "report.warning", hol) == local(2026, 1, 6, 6, 0)


def test_a_case_accepted_at_the_weekend_starts_counting_on_monday() -> None:
    c = clocks(day_mode="working")
    f = facts(local(2026, 1, 3, 10, 0))  # Saturday
    assert c.deadlines(f)["report"] == local(2026, 1, 8, 0, 0)  # Mon, Tue, Wed -> Thursday 00:00
    # a warning lead reaches back over a weekend: Wednesday 02:00 + 3 working days = Monday 02:00 (Wed 22 h,
    # Thu, Fri, Mon 2 h), warned 4 counted hours before: Friday 22:00
    g = facts(local(2026, 1, 7, 2, 0))
    assert c.deadlines(g)["report"] == local(2026, 1, 12, 2, 0)
    assert at_of(c, g, local(2026, 1, 12, 2, 0), "report.warning") == local(2026, 1, 9, 22, 0)
    # three working days that end with a Friday end at its midnight
    assert c.deadlines(facts(local(2026, 1, 7, 0, 0)))["report"] == local(2026, 1, 10, 0, 0)


def test_days_are_the_centres_local_days() -> None:
    # 23:30 on Friday in Shanghai (15:30 UTC): half an hour of Friday counts, then Monday...
    c = clocks(day_mode="working")
    assert c.deadlines(facts(local(2026, 1, 2, 23, 30)))["report"] == local(2026, 1, 7, 23, 30)
    # 00:30 on Saturday in Shanghai is still Friday (16:30) in UTC: the centre's day decides, so nothing counts
    # before Monday 00:00 local
    sat = local(2026, 1, 3, 0, 30)
    assert sat == datetime(2026, 1, 2, 16, 30, tzinfo=UTC)
    assert c.deadlines(facts(sat))["report"] == local(2026, 1, 8, 0, 0)
    in_utc = CaseClocks(CasesSettings(day_mode="working"), "UTC")
    assert in_utc.deadlines(facts(sat))["report"] == datetime(2026, 1, 7, 16, 30, tzinfo=UTC)
    # a holiday is the centre's local date too
    hol = frozenset({date(2026, 1, 5)})
    assert c.deadlines(facts(local(2026, 1, 2, 23, 30)), hol)["report"] == local(2026, 1, 8, 23, 30)


def test_calendar_days_are_24_hour_periods_from_acceptance() -> None:
    c = clocks()
    f = facts(local(2026, 1, 2, 23, 30))
    assert c.deadlines(f)["report"] == local(2026, 1, 5, 23, 30)
    assert c.deadlines(f)["close"] == local(2026, 1, 8, 23, 30)


# the pause rule: waiting for the customer stops report and closure, never dispatch ----------------------------------
def test_a_closed_pause_moves_the_days_deadlines_not_dispatch() -> None:
    c = clocks()
    f = facts(ACC, paused=((ACC + 30 * M, ACC + 30 * M + D),))
    d = c.deadlines(f)
    assert d["dispatch"] == ACC + 60 * M
    assert d["report"] == ACC + 4 * D
    assert d["close"] == ACC + 7 * D
    assert "report.breach" not in kinds(c, f, ACC + 4 * D - S)
    assert at_of(c, f, ACC + 4 * D, "report.breach") == ACC + 4 * D
    assert "dispatch.breach" in kinds(c, f, ACC + 60 * M)


def test_an_open_pause_holds_the_clock_and_nothing_breaches() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + 5 * M, paused=((ACC + D, None),))
    now = ACC + 30 * D
    s = state(c, f, now, "report")
    assert (s.status, s.due_at, s.paused) == ("paused", None, True)
    assert s.remaining_seconds == (2 * D).total_seconds()  # frozen at the pause
    assert state(c, f, ACC + 2 * D, "report").remaining_seconds == s.remaining_seconds
    assert [k for k in kinds(c, f, now) if not k.startswith("dispatch")] == []
    assert c.deadlines(f)["report"] is None
    assert state(c, f, now, "dispatch").status == "met"


def test_a_pause_after_the_breach_keeps_it_breached() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + 5 * M, paused=((ACC + 3 * D + H, None),))
    s = state(c, f, ACC + 5 * D, "report")
    assert (s.status, s.paused) == ("breached", True)
    assert at_of(c, f, ACC + 5 * D, "report.breach") == ACC + 3 * D
    # the escalations after the breach stand still while paused: only those before the pause came
    assert [k for k in kinds(c, f, ACC + 5 * D) if k.startswith("report.escalate")] == ["report.escalate.1"]


def test_a_warning_before_an_open_pause_is_recorded() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + 5 * M, paused=((ACC + 3 * D - H, None),))  # paused after the warning
    events = [e for e in c.due_events(f, ACC + 9 * D) if e.clock == "report"]
    assert [(e.kind, e.at, e.due_at) for e in events] == [("report.warning", ACC + 3 * D - 4 * H, None)]


def test_pauses_in_working_mode_and_overlapping_pauses() -> None:
    c = clocks(day_mode="working")
    f = facts(local(2026, 1, 5, 10, 0),  # Monday 10:00
              paused=((local(2026, 1, 5, 12, 0), local(2026, 1, 5, 18, 0)),
                      (local(2026, 1, 5, 16, 0), local(2026, 1, 6, 0, 0)),  # overlaps: paused 12:00-24:00
                      (local(2026, 1, 3, 0, 0), local(2026, 1, 5, 11, 0))))  # began before acceptance
    # Monday counts 10:00-11:00 and nothing after the 11:00..24:00 pause: 1 h; then Tue, Wed 48 h; 23 h Thursday
    assert c.deadlines(f)["report"] == local(2026, 1, 8, 23, 0)


def test_the_pause_rule_is_a_setting() -> None:
    f = facts(ACC, paused=((ACC + H, ACC + H + D),))
    assert clocks(paused_clocks=[]).deadlines(f)["report"] == ACC + 3 * D
    only_close = clocks(paused_clocks=["close"]).deadlines(f)
    assert (only_close["report"], only_close["close"]) == (ACC + 3 * D, ACC + 7 * D)


# escalation: team lead -> department head -> director ----------------------------------------------------------------
def test_dispatch_escalates_by_levels_after_their_delays() -> None:
    c, f = clocks(), facts(ACC)
    breach = ACC + 60 * M
    events = {e.kind: e for e in c.due_events(f, breach + 2 * H)}
    assert events["dispatch.escalate.1"].at == breach and events["dispatch.escalate.1"].to == "team_lead"
    assert events["dispatch.escalate.2"].at == breach + 30 * M
    assert events["dispatch.escalate.2"].to == "department_head"
    assert events["dispatch.escalate.3"].at == breach + 90 * M and events["dispatch.escalate.3"].to == "director"
    assert [events[f"dispatch.escalate.{n}"].level for n in (1, 2, 3)] == [1, 2, 3]
    s = state(c, f, breach + 30 * M - S, "dispatch")
    assert (s.escalation_level, s.escalated_to) == (1, "team_lead")
    assert "dispatch.escalate.2" not in kinds(c, f, breach + 30 * M - S)
    s = state(c, f, breach + 30 * M, "dispatch")
    assert (s.escalation_level, s.escalated_to) == (2, "department_head")
    assert state(c, f, breach + 90 * M, "dispatch").escalated_to == "director"
    assert kinds(c, f, breach + 89 * M) == ["dispatch.warning", "dispatch.breach", "dispatch.escalate.1",
                                            "dispatch.escalate.2"]


def test_escalation_delays_and_levels_are_settings() -> None:
    rules = CaseTypeClocks(dispatch_escalation_minutes=[5, 10], days_escalation_hours=[2])
    c = clocks(complaint=rules)
    f = facts(ACC, dispatched_at=None)
    ev = {e.kind: e.at for e in c.due_events(f, ACC + 10 * D)}
    assert ev["dispatch.escalate.1"] == ACC + 65 * M
    assert ev["dispatch.escalate.2"] == ACC + 75 * M
    assert "dispatch.escalate.3" not in ev
    assert ev["report.escalate.1"] == ACC + 3 * D + 2 * H and "report.escalate.2" not in ev
    none = clocks(complaint=CaseTypeClocks(dispatch_escalation_minutes=[]))
    assert [k for k in kinds(none, f, ACC + 5 * H) if k.startswith("dispatch")] == ["dispatch.warning",
                                                                                     "dispatch.breach"]


def test_days_clocks_escalate_by_hours() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + M)
    breach = ACC + 3 * D
    ev = {e.kind: e for e in c.due_events(f, breach + 40 * H)}
    assert (ev["report.escalate.1"].at, ev["report.escalate.2"].at, ev["report.escalate.3"].at) == (
        breach, breach + 8 * H, breach + 32 * H)
    assert "report.escalate.3" not in kinds(c, f, breach + 32 * H - S)


def test_escalations_stop_when_the_milestone_comes() -> None:
    c = clocks()
    f = facts(ACC, dispatched_at=ACC + 60 * M + 45 * M)
    assert [k for k in kinds(c, f, ACC + D) if k.startswith("dispatch")] == [
        "dispatch.warning", "dispatch.breach", "dispatch.escalate.1", "dispatch.escalate.2"]
    s = state(c, f, ACC + D, "dispatch")
    assert (s.status, s.escalation_level) == ("met_late", 2)


# restart: recorded events are not due again; missed ones keep their true time -----------------------------------------
def test_recorded_events_are_not_due_again_and_missed_ones_keep_their_true_time() -> None:
    c = clocks()
    f = facts(ACC, events=frozenset({"dispatch.warning", "dispatch.breach"}))
    # the service was down from 10:55 to 13:00: the escalations came meanwhile
    now = ACC + 3 * H
    events = c.due_events(f, now)
    assert [(e.kind, e.at) for e in events] == [("dispatch.escalate.1", ACC + 60 * M),
                                                ("dispatch.escalate.2", ACC + 90 * M),
                                                ("dispatch.escalate.3", ACC + 150 * M)]
    everything = dataclasses.replace(f, events=frozenset(e.kind for e in events) | f.events)
    assert c.due_events(everything, now) == []


def test_event_detail_names_the_clock_the_deadline_and_who() -> None:
    c = clocks()
    f = facts(ACC, department_id=7, severity="serious")
    e = next(e for e in c.due_events(f, ACC + 2 * H) if e.kind == "dispatch.escalate.2")
    assert e.detail() == {"number": "TS-20260102-0001", "clock": "dispatch", "due_at": "2026-01-02T03:00:00Z",
                          "level": 2, "to": "department_head", "type": "complaint", "severity": "serious",
                          "department_id": 7}


# per type, clocks off ---------------------------------------------------------------------------------------------
def test_each_type_has_its_own_clocks_and_a_zero_budget_switches_one_off() -> None:
    c = clocks(suggestion=CaseTypeClocks(dispatch_minutes=0, report_days=0, close_days=10),
               fault=CaseTypeClocks(dispatch_minutes=30, dispatch_warning_minutes=5))
    s = facts(ACC, type="suggestion")
    assert c.deadlines(s) == {"close": ACC + 10 * D}
    assert [x.status for x in c.states(s, ACC + 2 * D)] == ["off", "off", "running"]
    assert not [k for k in kinds(c, s, ACC + 9 * D) if not k.startswith("close")]
    fault = facts(ACC, type="fault")
    assert c.deadlines(fault)["dispatch"] == ACC + 30 * M
    assert c.deadlines(facts(ACC, type="service_request"))["dispatch"] == ACC + 60 * M


def test_naive_times_are_taken_as_utc() -> None:
    c = clocks()
    naive = ACC.replace(tzinfo=None)
    assert c.deadlines(facts(naive))["dispatch"] == ACC + 60 * M


# the settings ------------------------------------------------------------------------------------------------------
def test_defaults_are_the_seeds() -> None:
    s = CasesSettings()
    for t in ("complaint", "suggestion", "fault", "service_request"):
        r = s.of(t)
        assert (r.budget("dispatch"), r.budget("report"), r.budget("close")) == (60 * M, 3 * D, 6 * D)
        assert (r.warning_lead("dispatch"), r.warning_lead("close")) == (10 * M, 4 * H)
        assert r.escalation_delays("dispatch") == (0 * M, 30 * M, 60 * M)
        assert r.escalation_delays("report") == (0 * H, 8 * H, 24 * H)
    assert (s.day_mode, s.paused_clocks, s.incident_complaints, s.incident_window_minutes) == (
        "calendar", ["report", "close"], 5, 30.0)
    with pytest.raises(ValueError, match="unknown case type 'letter'"):
        s.of("letter")
    with pytest.raises(ValueError, match="unknown clock"):
        s.complaint.budget("lunch")


@pytest.mark.parametrize(("kw", "message"), [
    ({"dispatch_minutes": 5}, r"dispatch_warning_minutes \(10\) must be less than dispatch_minutes \(5\)"),
    ({"report_days": 0.1}, r"days_warning_hours \(4\) must be less than report_days"),
    ({"report_days": 7}, r"report_days \(7\) must not be more than close_days \(6\)"),
    ({"dispatch_escalation_minutes": [0, 1, 2, 3]}, r"at most 3 escalation delays"),
    ({"days_escalation_hours": [-1]}, r"escalation delays are hours between 0 and 10000"),
    ({"dispatch_minutes": -1}, r"greater than or equal to 0"),
    ({"dispatch_minute": 5}, r"Extra inputs are not permitted"),
])
def test_bad_type_clocks_are_refused_with_a_reason(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CaseTypeClocks(**kw)


def test_bad_cases_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="day_mode"):
        CasesSettings(day_mode="lunar")  # type: ignore[arg-type]  # refused at run time: the point of the test
    with pytest.raises(ValidationError, match="each clock at most once"):
        CasesSettings(paused_clocks=["report", "report"])
    with pytest.raises(ValidationError, match="paused_clocks"):
        CasesSettings(paused_clocks=["dispatch"])  # type: ignore[list-item]  # dispatch is never paused
    with pytest.raises(ValidationError, match="check_interval_seconds"):
        CasesSettings(check_interval_seconds=0)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_CASES__COMPLAINT__DISPATCH_MINUTES", "2")
    monkeypatch.setenv("CALLCENTER_CASES__COMPLAINT__DISPATCH_WARNING_MINUTES", "1")
    monkeypatch.setenv("CALLCENTER_CASES__COMPLAINT__DISPATCH_ESCALATION_MINUTES", "[0, 1]")
    monkeypatch.setenv("CALLCENTER_CASES__DAY_MODE", "working")
    s = load_settings()
    assert s.cases.complaint.dispatch_minutes == 2 and s.cases.complaint.dispatch_escalation_minutes == [0, 1]
    assert s.cases.day_mode == "working" and s.cases.fault.dispatch_minutes == 60
    monkeypatch.setenv("CALLCENTER_CASES__COMPLAINT__DISPATCH_WARNING_MINUTES", "2")
    with pytest.raises(SettingsError, match=r"cases\.complaint \(CALLCENTER_CASES__COMPLAINT\): "
                                            r"dispatch_warning_minutes \(2\) must be less than"):
        load_settings()


def test_due_names_the_next_instant_to_come() -> None:
    c = clocks()
    f = facts(ACC)
    assert c.due(f, ACC) == ([], ACC + 50 * M)
    events, upcoming = c.due(f, ACC + 55 * M)
    assert [e.kind for e in events] == ["dispatch.warning"] and upcoming == ACC + 60 * M
    recorded = dataclasses.replace(f, events=frozenset({"dispatch.warning"}))
    assert c.due(recorded, ACC + 55 * M) == ([], ACC + 60 * M)
    done = dataclasses.replace(f, dispatched_at=ACC + 5 * M)
    assert c.due(done, ACC + 10 * M)[1] == ACC + 3 * D - 4 * H  # the report's warning
    waiting = dataclasses.replace(done, paused=((ACC + 10 * M, None),))
    assert c.due(waiting, ACC + 11 * M) == ([], None)  # nothing until the facts change
    everything = dataclasses.replace(done, closed_at=ACC + 20 * M)
    assert c.due(everything, ACC + D) == ([], None)


@pytest.mark.parametrize("working_days", [5, 60, 200, 365])
def test_long_working_day_clocks_match_a_day_by_day_count(working_days: int) -> None:
    hol = frozenset({date(2026, 1, 19), date(2026, 5, 1), date(2026, 10, 1), date(2026, 10, 2)})
    c = clocks(day_mode="working", complaint=CaseTypeClocks(report_days=1, close_days=working_days))
    start = local(2026, 1, 14, 9, 30)  # a Wednesday
    day, left = date(2026, 1, 14), timedelta(days=working_days)
    first = True
    while True:  # count day by day: the first day from 09:30, then whole working days
        if day.weekday() < 5 and day not in hol:
            have = D - (9 * H + 30 * M) if first else D
            if have >= left:
                expected = local(day.year, day.month, day.day) + (D - have) + left
                break
            left -= have
        first = False
        day += D
    assert c.deadlines(facts(start), hol)["close"] == expected


# incidents: N complaints of one cause within M minutes (default 5 in 30) ---------------------------------------------
def arrivals(*minutes: float, cause: str = "line_fault", first_id: int = 1) -> list[ComplaintArrival]:
    return [ComplaintArrival(first_id + i, f"TS-{first_id + i}", cause, ACC + timedelta(minutes=m))
            for i, m in enumerate(minutes)]


def test_five_complaints_of_one_cause_within_30_minutes_are_an_incident() -> None:
    s = CasesSettings()
    assert incidents(arrivals(0, 5, 10, 20), s) == []  # four
    (one,) = incidents(arrivals(0, 5, 10, 20, 30), s)  # the fifth at 30:00 after the first
    assert (one.cause, one.at, one.numbers) == ("line_fault", ACC + 30 * M, ("TS-1", "TS-2", "TS-3", "TS-4", "TS-5"))
    assert incidents(arrivals(0, 5, 10, 20, 30.02), s) == []  # 30:01.2: the first is out of the window
    # ... but the window slides: 5..35 holds five
    (late,) = incidents(arrivals(0, 5, 10, 20, 30.02, 35), s)
    assert late.numbers == ("TS-2", "TS-3", "TS-4", "TS-5", "TS-6") and late.at == ACC + 35 * M


def test_causes_do_not_mix_and_complaints_without_a_cause_do_not_count() -> None:
    s = CasesSettings()
    mixed = arrivals(0, 1, 2, cause="line_fault") + arrivals(3, 4, cause="billing", first_id=10)
    assert incidents(mixed, s) == []
    assert incidents(arrivals(0, 1, 2, 3, 4, cause=""), s) == []


def test_later_complaints_join_the_incident_and_a_quiet_window_ends_it() -> None:
    s = CasesSettings()
    burst = arrivals(0, 1, 2, 3, 4, 20, 45, 100, 101, 102, 103, 104)
    first, second = incidents(burst, s)
    assert first.at == ACC + 4 * M and first.numbers == tuple(f"TS-{i}" for i in range(1, 8))  # 20, 45 joined
    assert second.at == ACC + 104 * M and second.numbers == tuple(f"TS-{i}" for i in range(8, 13))
    assert incident_started_by(5, burst, s) == first
    assert incident_started_by(12, burst, s) == second
    assert incident_started_by(6, burst, s) is None  # joined: no new alert
    assert incident_started_by(4, burst, s) is None


def test_the_incident_rule_is_a_setting() -> None:
    s = CasesSettings(incident_complaints=3, incident_window_minutes=10)
    assert [i.at for i in incidents(arrivals(0, 4, 10), s)] == [ACC + 10 * M]
    assert incidents(arrivals(0, 4, 11), s) == []
    unordered = list(reversed(arrivals(0, 4, 10)))
    assert incident_started_by(3, unordered, s) is not None
    with pytest.raises(ValidationError, match="incident_complaints"):
        CasesSettings(incident_complaints=1)


def test_a_case_accepted_after_now_has_its_whole_budget_left() -> None:
    c = clocks()
    s = state(c, facts(ACC + M), ACC, "dispatch")
    assert (s.status, s.remaining_seconds) == ("running", 3600.0)
    assert c.due_events(facts(ACC + M), ACC) == []
