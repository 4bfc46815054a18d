"""The cases' clocks live (issue 14, "3. Clocks", "7. Incidents"): the clocks in every case answer, the clock
filter, the backlog's states, the checker wired into the stack (board alerts, notices to whoever a level goes to),
the milestone-gap rule, the /ws/cases socket and the incident rule — all on the FakeClock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from callcenter.app import Stack, create_app
from callcenter.clock import FakeClock
from callcenter.realtime.notify import cases_topic
from tests.helpers import Served, bearer, stack_settings
from tests.unit.test_cases_api import T0, USERS, Api, _user
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db


async def _api(db_url: str, workdir: Path, **settings: Any) -> AsyncIterator[Api]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data", **settings), clock=clock, run_migrations=False)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        a = Api(stack, client, clock, headers)
        d = await a.ok("lead", "POST", "/api/departments", 201, json={"name": "After-sales", "head": "head1"})
        await a.ok("lead", "PUT", f"/api/departments/{d['id']}/members/h1", json={"role": "handler"})
        a.dept = d["id"]
        yield a
    await stack.engine.dispose()


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    async for a in _api(db_url, workdir):
        yield a


def clock_of(case: dict[str, Any], name: str) -> dict[str, Any]:
    [c] = [x for x in case["clocks"] if x["clock"] == name]
    return c  # type: ignore[no-any-return]


async def _get(api: Api, number: str, who: str = "lead") -> dict[str, Any]:
    return await api.ok(who, "GET", f"/api/cases/{number}")


async def test_the_dispatch_clock_is_in_its_warning_at_59_59_and_breached_at_60_00(api: Api) -> None:
    c = await api.new()
    assert [x["clock"] for x in c["clocks"]] == ["dispatch", "report", "close"]
    d = clock_of(c, "dispatch")
    assert d == {"clock": "dispatch", "status": "running", "due_at": "2026-12-01T17:30:00Z",
                 "warning_at": "2026-12-01T17:20:00Z", "remaining_seconds": 3600.0, "escalation_level": 0,
                 "escalated_to": None, "stopped_at": None, "paused": False}
    assert c["clocks_at"] == "2026-12-01T16:30:00Z"
    api.clock.advance(50 * 60 - 1)
    assert clock_of(await _get(api, c["number"]), "dispatch")["status"] == "running"
    api.clock.advance(1)
    assert clock_of(await _get(api, c["number"]), "dispatch")["status"] == "warning"
    api.clock.advance(9 * 60 + 59)  # 59:59
    case = await _get(api, c["number"])
    d = clock_of(case, "dispatch")
    assert (d["status"], d["remaining_seconds"], d["escalation_level"]) == ("warning", 1.0, 0)
    assert case["clocks_at"] == "2026-12-01T17:29:59Z"
    api.clock.advance(1)  # 60:00
    d = clock_of(await _get(api, c["number"]), "dispatch")
    assert (d["status"], d["remaining_seconds"], d["escalation_level"], d["escalated_to"]) == (
        "breached", 0.0, 1, "team_lead")
    api.clock.advance(30 * 60)
    d = clock_of(await _get(api, c["number"]), "dispatch")
    assert (d["status"], d["remaining_seconds"], d["escalation_level"], d["escalated_to"]) == (
        "breached", -1800.0, 2, "department_head")
    # the list, the filter and the backlog say the same
    page = await api.ok("lead", "GET", "/api/cases", params={"clock": "breached"})
    assert [x["number"] for x in page["items"]] == [c["number"]] and page["total"] == 1
    assert clock_of(page["items"][0], "dispatch")["status"] == "breached"
    assert (await api.ok("lead", "GET", "/api/cases", params={"clock": "warning"}))["total"] == 0
    assert (await api.ok("lead", "GET", "/api/cases", params={"clock": "running"}))["total"] == 1  # report, close
    r = await api.req("lead", "GET", "/api/cases/export.csv", params={"clock": "breached"})
    assert r.status_code == 200 and len(r.text.strip().splitlines()) == 2 and c["number"] in r.text
    r = await api.req("lead", "GET", "/api/cases/export.csv", params={"clock": "met"})
    assert len(r.text.strip().splitlines()) == 1  # the header only


async def test_a_milestone_before_the_deadline_is_met_at_it_met_late(api: Api) -> None:
    early, late = await api.new(), await api.new()
    api.clock.advance(60 * 60 - 1)
    early = await api.act("lead", early, "dispatch", department_id=api.dept, handler="h1")
    d = clock_of(early, "dispatch")
    assert (d["status"], d["stopped_at"], d["remaining_seconds"]) == ("met", "2026-12-01T17:29:59Z", 1.0)
    api.clock.advance(1)
    late = await api.act("lead", late, "dispatch", department_id=api.dept, handler="h1")
    d = clock_of(late, "dispatch")
    assert (d["status"], d["stopped_at"], d["remaining_seconds"]) == ("met_late", "2026-12-01T17:30:00Z", 0.0)
    api.clock.advance(3600)
    page = await api.ok("lead", "GET", "/api/cases", params={"clock": "met_late"})
    assert [x["number"] for x in page["items"]] == [late["number"]]
    page = await api.ok("lead", "GET", "/api/cases", params={"clock": "met"})
    assert [x["number"] for x in page["items"]] == [early["number"]]
    # the backlog shows the same states
    backlog = await api.ok("head1", "GET", f"/api/departments/{api.dept}/backlog")
    assert backlog["clocks_at"] == "2026-12-01T18:30:00Z"
    got = {x["number"]: clock_of(x, "dispatch")["status"] for x in backlog["items"]}
    assert got == {early["number"]: "met", late["number"]: "met_late"}
    assert clock_of(backlog["items"][0], "report")["status"] == "running"


async def test_a_case_waiting_for_the_customer_shows_its_report_and_close_clocks_paused(api: Api) -> None:
    c = await api.new()
    c = await api.act("lead", c, "dispatch", department_id=api.dept, handler="h1")
    api.clock.advance(24 * 3600)
    c = await api.act("lead", c, "pause", note="customer abroad")
    r = clock_of(c, "report")
    assert (r["status"], r["due_at"], r["remaining_seconds"], r["paused"]) == ("paused", None, 2 * 86400.0, True)
    assert (clock_of(c, "dispatch")["status"], clock_of(c, "dispatch")["paused"]) == ("met", False)  # never paused
    api.clock.advance(5 * 86400)  # the pause does not count
    case = await _get(api, c["number"])
    assert clock_of(case, "report")["remaining_seconds"] == 2 * 86400.0
    assert clock_of(case, "close")["status"] == "paused"
    assert [x["number"] for x in (await api.ok("lead", "GET", "/api/cases", params={"clock": "paused"}))["items"]] \
        == [c["number"]]
    c = await api.act("lead", case, "resume")
    r = clock_of(c, "report")
    assert (r["status"], r["due_at"], r["paused"]) == ("running", "2026-12-09T16:30:00Z", False)  # 3 days + 5 waited


async def test_the_clock_filter_names_its_values(api: Api) -> None:
    r = await api.req("lead", "GET", "/api/cases", params={"clock": "late"})
    assert r.status_code == 400, r.text
    text = r.json()["message"]
    for status in ("off", "running", "warning", "breached", "paused", "met", "met_late"):
        assert f"'{status}'" in text, text
    # closed cases only: no running clock there
    assert (await api.ok("lead", "GET", "/api/cases", params={"clock": "running", "open": "false"}))["total"] == 0


# the checker wired: board alerts, notices, the milestone-gap rule --------------------------------------------------
class Listener:
    """A user's cases page, as the hub sees it: what is published on their topic (as the socket would send it)."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.got: list[dict[str, Any]] = []

        async def send(text: str) -> None:
            self.got.append(json.loads(text))

        async def close(_: int, __: str) -> None:
            pass

        stack.hub.register(send, close, {cases_topic(username)}, label=f"test {username}")
        stack.case_live.watch(username)

    async def take(self, type_: str | None = None) -> list[dict[str, Any]]:
        for _ in range(5):
            await asyncio.sleep(0)
        out = [m for m in self.got if type_ is None or m["type"] == type_]
        self.got = [m for m in self.got if m not in out]
        return out


