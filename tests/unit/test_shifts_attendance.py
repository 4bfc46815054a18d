"""Attendance on the injected clock with the real ACD (fake AMI) writing the agent state log: the live check at
its boundaries, night shifts, approved leave, the relief rule, and recompute giving the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.app import Stack
from callcenter.asterisk.errors import AmiNotConnected
from callcenter.auth.models import User
from callcenter.clock import FakeClock
from callcenter.shifts.attendance import FINDING_KEYS
from callcenter.shifts.common import Actor
from tests.helpers import stack_settings, wait_for
from tests.unit.wired import StackAmi

pytestmark = pytest.mark.db
TZ = ZoneInfo("Asia/Shanghai")
D = date(2026, 3, 2)
BOSS = Actor("boss", frozenset({"admin"}))


def at(hhmmss: str, day: date = D) -> datetime:
    h, m, *s = (int(x) for x in hhmmss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s[0] if s else 0, tzinfo=TZ).astimezone(UTC)


class FakeAmi(StackAmi):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any, **kwargs: Any) -> None:
            if self.down:
                raise AmiNotConnected("AMI is not connected")

        return action


@dataclass
class Env:
    stack: Stack
    clock: FakeClock
    users: dict[str, User] = field(default_factory=dict)
    templates: dict[str, int] = field(default_factory=dict)
    found: list[tuple[str, str]] = field(default_factory=list)

    async def agent(self, name: str) -> User:
        u = await self.stack.auth.create_user(name, "test-password-1", ["agent"], name.title())
        self.users[name] = u
        return u

    async def template(self, name: str, start: str, end: str) -> int:
        t = await self.stack.shifts.roster.create_template(BOSS, name, start, end)
        self.templates[name] = t["id"]
        return int(t["id"])

    async def roster(self, name: str, shift: str, day: date = D, seat: str = "") -> int:
        e = await self.stack.shifts.roster.add_entry(BOSS, day, self.templates[shift], name, seat=seat)
        return int(e["id"])

    async def login(self, name: str, when: datetime, seat: str = "1001") -> None:
        self.clock.set(when)
        await self.stack.acd.login(self.users[name], seat)

    async def logout(self, name: str, when: datetime) -> None:
        self.clock.set(when)
        await self.stack.acd.logout(self.users[name])

    async def check(self, when: datetime) -> None:
        self.clock.set(when)
        await self.stack.shifts.attendance.check()

    async def stored(self, day: date = D) -> dict[tuple[str, str], tuple[int, bool]]:
        return {(r["username"], r["kind"]): (r["seconds"], r["open"])
                for r in await self.stack.shifts.attendance.records(day=day)}

    async def stored_rows(self, day: date = D) -> list[dict[str, Any]]:
        rows = await self.stack.shifts.attendance.records(day=day)
        return sorted(({k: r[k] for k in FINDING_KEYS} for r in rows), key=lambda r: (r["roster_id"], r["kind"]))


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(at("00:00", D - timedelta(days=1)))
    settings = stack_settings(db_url, workdir / "data", agents=[
        {"extension": e, "password": f"agent{e}-dev"} for e in ("1001", "1002", "1003", "1004", "1005", "1006")])
    stack = Stack(settings, clock=clock, run_migrations=False, ami=FakeAmi())  # type: ignore[arg-type]
    await stack.load_directory()
    e = Env(stack, clock)

    def collect(kind: str, row: dict[str, Any]) -> None:
        e.found.append((row["username"], kind))

    stack.shifts.attendance.on_finding = collect
    try:
        yield e
    finally:
        await stack.acd.stop_writer()
        await stack.engine.dispose()


async def test_day_shift_live_at_the_boundaries_and_recompute_gives_the_same_rows(env: Env) -> None:
    await env.template("day", "08:00", "20:00")
    for i, name in enumerate(("a1", "a2", "a3", "a4", "a5", "a6")):
        await env.agent(name)
        await env.roster(name, "day", seat=f"100{i + 1}")
    await env.login("a3", at("07:50:00"), "1003")  # roll call: exactly 10 minutes early
    await env.login("a4", at("07:50:01"), "1004")  # 9:59 early: not shown
    await env.login("a6", at("07:59:00"), "1006")
    await env.check(at("08:19:59"))
    await env.login("a1", at("08:19:59"), "1001")  # 19:59 late: not a violation
    await env.check(at("08:19:59"))
    assert await env.stored() == {("a3", "early_arrival"): (600, False)}
    await env.check(at("08:20:00"))  # 20 minutes passed: a2 and a5 are late, not logged in yet
    assert await env.stored() == {("a3", "early_arrival"): (600, False), ("a2", "late"): (1200, True),
                                  ("a5", "late"): (1200, True)}
    assert sorted(env.found) == [("a2", "late"), ("a5", "late")]  # on the boards at once
    await env.login("a2", at("08:20:00"), "1002")  # 20:00 late: a violation
    await env.check(at("08:20:00"))
    assert (await env.stored())[("a2", "late")] == (1200, False)
    await env.logout("a6", at("19:30:00"))  # 30 minutes early
    await env.check(at("19:30:00"))
    assert (await env.stored())[("a6", "early_leave")] == (1800, False)
    for name in ("a1", "a2", "a3", "a4"):
        await env.logout(name, at("20:00:30"))
    await env.check(at("20:00:00"))
    await env.check(at("20:05:00"))
    live = await env.stored()
    assert live == {("a3", "early_arrival"): (600, False), ("a2", "late"): (1200, False),
                    ("a5", "absence"): (12 * 3600, False), ("a6", "early_leave"): (1800, False)}
    live_rows = await env.stored_rows()
    # recompute from stored data only (state log + roster), later: the same rows; no change to store
    env.clock.set(at("09:00", D + timedelta(days=3)))
    again = await env.stack.shifts.attendance.recompute_day(BOSS, D)
    assert again["rows"] == live_rows
    assert again["changes"] == []
    # wiping the rows and recomputing rebuilds them
    from sqlalchemy import delete

    from callcenter.shifts.models import AttendanceRecord

    async with env.stack.sessions() as s:
        await s.execute(delete(AttendanceRecord))
        await s.commit()
    rebuilt = await env.stack.shifts.attendance.recompute_day(None, D)
    assert rebuilt["rows"] == live_rows
    assert await env.stored_rows() == live_rows


async def test_night_shift_across_midnight_belongs_to_its_start_date(env: Env) -> None:
    await env.template("night", "20:00", "08:00")
    for name in ("n1", "n2"):
        await env.agent(name)
        await env.roster(name, "night")
    nxt = D + timedelta(days=1)
    env.stack.shifts.attendance.on_finding = env.stack._shift_finding  # as the stack wires it: the boards
    await env.login("n1", at("20:25"))
    await env.check(at("20:25"))
    alerts = env.stack.board.current_alerts(env.clock.now(), {})
    assert sorted((a["kind"], a["username"], a["detail"]["minutes"], a["detail"]["open"])
                  for k, a in alerts.items() if k.startswith("shift:")) == [
        ("shift_late", "n1", 25, False), ("shift_late", "n2", 20, True)]
    await env.check(at("23:59:59"))
    await env.check(at("00:00:01", nxt))
    await env.logout("n1", at("07:00", nxt))
    await env.check(at("07:00", nxt))
    await env.check(at("08:00", nxt))
    assert await env.stored(D) == {("n1", "late"): (1500, False), ("n1", "early_leave"): (3600, False),
                                   ("n2", "absence"): (12 * 3600, False)}
    assert await env.stored(nxt) == {}
    sheet = await env.stack.shifts.day_sheet(D)
    rows = {r["username"]: r for r in sheet["rows"]}
    assert rows["n1"]["first_login"] == "2026-03-02T12:25:00Z" and rows["n1"]["last_logout"] == "2026-03-02T23:00:00Z"
    assert (rows["n1"]["late_minutes"], rows["n1"]["early_leave_minutes"], rows["n2"]["absent"]) == (25, 60, True)
    assert (await env.stack.shifts.day_sheet(nxt))["rows"] == []
    assert (await env.stack.shifts.attendance.recompute_day(None, D))["changes"] == []


async def test_approved_leave_excuses_lateness(env: Env) -> None:
    await env.template("day", "08:00", "20:00")
    await env.agent("a1")
    await env.roster("a1", "day")
    head = await env.stack.auth.create_user("head", "test-password-1", ["supervisor"])
    await env.stack.shifts.leave.set_approver(BOSS, "head", "department_head")
    await env.check(at("08:20"))
    assert await env.stored() == {("a1", "late"): (1200, True)}
    env.clock.set(at("08:40"))  # a day shift: leave may still be asked that morning
    leave = await env.stack.shifts.leave.request(Actor("a1", frozenset({"agent"})), D, reason="sick")
    assert leave["required_level"] == "department_head"
    await env.stack.shifts.leave.decide(Actor.of(head), leave["id"], True)
    assert await env.stored() == {}  # re-evaluated at once: excused
    await env.check(at("20:00"))
    assert await env.stored() == {}
    sheet = await env.stack.shifts.day_sheet(D)
    assert sheet["rows"][0]["leave"] == {"id": leave["id"], "status": "approved", "required_level": "department_head",
                                         "kind": "personal"}
    assert (await env.stack.shifts.attendance.recompute_day(None, D))["rows"] == []


async def test_left_before_relief_is_flagged_and_recomputed(env: Env) -> None:
    await env.template("day", "08:00", "20:00")
    await env.template("night", "20:00", "08:00")
    for name in ("a1", "a2", "b1", "b2"):
        await env.agent(name)
    await env.roster("a1", "day", seat="1001")
    await env.roster("a2", "day", seat="1002")
    await env.roster("b1", "night", seat="1001")
    await env.roster("b2", "night", seat="1002")
    await env.login("a1", at("07:55"), "1001")
    await env.login("a2", at("07:55"), "1002")
    # a1 hands over properly: logs out, b1 logs in at the seat a minute later
    await env.logout("a1", at("20:01"))
    await env.login("b1", at("20:02"), "1001")
    # a2 leaves; b2 comes 10 minutes later
    await env.logout("a2", at("20:03"))
    await env.check(at("20:04"))
    assert ("a2", "left_before_relief") not in await env.stored()  # within the grace: not known yet
    await env.check(at("20:05"))
    stored = await env.stack.shifts.attendance.records(day=D, kind="left_before_relief")
    assert [(r["username"], r["seat"], r["detail"]["relief"], r["at"]) for r in stored] == [
        ("a2", "1002", "b2", "2026-03-02T12:03:00Z")]
    await env.login("b2", at("20:13"), "1002")
    await env.check(at("20:13"))
    assert ("a2", "left_before_relief") in await env.stored()
    assert (await env.stack.shifts.attendance.recompute_day(None, D))["changes"] == []
    # the handover log of the day shift shows the flag
    lead = Actor("lead1", frozenset({"supervisor"}))
    h = await env.stack.shifts.handovers.write(lead, D, env.templates["day"], {"equipment": "headset 3 broken"})
    assert [f["username"] for f in h["left_before_relief"]] == ["a2"]


async def test_live_check_sees_a_login_the_write_behind_has_not_stored(env: Env) -> None:
    await env.template("day", "08:00", "20:00")
    await env.agent("a1")
    await env.roster("a1", "day")
    env.stack.acd.start_writer()
    env.stack.acd._writer.add = lambda row, key=None: None  # type: ignore[method-assign] # the DB is slow: held back
    await env.login("a1", at("08:25"))
    await env.check(at("08:25"))  # the state log does not hold the login yet: the ACD's state does
    assert await env.stored() == {("a1", "late"): (1500, False)}



async def test_a_session_from_long_before_counts_as_carried_over(env: Env) -> None:
    await env.template("day", "08:00", "20:00")
    await env.agent("a1")
    await env.roster("a1", "day")
    await env.login("a1", at("15:00", D - timedelta(days=1)))  # 17 hours before the shift: before the look-back
    env.clock.set(at("08:30"))
    await env.stack.acd.ready(env.users["a1"])  # the first row the look-back sees is not a login
    await env.check(at("20:30"))
    assert await env.stored() == {}
    row = (await env.stack.shifts.day_sheet(D))["rows"][0]
    assert (row["carried_over"], row["logged_in"], row["late_minutes"], row["early_arrival_minutes"]) == (
        True, True, None, None)


async def test_the_live_loop_wakes_on_login(db_url: str, workdir: Path) -> None:
    clock = FakeClock(at("07:00"))
    settings = stack_settings(db_url, workdir / "data", shifts={"check_interval_seconds": 3600})
    stack = Stack(settings, clock=clock, run_migrations=False, ami=FakeAmi())  # type: ignore[arg-type]
    await stack.load_directory()
    try:
        await stack.shifts.roster.create_template(BOSS, "day", "08:00", "20:00")
        user = await stack.auth.create_user("a1", "test-password-1", ["agent"])
        await stack.shifts.roster.add_entry(BOSS, D, 1, "a1")
        stack.shifts.start()
        clock.set(at("08:31"))
        await stack.acd.login(user, "1001")  # no check is due for an hour: the login wakes it

        async def stored() -> bool:
            return bool(await stack.shifts.attendance.records(day=D))

        await wait_for(stored, 5, "the late login recorded")
        assert [(r["kind"], r["minutes"]) for r in await stack.shifts.attendance.records(day=D)] == [("late", 31)]
    finally:
        await stack.shifts.stop()
        await stack.engine.dispose()
