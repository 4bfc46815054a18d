"""/api/shifts: templates, holidays and roster with their 400/409s, role checks, the handover log, swap rules one by
one (each refused by name) and an approved swap changing the roster, leave approval levels and the holiday/night
rules, the monthly violations report and the daily sheet with CSV, all on the injected clock."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.asterisk.errors import AmiNotConnected
from callcenter.auth.models import AuditEntry, User
from callcenter.clock import FakeClock
from callcenter.seat.models import AwayEpisode
from tests.helpers import stack_settings
from tests.unit.wired import StackAmi

pytestmark = pytest.mark.db
TZ = ZoneInfo("Asia/Shanghai")
ROLES = {"boss": ("admin",), "lead1": ("supervisor",), "lead2": ("supervisor",), "qc1": ("qc",)}


def at(day: date, hhmmss: str) -> datetime:
    h, m, *s = (int(x) for x in hhmmss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s[0] if s else 0, tzinfo=TZ).astimezone(UTC)


def d(n: int) -> date:
    return date(2026, 3, n)


class FakeAmi(StackAmi):
    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any, **kwargs: Any) -> None:
            raise AmiNotConnected("AMI is not connected")

        return action


@dataclass
class Api:
    stack: Stack
    clock: FakeClock
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tpl: dict[str, int] = field(default_factory=dict)

    async def user(self, name: str, roles: tuple[str, ...] = ("agent",)) -> None:
        if name not in self.h:
            self.users[name] = await self.stack.auth.create_user(name, "test-password-1",
                                                                 list(ROLES.get(name, roles)))
            token, _ = await self.stack.auth.login(name, "test-password-1", "test")
            self.h[name] = {"Authorization": f"Bearer {token}"}

    async def req(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        await self.user(who)
        return await self.client.request(method, url, headers=self.h[who], **kw)

    async def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        return r.json()

    async def err(self, who: str, method: str, url: str, status: int, error: str | None = None, **kw: Any
                  ) -> dict[str, Any]:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"error", "code", "message", "messages", "details"}
        if error is not None:
            assert body["error"] == error, body
        return body  # type: ignore[no-any-return]

    async def template(self, name: str, start: str, end: str, **kw: Any) -> int:
        t = await self.ok("boss", "POST", "/api/shifts/templates", 201,
                          json={"name": name, "start": start, "end": end, **kw})
        self.tpl[name] = t["id"]
        return int(t["id"])

    async def put(self, username: str, day: date, shift: str = "day", **kw: Any) -> int:
        await self.user(username)
        e = await self.ok("lead1", "POST", "/api/shifts/roster", 201,
                          json={"day": day.isoformat(), "template_id": self.tpl[shift], "username": username, **kw})
        return int(e["id"])

    async def audit(self, prefix: str) -> list[tuple[str, str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
            return [(a.username, a.action, a.target, a.detail) for a in rows if a.action.startswith(prefix)]


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    clock = FakeClock(at(d(1), "07:00"))
    settings = stack_settings(db_url, workdir / "data", auth={"session_hours": 24 * 30}, agents=[
        {"extension": e, "password": f"agent{e}-dev"} for e in ("1001", "1002", "1003")])
    stack = Stack(settings, clock=clock, run_migrations=False, ami=FakeAmi())  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield Api(stack, clock, client)
    await stack.engine.dispose()


async def test_templates_holidays_and_roster_with_clear_errors(api: Api) -> None:
    t = await api.ok("lead1", "POST", "/api/shifts/templates", 201,
                     json={"name": "night", "start": "20:00", "end": "08:00", "skill_level": "intermediate"})
    assert {k: t[k] for k in ("name", "start", "end", "night", "job", "skill_level", "active")} == {
        "name": "night", "start": "20:00", "end": "08:00", "night": True, "job": "", "skill_level": "intermediate",
        "active": True}
    day = await api.template("day", "08:00", "20:00")
    api.tpl["night"] = t["id"]
    for body, problem in [({"name": "x", "start": "25:00", "end": "08:00"}, "start"),
                          ({"name": "x", "start": "8:00", "end": "12:00"}, "start"),
                          ({"name": "x", "start": "08:00", "end": "08:00"}, "end"),
                          ({"name": "x", "start": "08:00", "end": "12:00", "colour": "red"}, "colour")]:
        b = await api.err("boss", "POST", "/api/shifts/templates", 400, "invalid_input", json=body)
        assert problem in b["message"]
    await api.err("boss", "POST", "/api/shifts/templates", 409, "conflict",
                  json={"name": "day", "start": "09:00", "end": "17:00"})
    # holidays
    h = await api.ok("lead1", "POST", "/api/shifts/holidays", 201, json={"day": "2026-04-05", "name": "清明节"})
    assert h["day"] == "2026-04-05" and h["name"] == "清明节"
    await api.err("lead1", "POST", "/api/shifts/holidays", 409, "conflict", json={"day": "2026-04-05", "name": "x"})
    assert [x["day"] for x in await api.ok("a1", "GET", "/api/shifts/holidays?year=2026")] == ["2026-04-05"]
    assert await api.ok("lead1", "DELETE", "/api/shifts/holidays/2026-04-05") == {"deleted": "2026-04-05"}
    await api.err("lead1", "DELETE", "/api/shifts/holidays/2026-04-05", 404)
    # roster
    await api.user("a1")
    await api.user("a2")
    await api.stack.directory_repo.set_skill(api.users["a2"].id, "support", "senior")
    e = await api.ok("lead1", "POST", "/api/shifts/roster", 201,
                     json={"day": "2026-03-02", "template_id": day, "username": "a2", "seat": "1001"})
    assert {k: e[k] for k in ("day", "shift", "local_start", "local_end", "starts_at", "ends_at", "username", "job",
                              "skill_level", "seat", "night")} == {
        "day": "2026-03-02", "shift": "day", "local_start": "08:00", "local_end": "20:00",
        "starts_at": "2026-03-02T00:00:00Z", "ends_at": "2026-03-02T12:00:00Z", "username": "a2", "job": "agent",
        "skill_level": "senior", "seat": "1001", "night": False}
    roster = "/api/shifts/roster"
    b = await api.err("lead1", "POST", roster, 400, "invalid_input",
                      json={"day": "2026-03-02", "template_id": day, "username": "ghost"})
    assert "unknown agent" in b["message"] and b["details"]["field"] == "username"
    b = await api.err("lead1", "POST", roster, 400, "invalid_input",
                      json={"day": "2026-03-02", "template_id": day, "username": "a2"})
    assert b["details"]["rule"] == "overlapping_assignment"
    await api.err("lead1", "POST", roster, 409, "conflict",
                  json={"day": "2026-03-02", "template_id": day, "username": "a1", "seat": "1001"})  # seat taken
    await api.err("lead1", "POST", roster, 400, "invalid_input",
                  json={"day": "2026-03-02", "template_id": day, "username": "a1", "seat": "1999"})
    b = await api.err("lead1", "POST", roster, 400, "invalid_input",
                      json={"day": "2026-03-02", "template_id": t["id"], "username": "a1"})
    assert "skill level intermediate" in b["message"]  # the night template needs intermediate or higher
    night = await api.ok("lead1", "POST", roster, 201, json={"day": "2026-03-02", "template_id": t["id"],
                                                             "username": "a1", "skill_level": "senior"})
    assert night["ends_at"] == "2026-03-03T00:00:00Z" and night["night"] is True
    await api.err("lead1", "POST", roster, 404, json={"day": "2026-03-02", "template_id": 999, "username": "a1"})
    # times of a used template cannot change; deleting it is refused
    await api.err("boss", "PATCH", f"/api/shifts/templates/{day}", 409, "conflict", json={"start": "09:00"})
    await api.err("boss", "DELETE", f"/api/shifts/templates/{day}", 409, "conflict")
    assert (await api.ok("boss", "PATCH", f"/api/shifts/templates/{day}", json={"name": "day-A"}))["name"] == "day-A"
    # edit and delete before the start; refused once the shift has started
    assert (await api.ok("lead1", "PATCH", f"{roster}/{e['id']}", json={"seat": "1002"}))["seat"] == "1002"
    assert [x["username"] for x in await api.ok("lead1", "GET", roster + "?from=2026-03-02&to=2026-03-02")] == [
        "a2", "a1"]
    assert [x["id"] for x in await api.ok("a1", "GET", roster + "/mine?from=2026-03-01&to=2026-03-05")] == [
        night["id"]]
    api.clock.set(at(d(2), "08:00"))
    await api.err("lead1", "PATCH", f"{roster}/{e['id']}", 409, "conflict", json={"seat": "1003"})
    await api.err("lead1", "DELETE", f"{roster}/{e['id']}", 409, "conflict")
    await api.err("lead1", "POST", roster, 409, "conflict",
                  json={"day": "2026-03-02", "template_id": day, "username": "a1"})
    assert await api.ok("lead1", "DELETE", f"{roster}/{night['id']}") == {"deleted": night["id"]}
    actions = [a for _, a, _, _ in await api.audit("shifts.")]
    assert actions == ["shifts.template.create", "shifts.template.create", "shifts.holiday.create",
                       "shifts.holiday.delete", "shifts.roster.create", "shifts.roster.create",
                       "shifts.template.edit", "shifts.roster.edit", "shifts.roster.delete"]


async def test_role_checks(api: Api) -> None:
    day = await api.template("day", "08:00", "20:00")
    rid = await api.put("a1", d(2))
    cases: list[tuple[str, str, str, dict[str, Any] | None, int]] = [
        ("a1", "POST", "/api/shifts/templates", {"name": "x", "start": "08:00", "end": "12:00"}, 403),
        ("a1", "POST", "/api/shifts/roster", {"day": "2026-03-03", "template_id": day, "username": "a1"}, 403),
        ("a1", "GET", "/api/shifts/roster", None, 403),
        ("qc1", "GET", "/api/shifts/roster", None, 403),
        ("a1", "GET", "/api/shifts/attendance", None, 403),
        ("a1", "GET", "/api/shifts/reports/violations?month=2026-03", None, 403),
        ("a1", "POST", "/api/shifts/attendance/recompute", {"day": "2026-03-02"}, 403),
        ("a1", "PUT", f"/api/shifts/handovers/2026-03-01/{day}", {"notices": "x"}, 403),
        ("a1", "GET", "/api/shifts/swaps", None, 403),
        ("a1", "GET", "/api/shifts/leave", None, 403),
        ("lead1", "PUT", "/api/shifts/approvers/lead1", {"position": "centre_director"}, 403),
        ("qc1", "POST", "/api/shifts/leave", {"start_day": "2026-03-05"}, 403),
        ("qc1", "POST", "/api/shifts/swaps", {"roster_id": rid, "with_roster_id": rid}, 403),
        ("a1", "GET", "/api/shifts/roster/mine", None, 200),
        ("a1", "GET", "/api/shifts/attendance/mine", None, 200),
        ("a1", "GET", "/api/shifts/swaps/mine", None, 200),
        ("a1", "GET", "/api/shifts/leave/mine", None, 200),
        ("a1", "GET", "/api/shifts/templates", None, 200),
        ("qc1", "GET", "/api/shifts/templates", None, 200),
        ("lead1", "GET", "/api/shifts/approvers", None, 200),
    ]
    for who, method, url, body, status in cases:
        r = await api.req(who, method, url, json=body)
        assert r.status_code == status, (who, method, url, r.text)
    r = await api.client.get("/api/shifts/roster/mine")
    assert r.status_code == 401


async def test_handover_write_and_acknowledge(api: Api) -> None:
    day = await api.template("day", "08:00", "20:00")
    url = f"/api/shifts/handovers/2026-03-01/{day}"
    await api.err("lead1", "PUT", "/api/shifts/handovers/2026-03-02/" + str(day), 409, "conflict",
                  json={"notices": "too early"})  # that shift has not started
    await api.err("lead1", "PUT", url, 400, "invalid_input", json={})
    api.clock.set(at(d(1), "19:45"))
    h = await api.ok("lead1", "PUT", url, json={"equipment": "headset at 1002 crackles", "difficult_cases":
                                                "caller 138... complained twice, call back before 10:00",
                                                "staffing": "a3 swapped to night", "notices": "new tariff notice"})
    assert (h["author"], h["shift"], h["written_at"], h["acknowledged_by"]) == ("lead1", "day",
                                                                                "2026-03-01T11:45:00Z", None)
    await api.err("lead2", "PUT", url, 409, "conflict", json={"notices": "mine now"})  # only its author edits
    api.clock.advance(60)
    h = await api.ok("lead1", "PUT", url, json={"notices": "new tariff notice; printer out of toner"})
    assert h["notices"].endswith("toner") and h["equipment"] == "headset at 1002 crackles"
    assert h["updated_at"] == "2026-03-01T11:46:00Z"
    await api.err("lead1", "POST", url + "/acknowledge", 409, "conflict", json={})  # not by its author
    api.clock.set(at(d(1), "20:05"))
    h = await api.ok("lead2", "POST", url + "/acknowledge", json={"note": "read, will call back"})
    assert (h["acknowledged_by"], h["acknowledged_at"], h["ack_note"]) == ("lead2", "2026-03-01T12:05:00Z",
                                                                            "read, will call back")
    await api.err("lead2", "POST", url + "/acknowledge", 409, "conflict", json={})
    await api.err("lead1", "PUT", url, 409, "conflict", json={"notices": "late edit"})
    await api.err("lead2", "POST", f"/api/shifts/handovers/2026-02-28/{day}/acknowledge", 404, json={})
    listed = await api.ok("lead2", "GET", "/api/shifts/handovers?from=2026-02-25&to=2026-03-01")
    assert [(x["day"], x["author"], x["acknowledged_by"]) for x in listed] == [("2026-03-01", "lead1", "lead2")]
    assert (await api.ok("lead2", "GET", "/api/shifts/handovers/latest"))["id"] == h["id"]
    assert [(u, a) for u, a, _, _ in await api.audit("shifts.handover")] == [
        ("lead1", "shifts.handover.write"), ("lead1", "shifts.handover.edit"),
        ("lead2", "shifts.handover.acknowledge")]


async def test_swap_rules_refused_one_by_one_and_an_allowed_swap(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    await api.template("late", "14:00", "22:00")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        await api.user(name)
    await api.ok("lead1", "POST", "/api/shifts/holidays", 201, json={"day": "2026-03-08", "name": "妇女节"})

    async def swap(who: str, mine: int, theirs: int, rule: str | None = None) -> dict[str, Any]:
        if rule is None:
            return await api.ok(who, "POST", "/api/shifts/swaps", 201,  # type: ignore[no-any-return]
                                json={"roster_id": mine, "with_roster_id": theirs, "reason": "family"})
        b = await api.err(who, "POST", "/api/shifts/swaps", 409, rule, json={"roster_id": mine,
                                                                              "with_roster_id": theirs})
        assert b["details"]["rule"] == rule and f"(rule {rule})" in b["message"]
        return b

    # a public holiday
    await swap("a1", await api.put("a1", d(8)), await api.put("a2", d(9)), "swap_public_holiday")
    # different job / skill level
    a1_12 = await api.put("a1", d(12))
    await swap("a1", a1_12, await api.put("c1", d(13), job="complaints"), "swap_job_mismatch")
    b = await swap("a1", a1_12, await api.put("s1", d(14), skill_level="senior"), "swap_skill_mismatch")
    assert b["details"]["counterpart_level"] == "senior"
    # a leave request in the swapped shift
    a2_15 = await api.put("a2", d(15))
    leave = await api.ok("a2", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-15", "reason": "x"})
    await swap("a1", await api.put("a1", d(16)), a2_15, "swap_leave_in_shift")
    await api.ok("a2", "POST", f"/api/shifts/leave/{leave['id']}/cancel")
    # not someone else's shift / not with yourself
    a1_3, a2_4 = await api.put("a1", d(3)), await api.put("a2", d(4))
    await api.err("a2", "POST", "/api/shifts/swaps", 403, json={"roster_id": a1_3, "with_roster_id": a2_4})
    await api.err("a1", "POST", "/api/shifts/swaps", 400, json={"roster_id": a1_3, "with_roster_id": a1_12})
    # an allowed swap: both leads approve, the roster changes
    x = await swap("a1", a1_3, a2_4)
    assert (x["status"], x["requester"]["shift"], x["counterpart"]["username"]) == ("pending", "day", "a2")
    await api.err("a1", "POST", "/api/shifts/swaps", 409, "conflict", json={"roster_id": a1_3, "with_roster_id": a2_4})
    await api.err("a1", "POST", f"/api/shifts/swaps/{x['id']}/approve", 403, json={})
    x = await api.ok("lead1", "POST", f"/api/shifts/swaps/{x['id']}/approve", json={"note": "ok from a1's team"})
    assert x["status"] == "pending" and [ap["side"] for ap in x["approvals"]] == ["requester"]
    await api.err("lead1", "POST", f"/api/shifts/swaps/{x['id']}/approve", 409, "swap_same_approver", json={})
    x = await api.ok("lead2", "POST", f"/api/shifts/swaps/{x['id']}/approve", json={})
    assert (x["status"], x["decided_by"]) == ("approved", "lead2")
    roster = {e["day"]: e for e in await api.ok("lead1", "GET", "/api/shifts/roster?from=2026-03-03&to=2026-03-04")}
    assert (roster["2026-03-03"]["username"], roster["2026-03-04"]["username"]) == ("a2", "a1")
    assert roster["2026-03-03"]["swap_id"] == x["id"]
    change = [dt for _, a, _, dt in await api.audit("shifts.roster.swap")]
    assert change == [{"swap_id": x["id"],
                       "before": [{"id": a1_3, "day": "2026-03-03", "template_id": api.tpl["day"], "username": "a1"},
                                  {"id": a2_4, "day": "2026-03-04", "template_id": api.tpl["day"], "username": "a2"}],
                       "after": [{"id": a1_3, "day": "2026-03-03", "template_id": api.tpl["day"], "shift": "day",
                                  "username": "a2"},
                                 {"id": a2_4, "day": "2026-03-04", "template_id": api.tpl["day"], "shift": "day",
                                  "username": "a1"}]}]
    assert [(u, a) for u, a, _, _ in await api.audit("shifts.swap.")] == [
        ("a1", "shifts.swap.request"), ("lead1", "shifts.swap.approve"), ("lead2", "shifts.swap.approve")]
    # a1's second swap this month (pending) is allowed; the third is refused
    y = await swap("a1", await api.put("a1", d(20)), await api.put("a3", d(21)))
    await swap("a1", await api.put("a1", d(25)), await api.put("a4", d(26)), "swap_monthly_limit")
    # consecutive: a3 (one swap, on 20/21 March) swapping 22 March
    await swap("a3", await api.put("a3", d(22)), await api.put("a5", d(28)), "swap_consecutive")
    # overlap: a4 would take a5's day shift on the 29th while on the late shift that day
    await api.put("a4", d(29), "late")
    await swap("a4", await api.put("a4", d(27)), await api.put("a5", d(29)), "swap_overlap")
    # a shift that has started
    api.clock.set(at(d(20), "08:00"))
    await api.err("lead1", "POST", f"/api/shifts/swaps/{y['id']}/approve", 409, "swap_shift_started", json={})
    await api.ok("lead1", "POST", f"/api/shifts/swaps/{y['id']}/reject", json={"note": "too late"})
    mine = await api.ok("a3", "GET", "/api/shifts/swaps/mine")
    assert [(s["id"], s["status"]) for s in mine] == [(y["id"], "rejected")]


async def test_leave_approval_levels(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    for name, position in (("lead1", "department_head"), ("lead2", "team_lead"), ("boss", "centre_director")):
        await api.user(name)
        p = await api.ok("boss", "PUT", f"/api/shifts/approvers/{name}", json={"position": position})
        assert p["position"] == position
    await api.err("boss", "PUT", "/api/shifts/approvers/ghost", 400, json={"position": "team_lead"})
    await api.err("boss", "PUT", "/api/shifts/approvers/lead1", 400, json={"position": "king"})
    one = await api.ok("a1", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-05", "reason": "doctor"})
    assert (one["days"], one["required_level"], one["status"]) == (1, "department_head", "pending")
    b = await api.err("lead2", "POST", f"/api/shifts/leave/{one['id']}/approve", 403, "leave_approver_level", json={})
    assert b["details"]["required_level"] == "department_head"
    one = await api.ok("lead1", "POST", f"/api/shifts/leave/{one['id']}/approve", json={"note": "ok"})
    assert (one["status"], one["decided_by"]) == ("approved", "lead1")
    await api.err("boss", "POST", f"/api/shifts/leave/{one['id']}/reject", 409, "conflict", json={})
    three = await api.ok("a1", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-10",
                                                                        "end_day": "2026-03-12"})
    assert (three["days"], three["required_level"]) == (3, "centre_director")
    assert (three["approval_chain"], three["next_level"]) == (["department_head", "centre_director"],
                                                              "department_head")
    # level by level, no skipping: the director cannot take the department head's step
    b = await api.err("boss", "POST", f"/api/shifts/leave/{three['id']}/approve", 403, "leave_approver_level",
                      json={})
    assert (b["details"]["required_level"], b["details"]["position"]) == ("department_head", "centre_director")
    three = await api.ok("lead1", "POST", f"/api/shifts/leave/{three['id']}/approve", json={"note": "fine by me"})
    assert (three["status"], three["next_level"], [a["level"] for a in three["approvals"]]) == (
        "pending", "centre_director", ["department_head"])
    b = await api.err("lead1", "POST", f"/api/shifts/leave/{three['id']}/approve", 403, "leave_approver_level",
                      json={})
    assert b["details"]["required_level"] == "centre_director"
    three = await api.ok("boss", "POST", f"/api/shifts/leave/{three['id']}/approve", json={})
    assert (three["status"], three["decided_by"], [(a["level"], a["by"]) for a in three["approvals"]]) == (
        "approved", "boss", [("department_head", "lead1"), ("centre_director", "boss")])
    await api.err("a1", "POST", "/api/shifts/leave", 409, "conflict", json={"start_day": "2026-03-11"})  # overlaps
    # one day is the department head's alone (a director does not skip the step); nobody decides their own leave
    own = await api.ok("lead1", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-06"})
    await api.err("lead1", "POST", f"/api/shifts/leave/{own['id']}/approve", 403, json={})
    await api.err("boss", "POST", f"/api/shifts/leave/{own['id']}/approve", 403, "leave_approver_level", json={})
    await api.err("boss", "POST", f"/api/shifts/leave/{own['id']}/reject", 403, "leave_approver_level",
                  json={"note": "busy day"})
    # a step still to come may refuse: a two-day request, refused by the director before the department head
    two = await api.ok("a2", "POST", "/api/shifts/leave", 201, json={"start_day": "2026-03-16",
                                                                      "end_day": "2026-03-17"})
    assert (await api.ok("boss", "POST", f"/api/shifts/leave/{two['id']}/reject", json={"note": "busy days"})
            )["status"] == "rejected"
    await api.err("a1", "POST", "/api/shifts/leave", 409, "leave_in_past", json={"start_day": "2026-02-27"})
    assert await api.ok("boss", "DELETE", "/api/shifts/approvers/lead2") == {"removed": "lead2"}
    assert [a["username"] for a in await api.ok("lead1", "GET", "/api/shifts/approvers")] == ["boss", "lead1"]
    assert [x["id"] for x in await api.ok("a1", "GET", "/api/shifts/leave/mine")] == [three["id"], one["id"]]
    assert [(u, a, dt.get("position")) for u, a, _, dt in await api.audit("shifts.leave.") if dt] == [
        ("a1", "shifts.leave.request", None), ("lead1", "shifts.leave.approve", "department_head"),
        ("a1", "shifts.leave.request", None), ("lead1", "shifts.leave.approve", "department_head"),
        ("boss", "shifts.leave.approve", "centre_director"), ("lead1", "shifts.leave.request", None),
        ("a2", "shifts.leave.request", None), ("boss", "shifts.leave.reject", "centre_director")]


async def test_leave_on_holidays_and_night_shifts(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    night = await api.template("night", "20:00", "08:00")
    await api.ok("lead1", "POST", "/api/shifts/holidays", 201, json={"day": "2026-03-20", "name": "春分"})
    leave = "/api/shifts/leave"
    await api.err("a1", "POST", leave, 409, "leave_holiday_not_exceptional", json={"start_day": "2026-03-20"})
    await api.err("a1", "POST", leave, 400, "invalid_input", json={"start_day": "2026-03-20", "exceptional": True})
    # at least 48 hours before the holiday begins (2026-03-20 00:00 local): 18 March 00:00 is the last moment
    api.clock.set(at(d(18), "00:00:01"))
    b = await api.err("a1", "POST", leave, 409, "leave_holiday_notice",
                      json={"start_day": "2026-03-20", "exceptional": True, "reason": "family emergency"})
    assert b["details"]["deadline"] == "2026-03-17T16:00:00Z"
    api.clock.set(at(d(18), "00:00:00"))
    ok = await api.ok("a1", "POST", leave, 201,
                      json={"start_day": "2026-03-20", "exceptional": True, "reason": "family emergency"})
    assert (ok["exceptional"], ok["required_level"]) == (True, "centre_director")
    # night shift leave: before noon of that day
    api.clock.set(at(d(18), "11:59:59"))
    ok = await api.ok("a2", "POST", leave, 201, json={"start_day": "2026-03-18", "template_id": night})
    assert ok["shift"] == "night"
    api.clock.set(at(d(18), "12:00:00"))
    b = await api.err("a3", "POST", leave, 409, "leave_night_after_noon",
                      json={"start_day": "2026-03-18", "template_id": night})
    assert b["details"] == {"rule": "leave_night_after_noon", "day": "2026-03-18", "cutoff": "12:00"}
    # whole-day leave on a day the agent is rostered on a night shift: the same rule
    api.clock.set(at(d(18), "07:00"))
    await api.put("a4", d(19), "night")
    api.clock.set(at(d(19), "12:30"))
    await api.err("a4", "POST", leave, 409, "leave_night_after_noon", json={"start_day": "2026-03-19"})
    # a day shift may still be asked that afternoon
    assert (await api.ok("a3", "POST", leave, 201, json={"start_day": "2026-03-19", "template_id": api.tpl["day"]})
            )["required_level"] == "department_head"


async def test_reports_violations_and_daily_sheet_with_csv(api: Api) -> None:
    await api.template("day", "08:00", "20:00")
    for name in ("a1", "a2", "a3"):
        await api.user(name)
    for n in (2, 3):
        for i, name in enumerate(("a1", "a2", "a3")):
            await api.put(name, d(n), seat=f"100{i + 1}")
    acd = api.stack.acd

    async def login(name: str, when: datetime, seat: str) -> None:
        api.clock.set(when)
        await acd.login(api.users[name], seat)
        await acd.ready(api.users[name])  # (not ready all day would be away from the desk too)

    async def logout(name: str, when: datetime) -> None:
        api.clock.set(when)
        await acd.logout(api.users[name])

    # 2 March: a1 25 min late and leaves 15 min early; a2 on time (roll call); a3 absent
    await login("a2", at(d(2), "07:45"), "1002")
    await login("a1", at(d(2), "08:25"), "1001")
    await logout("a1", at(d(2), "19:45"))
    await logout("a2", at(d(2), "20:10"))
    # 3 March: a1 20 min late, a2 40 min late, a3 on time
    await login("a3", at(d(3), "07:59"), "1003")
    await login("a1", at(d(3), "08:20"), "1001")
    await login("a2", at(d(3), "08:40"), "1002")
    for name in ("a1", "a2", "a3"):
        await logout(name, at(d(3), "20:01"))
    for n in (2, 3):
        r = await api.ok("lead1", "POST", "/api/shifts/attendance/recompute", json={"day": f"2026-03-0{n}"})
        assert r["day"] == f"2026-03-0{n}" and r["changes"]
    # away episodes of the seat-discipline package: a violation of 25 minutes counts, a 10-minute one does not,
    # nor one of another month; a 5-minute one without consent is an unapproved absence (its own column)
    async with api.stack.sessions() as s:
        for user, start, mins, finding in (("a2", at(d(2), "10:00"), 25, "violation"),
                                           ("a2", at(d(2), "11:00"), 10, ""),
                                           ("a2", at(d(2), "12:00"), 5, "unapproved_absence"),
                                           ("a2", at(date(2026, 2, 27), "10:00"), 30, "violation")):
            violation = finding == "violation"
            s.add(AwayEpisode(user_id=api.users[user].id, username=user, extension="1002", started_at=start,
                              ended_at=start + timedelta(minutes=mins), reason="toilet", source="pause",
                              active_sources="", violation_at=start + timedelta(minutes=20) if violation else None,
                              limit_minutes=20, end_reason="back", changes=[], finding=finding))
        await s.commit()
    rep = await api.ok("lead1", "GET", "/api/shifts/reports/violations?month=2026-03")
    by = {a["username"]: a for a in rep["agents"]}
    # violations = late (>= 20 min) + away (>= 20 min); the early leave of a1 and the absence of a3 are their own
    # columns, not violations
    assert by["a1"] == {"username": "a1", "shifts": 2, "late_count": 2, "late_minutes": 45, "away_count": 0,
                        "away_minutes": 0, "absence_count": 0, "early_leave_count": 1, "early_leave_minutes": 15,
                        "left_before_relief_count": 0, "early_arrival_count": 0, "violations": 2,
                        "unapproved_absence_count": 0, "sick_leave_count": 0}
    assert {k: by["a2"][k] for k in ("late_count", "late_minutes", "away_count", "away_minutes", "absence_count",
                                     "early_arrival_count", "violations", "unapproved_absence_count")} == {
        "late_count": 1, "late_minutes": 40, "away_count": 1, "away_minutes": 25, "absence_count": 0,
        "early_arrival_count": 1, "violations": 2, "unapproved_absence_count": 1}
    assert (by["a3"]["absence_count"], by["a3"]["violations"]) == (1, 0)
    r = await api.req("lead1", "GET", "/api/shifts/reports/violations?month=2026-03&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="violations-2026-03.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["username"], x["late_count"], x["late_minutes"], x["away_minutes"], x["violations"]) for x in rows] == [
        ("a1", "2", "45.0", "0.0", "2"), ("a2", "1", "40.0", "25.0", "2"), ("a3", "0", "0.0", "0.0", "0")]
    assert list(rows[0])[:4] == ["month", "username", "shifts", "late_count"]
    await api.err("lead1", "GET", "/api/shifts/reports/violations?month=2026-13", 400)
    # the daily sheet
    sheet = await api.ok("lead1", "GET", "/api/shifts/attendance?day=2026-03-02")
    rows2 = {x["username"]: x for x in sheet["rows"]}
    assert {k: rows2["a1"][k] for k in ("first_login", "last_logout", "late_minutes", "early_leave_minutes",
                                        "absent", "early_arrival_minutes")} == {
        "first_login": "2026-03-02T00:25:00Z", "last_logout": "2026-03-02T11:45:00Z", "late_minutes": 25,
        "early_leave_minutes": 15, "absent": False, "early_arrival_minutes": None}
    assert rows2["a2"]["early_arrival_minutes"] == 15 and rows2["a3"]["absent"] is True
    r = await api.req("lead1", "GET", "/api/shifts/attendance?day=2026-03-02&format=csv")
    lines = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(x["username"], x["first_login"], x["late_minutes"], x["absent"]) for x in lines] == [
        ("a1", "2026-03-02 08:25:00", "25.0", ""), ("a2", "2026-03-02 07:45:00", "", ""), ("a3", "", "", "yes")]
    # stored records, the agent's own view, and the recompute audit
    recs = await api.ok("lead1", "GET", "/api/shifts/attendance/records?from=2026-03-01&to=2026-03-31&kind=late")
    assert [(x["username"], x["day"], x["minutes"]) for x in recs] == [
        ("a1", "2026-03-02", 25), ("a1", "2026-03-03", 20), ("a2", "2026-03-03", 40)]
    api.clock.set(at(d(4), "09:00"))
    mine = await api.ok("a3", "GET", "/api/shifts/attendance/mine")
    assert [(x["kind"], x["day"]) for x in mine] == [("absence", "2026-03-02")]
    assert [(u, a, t) for u, a, t, _ in await api.audit("shifts.attendance")] == [
        ("lead1", "shifts.attendance.recompute", "day:2026-03-02"),
        ("lead1", "shifts.attendance.recompute", "day:2026-03-03")]