def alerts(api: Api) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in api.stack.board.current_alerts(api.clock.now()).items() if k.startswith("case:")}


async def test_each_clock_event_is_on_the_board_and_told_to_whoever_its_level_goes_to(api: Api) -> None:
    lead, dir1, boss, a1 = (Listener(api.stack, u) for u in ("lead", "dir1", "boss", "a1"))
    c = await api.new()
    aid = f"case:{c['number']}:dispatch"
    checker = api.stack.case_clocks
    assert (await lead.take("case"))[0]["case"]["number"] == c["number"]  # pushed on creation
    api.clock.advance(50 * 60)
    assert [e.kind for e in (await checker.check()).recorded] == ["dispatch.warning"]
    assert alerts(api)[aid]["kind"] == "case_warning" and alerts(api)[aid]["detail"]["level"] == 0
    [pushed] = await lead.take("case")
    assert clock_of(pushed["case"], "dispatch")["status"] == "warning"
    assert await lead.take("case_notice") == []  # a warning is on the board only
    api.clock.advance(10 * 60)
    assert [e.kind for e in (await checker.check()).recorded] == ["dispatch.breach", "dispatch.escalate.1"]
    a = alerts(api)[aid]
    assert a["kind"] == "case_escalated"
    assert {k: a["detail"][k] for k in ("number", "type", "severity", "clock", "due_at", "level", "to",
                                        "notified")} == {
        "number": c["number"], "type": "complaint", "severity": "ordinary", "clock": "dispatch",
        "due_at": "2026-12-01T17:30:00+00:00", "level": 1, "to": "team_lead", "notified": ["dir1", "lead"]}
    [notice] = await lead.take("case_notice")
    assert {k: notice[k] for k in ("number", "numbers", "kind", "clock", "level", "to")} == {
        "number": c["number"], "numbers": [c["number"]], "kind": "case_escalated", "clock": "dispatch",
        "level": 1, "to": "team_lead"}
    assert "team lead" in notice["text"]["en"] and "班长" in notice["text"]["zh-CN"]
    # the deadline as people read it: the centre's local time (Asia/Shanghai) to the minute
    assert "(2026-12-02 01:30)" in notice["text"]["en"] and "（2026-12-02 01:30）" in notice["text"]["zh-CN"]
    assert len(await dir1.take("case_notice")) == 1 and await boss.take("case_notice") == []
    api.clock.advance(30 * 60)  # the department head: the case has no department yet, so the supervisors
    assert [e.kind for e in (await checker.check()).recorded] == ["dispatch.escalate.2"]
    assert [n["to"] for n in await lead.take("case_notice")] == ["department_head"]
    api.clock.advance(60 * 60)  # the director: no cases.director set, so the admins
    assert [e.kind for e in (await checker.check()).recorded] == ["dispatch.escalate.3"]
    assert [(n["to"], n["level"]) for n in await boss.take("case_notice")] == [("director", 3)]
    assert await lead.take("case_notice") == []
    assert alerts(api)[aid]["detail"]["notified"] == ["boss"]
    assert await a1.take() == []  # an agent not on the case hears nothing
    # the milestone clears it; the dispatched case's report clock runs on
    c = await _get(api, c["number"])
    await api.act("lead", c, "dispatch", department_id=api.dept, handler="h1")
    assert aid not in alerts(api)
    assert clock_of((await lead.take("case"))[-1]["case"], "dispatch")["status"] == "met_late"


