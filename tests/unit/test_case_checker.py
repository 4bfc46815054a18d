"""The case clock checker (callcenter/cases/checker.py) on the injected clock with a fake source: each due event
recorded once at its true time and told once; restart-safe; holidays read in working mode only; the periodic
task."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.app import Stack
from callcenter.auth.actor import Actor
from callcenter.cases.checker import CaseClockChecker, holidays_from
from callcenter.cases.clocks import CaseClockFacts, ClockEvent
from callcenter.cases.config import CasesSettings
from callcenter.cases.service import NewCase
from callcenter.clock import FakeClock
from callcenter.shifts.models import PublicHoliday
from tests.helpers import stack_settings

SH = ZoneInfo("Asia/Shanghai")
S, M, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
ACC = datetime(2026, 1, 2, 10, 0, tzinfo=SH).astimezone(UTC)  # Friday 10:00 in the centre


def facts(case_id: int = 1, accepted_at: datetime = ACC, **kw: Any) -> CaseClockFacts:
    base: dict[str, Any] = dict(case_id=case_id, number=f"TS-20260102-{case_id:04d}", type="complaint",
                                severity="ordinary", department_id=3, accepted_at=accepted_at, dispatched_at=None,
                                reported_at=None, closed_at=None, paused=(), events=frozenset())
    base.update(kw)
    return CaseClockFacts(**base)


class FakeSource:
    """The cases repository as the checker sees it: open cases, and one row per (case, kind)."""

    def __init__(self, *cases: CaseClockFacts) -> None:
        self.cases = {f.case_id: f for f in cases}
        self.rows: dict[tuple[int, str], tuple[datetime, dict[str, Any]]] = {}
        self.fail_kinds: set[str] = set()
        self.reads = 0

    async def open_case_clocks(self) -> Sequence[CaseClockFacts]:
        self.reads += 1
        return [dataclasses.replace(f, events=frozenset(k for (c, k) in self.rows if c == f.case_id))
                for f in self.cases.values() if f.closed_at is None]

    async def record_clock_event(self, case_id: int, kind: str, at: datetime, detail: dict[str, Any]) -> bool:
        if kind in self.fail_kinds:
            raise RuntimeError("database refused")
        if (case_id, kind) in self.rows:
            return False
        self.rows[case_id, kind] = (at, detail)
        return True


class Told:
    def __init__(self) -> None:
        self.events: list[ClockEvent] = []
        self.fail = False

    async def __call__(self, event: ClockEvent) -> None:
        if self.fail:
            raise RuntimeError("board away")
        self.events.append(event)


class Holidays:
    def __init__(self, *days: date) -> None:
        self.days = frozenset(days)
        self.asked: list[tuple[date, date]] = []

    async def __call__(self, start: date, end: date) -> frozenset[date]:
        self.asked.append((start, end))
        return frozenset(d for d in self.days if start <= d <= end)


def checker(source: FakeSource, clock: FakeClock, told: Told | None = None, holidays: Holidays | None = None,
            **kw: Any) -> CaseClockChecker:
    return CaseClockChecker(source, clock, CasesSettings(**kw), holidays or Holidays(), told or Told(),
                            timezone="Asia/Shanghai")


async def test_dispatch_breach_recorded_at_60_00_with_its_escalation_once() -> None:
    src, clock, told = FakeSource(facts()), FakeClock(ACC), Told()
    c = checker(src, clock, told)
    clock.set(ACC + 59 * M + 59 * S)
    r = await c.check()
    assert [e.kind for e in r.recorded] == ["dispatch.warning"] and r.cases == 1
    assert src.rows[1, "dispatch.warning"][0] == ACC + 50 * M  # its true time, not the check's
    clock.set(ACC + 60 * M)
    r = await c.check()
    assert [(e.kind, e.at) for e in r.recorded] == [("dispatch.breach", ACC + 60 * M),
                                                    ("dispatch.escalate.1", ACC + 60 * M)]
    assert src.rows[1, "dispatch.escalate.1"][1]["to"] == "team_lead"
    assert src.rows[1, "dispatch.breach"][1] == {
        "number": "TS-20260102-0001", "clock": "dispatch", "due_at": "2026-01-02T03:00:00Z", "level": 0,
        "to": None, "type": "complaint", "severity": "ordinary", "department_id": 3}
    assert (await c.check()).recorded == ()  # nothing twice
    assert [e.kind for e in told.events] == ["dispatch.warning", "dispatch.breach", "dispatch.escalate.1"]
    clock.set(ACC + 90 * M)
    assert [e.kind for e in (await c.check()).recorded] == ["dispatch.escalate.2"]
    assert told.events[-1].to == "department_head"
    assert c.checks == 4 and c.last is not None and c.last.at == ACC + 90 * M


async def test_a_restart_records_what_came_while_down_at_its_true_time_and_nothing_twice() -> None:
    src, clock = FakeSource(facts(1), facts(2, accepted_at=ACC + 2 * H)), FakeClock(ACC + 55 * M)
    before = checker(src, clock)
    await before.check()
    assert set(src.rows) == {(1, "dispatch.warning")}
    # down from 10:55 to the next day 10:00: a new checker (a new process) on the stored facts
    clock.set(ACC + D)
    told = Told()
    after = checker(src, clock, told)
    r = await after.check()
    got = {(e.case_id, e.kind): e.at for e in r.recorded}
    assert (1, "dispatch.warning") not in got
    assert got[1, "dispatch.breach"] == ACC + 60 * M
    assert got[1, "dispatch.escalate.3"] == ACC + 150 * M
    assert got[2, "dispatch.warning"] == ACC + 2 * H + 50 * M
    assert got[2, "dispatch.breach"] == ACC + 3 * H
    assert all(at < clock.now() for at in got.values())
    assert len(told.events) == len(r.recorded) == 4 + 5  # case 1: breach + 3 levels; case 2: and its warning
    again = checker(src, clock, Told())
    assert (await again.check()).recorded == ()


async def test_a_row_already_stored_is_not_told_again() -> None:
    # another instance recorded the breach after this one read the facts: the unique row answers False
    src, clock, told = FakeSource(facts()), FakeClock(ACC + 61 * M), Told()
    src.rows[1, "dispatch.breach"] = (ACC + 60 * M, {})
    real_open = src.open_case_clocks

    async def stale() -> Sequence[CaseClockFacts]:
        return [dataclasses.replace(f, events=frozenset()) for f in await real_open()]

    src.open_case_clocks = stale  # type: ignore[method-assign]  # a read from before the other's write
    r = await checker(src, clock, told).check()
    assert [e.kind for e in r.recorded] == ["dispatch.warning", "dispatch.escalate.1"]
    assert "dispatch.breach" not in [e.kind for e in told.events]


async def test_a_failing_record_is_tried_again_and_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    src, clock = FakeSource(facts(1), facts(2)), FakeClock(ACC + 61 * M)
    src.fail_kinds = {"dispatch.breach"}
    c = checker(src, clock)
    with caplog.at_level(logging.ERROR, logger="callcenter.cases.checker"):
        r = await c.check()
    assert r.failed == 2
    assert {k for (_, k) in src.rows} == {"dispatch.warning", "dispatch.escalate.1"}
    assert "recording clock event dispatch.breach failed" in caplog.text
    src.fail_kinds = set()
    r = await c.check()
    assert [(e.case_id, e.kind) for e in r.recorded] == [(1, "dispatch.breach"), (2, "dispatch.breach")]
    assert src.rows[1, "dispatch.breach"][0] == ACC + 60 * M


async def test_a_failing_notice_keeps_the_record(caplog: pytest.LogCaptureFixture) -> None:
    src, clock, told = FakeSource(facts()), FakeClock(ACC + 61 * M), Told()
    told.fail = True
    with caplog.at_level(logging.ERROR, logger="callcenter.cases.checker"):
        r = await checker(src, clock, told).check()
    assert len(r.recorded) == 3 and len(src.rows) == 3
    assert "telling clock event" in caplog.text


async def test_closed_and_milestoned_cases_record_no_more() -> None:
    src, clock = FakeSource(facts(1, dispatched_at=ACC + 30 * M), facts(2, closed_at=ACC + 10 * M)), FakeClock()
    clock.set(ACC + 2 * D)
    r = await checker(src, clock).check()
    assert r.cases == 1
    assert [e.kind for e in r.recorded] == []  # dispatched in time; report and close not yet due


async def test_working_days_read_the_holidays_once_per_check() -> None:
    hol = Holidays(date(2026, 1, 5))  # Monday off
    src = FakeSource(facts(1, dispatched_at=ACC + M), facts(2, accepted_at=ACC + D, dispatched_at=ACC + D + M))
    clock = FakeClock(datetime(2026, 1, 7, 22, 0, tzinfo=SH))
    c = checker(src, clock, holidays=hol, day_mode="working")
    # Fri 14 h, (weekend, Monday), Tue, Wed 48 h: 62 h -> the report breach is Thursday 10:00, not Wednesday
    assert not [e for e in (await c.check()).recorded if e.kind == "report.breach"]
    assert hol.asked == [(date(2026, 1, 2), date(2026, 1, 8))]
    clock.set(datetime(2026, 1, 8, 10, 0, tzinfo=SH))
    r = await c.check()
    assert [(e.case_id, e.at) for e in r.recorded if e.kind == "report.breach"] == [
        (1, datetime(2026, 1, 8, 10, 0, tzinfo=SH))]


async def test_calendar_days_do_not_read_holidays() -> None:
    hol = Holidays(date(2026, 1, 5))
    src, clock = FakeSource(facts(dispatched_at=ACC + M)), FakeClock(ACC + 3 * D)
    r = await checker(src, clock, holidays=hol).check()
    assert hol.asked == []
    assert ("report.breach", ACC + 3 * D) in [(e.kind, e.at) for e in r.recorded]


async def test_no_open_cases() -> None:
    src, hol = FakeSource(), Holidays()
    r = await checker(src, FakeClock(ACC), holidays=hol, day_mode="working").check()
    assert (r.cases, r.recorded, r.failed, hol.asked) == (0, (), 0, [])


async def test_the_periodic_task_checks_at_once_then_on_the_interval() -> None:
    src, clock, told = FakeSource(facts()), FakeClock(ACC + 61 * M), Told()
    c = checker(src, clock, told, check_interval_seconds=0.01)
    c.start()
    c.start()  # once
    for _ in range(500):
        if src.reads >= 3:
            break
        await asyncio.sleep(0.01)
    await c.stop()
    await c.stop()
    assert src.reads >= 3
    assert len(told.events) == 3  # each event once however many checks
    reads = src.reads
    await asyncio.sleep(0.05)
    assert src.reads == reads  # stopped


async def test_the_task_survives_a_failing_check(caplog: pytest.LogCaptureFixture) -> None:
    src, clock = FakeSource(facts()), FakeClock(ACC + 61 * M)
    calls = 0
    real_open = src.open_case_clocks

    async def flaky() -> Sequence[CaseClockFacts]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return await real_open()

    src.open_case_clocks = flaky  # type: ignore[method-assign]  # the first read fails
    c = checker(src, clock, check_interval_seconds=0.01)
    with caplog.at_level(logging.ERROR, logger="callcenter.cases.checker"):
        c.start()
        for _ in range(500):
            if src.rows:
                break
            await asyncio.sleep(0.01)
        await c.stop()
    assert "case clock check failed" in caplog.text
    assert len(src.rows) == 3


async def test_an_unchanged_case_is_not_computed_again_before_its_next_event() -> None:
    src, clock, hol = FakeSource(facts(dispatched_at=ACC + 5 * M)), FakeClock(ACC + H), Holidays()
    c = checker(src, clock, holidays=hol)
    computed: list[datetime] = []
    real_due = c.clocks.due

    def counting(facts: CaseClockFacts, now: datetime,
                 holidays: frozenset[date] = frozenset()) -> tuple[list[ClockEvent], datetime | None]:
        computed.append(now)
        return real_due(facts, now, holidays)

    c.clocks.due = counting  # type: ignore[method-assign]  # counts the computations
    assert (await c.check()).skipped == 0 and len(computed) == 1
    clock.set(ACC + 3 * D - 4 * H - S)  # one second before the report's warning
    r = await c.check()
    assert (r.skipped, r.recorded, len(computed)) == (1, (), 1)
    clock.set(ACC + 3 * D - 4 * H)
    r = await c.check()
    assert [e.kind for e in r.recorded] == ["report.warning"] and len(computed) == 2
    # a changed case (the report came) is computed afresh at once
    await c.check()
    n = len(computed)
    src.cases[1] = dataclasses.replace(src.cases[1], reported_at=ACC + 3 * D - H)
    clock.set(ACC + 3 * D - H)
    assert (await c.check()).skipped == 0 and len(computed) == n + 1
    # a case with nothing more to come (all met or recorded) is skipped for good
    clock.set(ACC + 5 * D)
    await c.check()
    n = len(computed)
    clock.set(ACC + 5 * D + H)
    assert (await c.check()).skipped == 1 and len(computed) == n


async def test_a_changed_holiday_calendar_recomputes() -> None:
    hol = Holidays()
    src = FakeSource(facts(dispatched_at=ACC + M))
    clock = FakeClock(datetime(2026, 1, 6, 9, 0, tzinfo=SH))
    c = checker(src, clock, holidays=hol, day_mode="working")
    await c.check()  # report due Wednesday 10:00 in working mode without holidays
    hol.days = frozenset({date(2026, 1, 6)})  # Tuesday declared a holiday
    clock.set(datetime(2026, 1, 7, 10, 0, tzinfo=SH))
    r = await c.check()
    assert r.skipped == 0
    assert "report.breach" not in [e.kind for e in r.recorded]  # now due Thursday 10:00
    clock.set(datetime(2026, 1, 8, 10, 0, tzinfo=SH))
    assert "report.breach" in [e.kind for e in (await c.check()).recorded]


# on the real cases repository (SQLite, and PostgreSQL when CALLCENTER_TEST_DATABASE_URL is set) -------------------
@pytest.mark.db
async def test_on_the_database_a_restart_records_each_event_once_at_its_true_time(db_url: str,
                                                                                  workdir: Path) -> None:
    clock = FakeClock(ACC)
    settings = stack_settings(db_url, workdir / "data", cases={"day_mode": "working"})
    stack = Stack(settings, clock=clock, run_migrations=False)
    try:
        async with stack.sessions() as s:  # Monday 5 January is a holiday this year
            s.add(PublicHoliday(day=date(2026, 1, 5), name="test", created_by="admin", created_at=ACC))
            await s.commit()
        service = stack.cases.service
        case = await service.create(Actor("lead", frozenset({"supervisor"})),
                                    NewCase(type="complaint", description="no dial tone"))
        told = Told()
        first = CaseClockChecker(service, clock, settings.cases, holidays_from(stack.sessions), told,
                                 timezone=settings.timezone)
        clock.set(ACC + 55 * M)
        assert [e.kind for e in (await first.check()).recorded] == ["dispatch.warning"]
        # down for a week: a new checker (a new process) on the stored rows
        clock.set(ACC + 7 * D)
        second = CaseClockChecker(service, clock, settings.cases, holidays_from(stack.sessions), told,
                                  timezone=settings.timezone)
        got = {e.kind: e.at for e in (await second.check()).recorded}
        assert "dispatch.warning" not in got
        assert got["dispatch.breach"] == ACC + 60 * M
        assert got["dispatch.escalate.3"] == ACC + 150 * M
        # working days: Friday 14 h, (weekend, the Monday holiday), Tue, Wed 48 h, Thursday 10 h
        assert got["report.breach"] == datetime(2026, 1, 8, 10, 0, tzinfo=SH)
        assert "close.breach" not in got  # Fri 14 h, Tue..Fri 96 h, Mon 12th 24 h: Tuesday the 13th 10:00
        again = CaseClockChecker(service, clock, settings.cases, holidays_from(stack.sessions), told,
                                 timezone=settings.timezone)
        assert (await again.check()).recorded == ()
        assert len(told.events) == 1 + len(got)
        detail = await stack.cases.repo.detail(case.id)
        assert detail is not None
        clock_rows = {e.action: e for e in detail.timeline if e.action.startswith("clock.")}
        assert set(clock_rows) == {f"clock.{k}" for k in ["dispatch.warning", *got]}
        row = clock_rows["clock.dispatch.breach"]
        assert (row.at, row.by, row.detail["due_at"]) == (ACC + 60 * M, "system", "2026-01-02T03:00:00Z")
    finally:
        await stack.engine.dispose()
