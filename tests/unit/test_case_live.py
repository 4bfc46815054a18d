"""The cases' clocks live (issue 14, "3. Clocks", "7. Incidents"): the clocks in every case answer, the clock
filter, the backlog's states, the checker wired into the stack (board alerts, notices to whoever a level goes to),
the milestone-gap rule, the /ws/cases socket and the incident rule — all on the FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.clock import FakeClock
from tests.helpers import stack_settings
from tests.unit.test_cases_api import T0, USERS, Api, _user

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
                 "escalated_to": None, "stopped_at": None}
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
    assert (r["status"], r["due_at"], r["remaining_seconds"]) == ("paused", None, 2 * 86400.0)
    assert clock_of(c, "dispatch")["status"] == "met"  # dispatch is never paused
    api.clock.advance(5 * 86400)  # the pause does not count
    case = await _get(api, c["number"])
    assert clock_of(case, "report")["remaining_seconds"] == 2 * 86400.0
    assert clock_of(case, "close")["status"] == "paused"
    assert [x["number"] for x in (await api.ok("lead", "GET", "/api/cases", params={"clock": "paused"}))["items"]] \
        == [c["number"]]
    c = await api.act("lead", case, "resume")
    r = clock_of(c, "report")
    assert (r["status"], r["due_at"]) == ("running", "2026-12-09T16:30:00Z")  # 3 days + the 5-day wait


async def test_the_clock_filter_names_its_values(api: Api) -> None:
    r = await api.req("lead", "GET", "/api/cases", params={"clock": "late"})
    assert r.status_code == 400, r.text
    text = r.json()["message"]
    for status in ("off", "running", "warning", "breached", "paused", "met", "met_late"):
        assert f"'{status}'" in text, text
    # closed cases only: no running clock there
    assert (await api.ok("lead", "GET", "/api/cases", params={"clock": "running", "open": "false"}))["total"] == 0