async def test_the_department_head_and_the_director_setting(db_url: str, workdir: Path) -> None:
    async for api in _api(db_url, workdir, cases={"director": "dir1",
                                                  "complaint": {"days_escalation_hours": [0, 1, 1]}}):
        head1, dir1 = Listener(api.stack, "head1"), Listener(api.stack, "dir1")
        c = await api.new()
        c = await api.act("lead", c, "dispatch", department_id=api.dept, handler="h1")
        api.clock.advance(3 * 86400 + 3600)
        kinds = [e.kind for e in (await api.stack.case_clocks.check()).recorded]
        assert kinds == ["report.warning", "report.breach", "report.escalate.1", "report.escalate.2"]
        assert [(n["clock"], n["to"]) for n in await head1.take("case_notice")] == [("report", "department_head")]
        assert alerts(api)[f"case:{c['number']}:report"]["detail"]["notified"] == ["head1"]
        api.clock.advance(3600)
        await api.stack.case_clocks.check()
        assert [(n["to"], n["level"]) for n in await dir1.take("case_notice")] == [
            ("team_lead", 1), ("director", 3)]  # dir1 is a supervisor too
        # whoever had no cases page open reads the same notices back when they open one (newest first)
        mine = await api.ok("dir1", "GET", "/api/cases/notices")
        assert [(n["kind"], n["number"], n["clock"], n["to"], n["level"]) for n in mine["items"]] == [
            ("case_escalated", c["number"], "report", "director", 3),
            ("case_escalated", c["number"], "report", "team_lead", 1)]
        assert "director" in mine["items"][0]["text"]["en"] and "中心主任" in mine["items"][0]["text"]["zh-CN"]
        assert [n["to"] for n in (await api.ok("head1", "GET", "/api/cases/notices"))["items"]] == [
            "department_head"]
        assert (await api.ok("h1", "GET", "/api/cases/notices"))["items"] == []  # a handler: told nothing
        api.clock.advance(3 * 3600)  # older than asked for: gone from the list
        assert (await api.ok("dir1", "GET", "/api/cases/notices?hours=2"))["items"] == []
        r = await api.client.get("/api/cases/notices?hours=0", headers=api.h["dir1"])
        assert r.status_code in (400, 422) and "hours" in r.text


async def test_a_milestone_after_its_deadline_between_two_checks_keeps_the_breach_at_its_true_time(api: Api) -> None:
    c = await api.new()
    gone = await api.new()
    api.clock.advance(55 * 60)
    assert [e.kind for e in (await api.stack.case_clocks.check()).recorded] == ["dispatch.warning"] * 2
    api.clock.advance(7 * 60)  # 62:00, no check since 55:00
    await api.act("lead", c, "dispatch", department_id=api.dept, handler="h1")
    await api.act("lead", gone, "cancel", reason="withdrawn")
    for number in (c["number"], gone["number"]):
        timeline = (await _get(api, number))["timeline"]
        clock_rows = [(e["action"], e["at"]) for e in timeline if e["action"].startswith("clock.")]
        assert clock_rows == [("clock.dispatch.warning", "2026-12-01T17:20:00Z"),
                              ("clock.dispatch.breach", "2026-12-01T17:30:00Z"),
                              ("clock.dispatch.escalate.1", "2026-12-01T17:30:00Z")]
        assert timeline[-1]["action"] in ("dispatched", "cancelled")
    assert alerts(api) == {}  # met (late) and cancelled: off the boards
    assert (await api.stack.case_clocks.check()).recorded == ()  # nothing twice
    d = clock_of(await _get(api, c["number"]), "dispatch")
    assert (d["status"], d["escalation_level"]) == ("met_late", 1)


# incidents --------------------------------------------------------------------------------------------------------
async def test_n_complaints_of_one_cause_within_m_minutes_alert_the_duty_manager_once(db_url: str,
                                                                                      workdir: Path) -> None:
    async for api in _api(db_url, workdir, cases={"incident_complaints": 3, "incident_window_minutes": 30,
                                                  "duty_manager": "dir1"}):
        dir1, lead = Listener(api.stack, "dir1"), Listener(api.stack, "lead")
        first = await api.new(cause="network_fault")
        api.clock.advance(10 * 60)
        await api.new(cause="network_fault")
        await api.new(cause="billing")  # another cause does not count
        api.clock.advance(10 * 60)
        third = await api.new(description="no line")  # no cause yet: not counted
        assert [k for k in api.stack.board.current_alerts(api.clock.now()) if k.startswith("incident")] == []
        api.clock.advance(5 * 60)
        third = await api.act("lead", third, "classify", cause="network_fault")  # 3 within 20 minutes
        aid = f"incident:network_fault:{first['number']}"
        alert = api.stack.board.current_alerts(api.clock.now())[aid]
        assert alert["kind"] == "incident"
        numbers = [first["number"], "TS-20261202-00002", third["number"]]
        assert alert["detail"]["numbers"] == numbers and alert["detail"]["notified"] == ["dir1"]
        [notice] = await dir1.take("case_notice")
        assert (notice["kind"], notice["numbers"], notice["number"], notice["to"]) == (
            "incident", numbers, third["number"], "duty_manager")
        # the cause in words in each language (policy.CAUSE_WORDS), not its code
        assert "cause network fault within" in notice["text"]["en"].lower()
        assert "突发事件" in notice["text"]["zh-CN"] and "网络故障" in notice["text"]["zh-CN"]
        assert "network_fault" not in notice["text"]["en"] + notice["text"]["zh-CN"]
        assert await lead.take("case_notice") == []  # the duty manager set: only them
        # a 4th within the window joins the incident: no second alert
        api.clock.advance(10 * 60)
        await api.new(cause="network_fault")
        assert await dir1.take("case_notice") == []
        # after a quiet window, a new burst is a new incident
        api.clock.advance(31 * 60)
        for _ in range(3):
            last = await api.new(cause="network_fault")
        [notice] = await dir1.take("case_notice")
        assert notice["number"] == last["number"] and len(notice["numbers"]) == 3
        # read back: both incidents, told on the complaint that began each, to the duty manager only
        mine = (await api.ok("dir1", "GET", "/api/cases/notices"))["items"]
        assert [(n["kind"], n["number"], n["to"], len(n["numbers"])) for n in mine] == [
            ("incident", last["number"], "duty_manager", 3),
            ("incident", third["number"], "duty_manager", 3)]  # as told (the 4th joined later)
        assert (await api.ok("lead", "GET", "/api/cases/notices"))["items"] == []


# /ws/cases over a real socket ------------------------------------------------------------------------------------
async def _recv(ws: Any, want: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of type ``want`` (others before it skipped)."""
    async def first() -> dict[str, Any]:
        while True:
            m = json.loads(await ws.recv())
            if m["type"] == want:
                return m  # type: ignore[no-any-return]

    return await asyncio.wait_for(first(), timeout)


async def test_a_dispatch_breach_reaches_the_board_and_the_supervisors_cases_socket_not_an_agents(
        db_url: str, workdir: Path) -> None:
    clock = FakeClock(T0)
    stack, _ = await wired_stack(db_url, workdir, clock)
    try:
        sup = await bearer(stack, ("supervisor",), "sup")
        agent = await bearer(stack, ("agent",), "ag")
        async with Served(stack) as srv, httpx.AsyncClient(base_url=srv.base) as http:
            def connect(path: str, h: dict[str, str]) -> Any:
                return websockets.connect(f"{srv.ws_base}{path}", additional_headers=h)

            async with connect("/ws/board", sup) as board, connect("/ws/cases", sup) as cases, \
                    connect("/ws/cases", agent) as theirs:
                await _recv(board, "snapshot")
                assert (await _recv(cases, "hello"))["username"] == "sup"
                await _recv(theirs, "hello")
                r = await http.post("/api/cases", headers=sup, json={"type": "complaint", "description": "rude"})
                assert r.status_code == 201, r.text
                number = r.json()["number"]
                assert (await _recv(cases, "case"))["case"]["number"] == number
                clock.advance(60 * 60)
                await stack.case_clocks.check()
                stack.board.tick()
                delta = await _recv(board, "delta")
                [alert] = [a for a in delta["alerts_raised"] if a["id"] == f"case:{number}:dispatch"]
                assert alert["kind"] == "case_escalated" and alert["detail"]["level"] == 1
                notice = await _recv(cases, "case_notice")
                assert (notice["number"], notice["kind"], notice["to"]) == (number, "case_escalated", "team_lead")
                pushed = await _recv(cases, "case")
                assert clock_of(pushed["case"], "dispatch")["status"] == "breached"
                # the agent may not see the case: nothing came before the answer to its ping
                await theirs.send("ping")
                assert json.loads(await asyncio.wait_for(theirs.recv(), 5)) == {"type": "pong"}
            # any logged-in user may open it; without a login it is refused with 4401
            async with websockets.connect(f"{srv.ws_base}/ws/cases") as anon:
                with pytest.raises(websockets.exceptions.ConnectionClosed):
                    await asyncio.wait_for(anon.recv(), 5)
                assert anon.close_code == 4401
    finally:
        await close_wired(stack)


async def test_after_a_restart_the_alerts_of_clocks_in_their_warning_or_breached_are_back(api: Api) -> None:
    late, met_late, fine = await api.new(), await api.new(), await api.new()
    fine = await api.act("lead", fine, "dispatch", department_id=api.dept, handler="h1")
    api.clock.advance(40 * 60)
    warned = await api.new()
    api.clock.advance(55 * 60)
    await api.stack.case_clocks.check()
    for c in (late, met_late, fine, warned):
        api.stack.board.clear_alert(f"case:{c['number']}:dispatch")  # what a restart loses
    assert alerts(api) == {}
    await api.act("lead", await _get(api, met_late["number"]), "dispatch", department_id=api.dept, handler="h1")
    assert await api.stack.case_live.restore() == 2
    a = alerts(api)
    assert sorted(a) == sorted([f"case:{late['number']}:dispatch", f"case:{warned['number']}:dispatch"])
    got = a[f"case:{late['number']}:dispatch"]
    assert (got["kind"], got["detail"]["level"], got["detail"]["to"], got["detail"]["notified"]) == (
        "case_escalated", 2, "department_head", [])
    assert a[f"case:{warned['number']}:dispatch"]["kind"] == "case_warning"
