"""The seeds' reports (issue 17 part 2; callcenter/reports/seeds.py) through the HTTP API on both databases, on
the fake clock: one known data set built over the API (service records, cases worked through their states with
the clocks checked, a call-back made and closed with its survey, QC scores, a responsibility review) in November
and December 2026, and each report's figures computed by hand — the workload per agent and team, the weekly case
summary, the weekly satisfaction analysis, the monthly quality analysis beside the month before, the appraisal's
weights and bands; an empty period gives zeros; an agent sees only their own appraisal row and no other report;
bad periods are 400 naming the field; the CSVs (UTF-8 with BOM, formulas neutralised); the kept analysis."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.clock import FakeClock
from callcenter.reports.seeds import tables_csv
from tests.helpers import session_headers, stack_settings
from tests.unit.test_qc_forms import five
from tests.unit.test_qc_sampling import add_call, local
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db

T_NOV = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # Tuesday 10 November, 09:00 in Shanghai
T_DEC = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 1 December, 09:00 in Shanghai
# s1 is a senior agent who is also a team lead (writes records and cases without a call of their own)
USERS = {"boss": ("admin",), "lead": ("supervisor",), "qc1": ("qc",), "a1": ("agent",), "a2": ("agent",),
         "s1": ("agent", "supervisor"), "h1": ("agent",)}
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 3, "promises": 4}


@dataclass
class Env:
    stack: Stack
    client: httpx.AsyncClient
    clock: FakeClock
    ami: FakeAmi
    h: dict[str, dict[str, str]]
    dept: int = 0
    customer: int = 0

    async def req(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.h[who], **kw)

    async def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        return r.json()

    async def case(self, ctype: str, **extra: Any) -> dict[str, Any]:
        return await self.ok("s1", "POST", "/api/cases", 201,  # type: ignore[no-any-return]
                             json={"type": ctype, "description": f"a {ctype}", **extra})

    async def act(self, c: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        return await self.ok("lead", "POST", f"/api/cases/{c['number']}/{action}",  # type: ignore[no-any-return]
                             json={"version": c["version"], **body})

    async def record(self, category: str, call: str | None = None) -> None:
        await self.ok("s1", "POST", "/api/service-records", 201,
                      json={"category": category, "text": f"{category} done",
                            **({"call_uniqueid": call} if call else {"customer_id": self.customer})})

    async def calls(self, *specs: dict[str, Any]) -> None:
        """Stored calls (as the tracker writes them from Asterisk), with their recordings."""
        async with self.stack.sessions() as s:
            for spec in specs:
                add_call(s, **spec)
            await s.commit()

    async def score(self, uid: str, scores: dict[str, float]) -> None:
        sample = await self.ok("qc1", "POST", "/api/qc/samples", 201, json={"call_uniqueid": uid, "reason": "x"})
        await self.ok("qc1", "POST", f"/api/qc/samples/{sample['id']}/claim")
        await self.ok("qc1", "POST", f"/api/qc/samples/{sample['id']}/evaluation", 201,
                      json={"scores": scores, "comments": {}, "summary": ""})


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    return await session_headers(stack, name, roles, T_NOV, 90)


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T_NOV)
    ami = FakeAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False}), clock=clock,
                  run_migrations=False, ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        e = Env(stack, client, clock, ami, headers)
        dept = await e.ok("lead", "POST", "/api/departments", 201, json={"name": "After-sales", "head": "lead"})
        e.dept = dept["id"]
        await e.ok("lead", "PUT", f"/api/departments/{e.dept}/members/h1", json={"role": "handler"})
        e.customer = (await stack.customers.create("Wang", ["13800138000"])).id
        yield e
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.callbacks.desk.flush()
        await stack.pop.close()
    await stack.engine.dispose()


async def _call_back(e: Env, number: str) -> None:
    """a1 calls the case's customer back from seat 1001, the customer answers, the survey is taken."""
    a1 = await e.stack.auth.repo.user_named("a1")
    assert a1 is not None
    await e.stack.acd.login(a1, "1001")
    await e.stack.acd.ready(a1)
    e.ami.take()
    items = (await e.ok("a1", "GET", "/api/callbacks", params={"state": "all"}))["items"]
    [t] = [t for t in items if t["case_number"] == number]
    r = await e.ok("a1", "POST", f"/api/callbacks/{t['id']}/call", json={})
    uid = r["attempt"]["call_uniqueid"]
    leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": f"PJSIP/1001-{uid[-4:]}"}
    dispatch = e.stack.ami.dispatcher.dispatch
    await dispatch(AmiEvent({**leg, "Event": "DialBegin"}))
    await dispatch(AmiEvent({**leg, "Event": "DialEnd", "DialStatus": "ANSWER"}))
    e.clock.advance(60)
    await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
    await e.stack.callbacks.desk.flush()
    await e.stack.tracker.writer.flush()
    await e.ok("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
               json={"version": r["task"]["version"], "outcome": "reached", "note": "", "survey": SURVEY})


async def _data(e: Env) -> None:
    """November: a complaint dispatched late (never reported), a QC score of a1 (98), an IVR survey of a1.
    December (Tuesday the 1st): s1's records and cases, a complaint worked to closed and called back by a1 (the
    survey rates s1), reviewed upheld against s1; a fault never dispatched (its clock breached and escalated); a
    QC score of a1 (88)."""
    nov = await e.case("complaint", cause="billing", employee="s1")
    e.clock.advance(90 * 60)
    await e.act(nov, "dispatch", department_id=e.dept, handler="h1")
    await e.calls({"uid": "nov-a1", "agent": "a1", "at": local(2026, 11, 10, 11),
                   "survey": {"attitude": 1, "skill": 1, "timeliness": 2, "promises": 2}, "channel": "ivr"})
    await e.score("nov-a1", five(10, 10, 10, 10, 9))  # 98.0
    e.clock.advance((T_DEC - e.clock.now()).total_seconds())

    await e.calls({"uid": "c1", "agent": "s1", "at": local(2026, 12, 1, 8, 30)},
                  {"uid": "c2", "agent": "s1", "at": local(2026, 12, 1, 8, 40)},
                  {"uid": "dec-a1", "agent": "a1", "at": local(2026, 12, 1, 8, 50)})
    await e.record("consultation", "c1")
    await e.record("consultation")
    await e.record("query", "c2")
    await e.record("business")
    await e.record("other")
    await e.record("complaint", "c1")
    complaint = await e.case("complaint", call_uniqueid="c1", customer_id=e.customer, cause_class="quality",
                             cause="attitude", employee="s1")
    await e.case("fault")
    for ctype in ("service_request", "suggestion"):
        c = await e.case(ctype)
        await e.act(c, "dispatch", department_id=e.dept, handler="h1")
    c = complaint
    for action, body in (("dispatch", {"department_id": e.dept, "handler": "h1"}), ("investigate", {}),
                         ("report", {"text": "rude"}), ("resolve", {"decision": "apology"})):
        c = await e.act(c, action, **body)
    await _call_back(e, c["number"])
    c = await e.ok("lead", "GET", f"/api/cases/{c['number']}")
    c = await e.act(c, "inform", how="phone")
    c = await e.act(c, "close")
    await e.ok("lead", "POST", f"/api/cases/{c['number']}/responsibility", 201,
               json={"responsibility": "upheld", "employee": "s1", "outcome": "warning"})
    await e.score("dec-a1", five(10, 9, 8, 7, 10))  # 88.0
    e.clock.advance(2 * 3600)  # 11:00+: the fault's dispatch clock breached (10:00), escalated at 10:00 and 10:30
    await e.stack.case_clocks.check()


def _figures(row: dict[str, Any]) -> tuple[int, ...]:
    return tuple(row[k] for k in ("consultation", "query", "business", "complaint", "suggestion", "fault",
                                  "proactive", "total"))


async def test_the_reports_of_a_known_data_set(env: Env) -> None:
    e = env
    await _data(e)

    # 1. workload, the day: a complaint case on a call that has s1's complaint record counts once
    w = await e.ok("lead", "GET", "/api/reports/workload", params={"period": "day", "date": "2026-12-01"})
    assert w["period"]["label"] == "2026-12-01" and w["period"]["start"] == "2026-11-30T16:00:00Z"
    agents = {r["agent"]: _figures(r) for r in w["agents"]}
    assert agents == {"a1": (0, 0, 0, 0, 0, 0, 1, 1), "a2": (0,) * 8, "h1": (0,) * 8,
                      "s1": (2, 1, 2, 1, 1, 1, 0, 8)}
    teams = {r["queue"]: _figures(r) for r in w["teams"]}
    assert teams["support"][:6] == (1, 1, 0, 1, 0, 0)
    assert sum(t[7] for t in teams.values()) == 9 and teams[""][:6] == (1, 0, 2, 0, 1, 1)
    assert _figures(w["total"]) == (2, 1, 2, 1, 1, 1, 1, 9)
    week = await e.ok("qc1", "GET", "/api/reports/workload", params={"period": "week", "date": "2026-12-03"})
    assert week["period"]["label"] == "2026-W49" and week["period"]["first"] == "2026-11-30"
    assert _figures(week["total"]) == (2, 1, 2, 1, 1, 1, 1, 9)
    nov = await e.ok("lead", "GET", "/api/reports/workload", params={"period": "week", "date": "2026-11-10"})
    assert {r["agent"]: r["complaint"] for r in nov["agents"] if r["complaint"]} == {"s1": 1}

    # 2a. the weekly case summary
    cs = await e.ok("lead", "GET", "/api/reports/case-summary", params={"date": "2026-12-01"})
    types = {r["type"]: tuple(r[k] for k in cs["figures"]) for r in cs["types"]}
    # accepted, dispatched, chased, fed back, called back, closed, overdue
    assert types == {"complaint": (1, 1, 0, 1, 1, 1, 0), "suggestion": (1, 1, 0, 0, 0, 0, 0),
                     "fault": (1, 0, 1, 0, 0, 0, 1), "service_request": (1, 1, 0, 0, 0, 0, 0)}
    assert cs["chased_detail"] == {"warnings": 1, "escalations": 2, "breaches": 1}
    assert cs["total"] == {"accepted": 4, "dispatched": 3, "chased": 1, "fed_back": 1, "called_back": 1,
                           "closed": 1, "overdue": 1}

    # 2b. the weekly satisfaction analysis: the call-back's survey, rating s1 (who accepted the case)
    sa = await e.ok("lead", "GET", "/api/reports/satisfaction", params={"date": "2026-12-06"})
    assert (sa["all"]["surveys"], sa["all"]["complete"], sa["all"]["poor"], sa["all"]["satisfied_share"]) == (
        1, 1, 1, 0.5)
    assert {p: v["levels"] for p, v in sa["all"]["points"].items()} == {
        "attitude": {"1": 1, "2": 0, "3": 0, "4": 0}, "skill": {"1": 0, "2": 1, "3": 0, "4": 0},
        "timeliness": {"1": 0, "2": 0, "3": 1, "4": 0}, "promises": {"1": 0, "2": 0, "3": 0, "4": 1}}
    assert [(c["channel"], c["surveys"]) for c in sa["channels"]] == [("callback", 1)]
    assert [(a["agent"], a["satisfied_share"]) for a in sa["agents"]] == [("s1", 0.5)]
    nov_sa = await e.ok("lead", "GET", "/api/reports/satisfaction", params={"date": "2026-11-10"})
    assert [(c["channel"], c["surveys"], c["satisfied_share"]) for c in nov_sa["channels"]] == [("ivr", 1, 1.0)]

    # 3. the monthly quality analysis, November beside
    q = await e.ok("qc1", "GET", "/api/reports/quality", params={"month": "2026-12"})
    assert (q["month"], q["previous_month"]) == ("2026-12", "2026-11")
    cur, old = q["current"], q["previous"]
    assert (cur["qc"]["evaluations"], cur["qc"]["average"], old["qc"]["average"]) == (1, 88.0, 98.0)
    assert {c["key"]: c["average"] for c in cur["qc"]["criteria"]} == {
        "service_language": 20.0, "attitude": 18.0, "tone": 16.0, "summarising": 14.0, "unexpected": 20.0}
    assert cur["qc"]["agents"]["a1"]["grade"] == "competent" and old["qc"]["agents"]["a1"]["grade"] == "excellent"
    assert (cur["ratings"]["satisfied_share"], old["ratings"]["satisfied_share"]) == (0.5, 1.0)
    assert cur["causes"] == {"complaints": 1, "classes": {"quality": 1, "non_quality": 0, "unclassified": 0},
                             "causes": {"attitude": 1}}
    assert old["causes"] == {"complaints": 1, "classes": {"quality": 0, "non_quality": 1, "unclassified": 0},
                             "causes": {"billing": 1}}
    assert cur["sla"]["clocks"]["dispatch"] == {"met": 3, "met_late": 0, "breached": 1, "running": 0,
                                                "compliance": 0.75}
    assert cur["sla"]["clocks"]["close"] == {"met": 1, "met_late": 0, "breached": 0, "running": 3,
                                             "compliance": 1.0}
    assert (cur["sla"]["cases"], cur["sla"]["compliance"]) == (4, 0.8333)
    assert old["sla"]["clocks"]["dispatch"]["met_late"] == 1 and old["sla"]["compliance"] == 0.0
    assert cur["callbacks"] == {"due": 1, "closed_in_time": 1, "closed_late": 0, "open": 0, "rate": 1.0}
    assert old["callbacks"] == {"due": 0, "closed_in_time": 0, "closed_late": 0, "open": 0, "rate": None}
    assert cur["attendance"]["violations"] == 0 and old["attendance"]["violations"] == 0
    comparison = {(r[0], r[1]): (r[2], r[3]) for r in q["tables"][0]["rows"]}
    assert comparison[("qc", "average")] == (88.0, 98.0) and comparison[("cause", "billing")] == (0, 1)
    assert q["tables"][0]["columns"] == ["section", "item", "2026-12", "2026-11"]

    # 4. the appraisal: weights 40/20/10/10/10/10, parts without data left out, the house's bands
    ap = await e.ok("lead", "GET", "/api/reports/appraisal", params={"month": "2026-12"})
    assert ap["scale"] == 100 and ap["weights"]["qc"] == 40
    rows = {r["agent"]: r for r in ap["agents"]}
    assert set(rows) == {"a1", "a2", "h1", "s1"}
    a1, a2, s1 = rows["a1"], rows["a2"], rows["s1"]
    assert a1["parts"] == {"qc": 0.88, "surveys": None, "complaints": 1.0, "callbacks": 1.0, "attendance": 1.0,
                           "workload": 0.125}
    assert (a1["score"], a1["grade"]) == (83.0, "competent")  # (35.2 + 10 + 10 + 10 + 1.25) / 80
    assert s1["parts"] == {"qc": None, "surveys": 0.5, "complaints": 0.6667, "callbacks": None, "attendance": 1.0,
                           "workload": 1.0}
    assert (s1["upheld_complaints"], s1["score"], s1["grade"]) == (1, 73.3, "basic")  # 36.67 / 50
    assert (a2["score"], a2["grade"]) == (66.6, "basic")  # (10 + 10 + 0) / 30

    # the agent: their own row only, and no other report
    mine = await e.ok("a1", "GET", "/api/reports/appraisal", params={"month": "2026-12"})
    assert [r["agent"] for r in mine["agents"]] == ["a1"] and mine["agents"][0]["score"] == 83.0
    for url, params in (("/api/reports/workload", {"date": "2026-12-01"}),
                        ("/api/reports/case-summary", {"date": "2026-12-01"}),
                        ("/api/reports/satisfaction", {"date": "2026-12-01"}),
                        ("/api/reports/quality", {"month": "2026-12"}), ("/api/reports/quality/kept", {})):
        r = await e.req("a1", "GET", url, params=params)
        assert r.status_code == 403, (url, r.text)
    r = await e.req("a1", "GET", "/api/reports/appraisal", params={"month": "2026-12", "format": "csv"})
    rows_csv = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x[0] for x in rows_csv if x and x[0] in USERS] == ["a1"]

    # CSV: UTF-8 with BOM, one table after another
    r = await e.req("lead", "GET", "/api/reports/workload", params={"date": "2026-12-01", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    assert 'filename="workload-2026-12-01.csv"' in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["report", "workload", "period", "2026-12-01"]
    assert ["s1", "2", "1", "2", "1", "1", "1", "0", "8"] in lines
    r = await e.req("lead", "GET", "/api/reports/quality", params={"month": "2026-12", "format": "csv"})
    assert ["qc", "average", "88.0", "98.0"] in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))

    # kept: generated (re-runnable), the supervisors told, read back as it was
    kept = await e.ok("lead", "POST", "/api/reports/quality/generate", params={"month": "2026-12"})
    assert kept["told"] == ["lead", "s1"] and kept["report"]["current"]["qc"]["average"] == 88.0
    back = await e.ok("qc1", "GET", "/api/reports/quality/kept/2026-12")
    assert back["generated_by"] == "lead" and back["report"]["tables"] == kept["report"]["tables"]
    assert [k["month"] for k in (await e.ok("qc1", "GET", "/api/reports/quality/kept"))["items"]] == ["2026-12"]
    r = await e.req("qc1", "GET", "/api/reports/quality/kept/2026-10")
    assert r.status_code == 404 and r.json()["code"] == "reports.not_kept"
    await e.ok("qc1", "POST", "/api/reports/quality/generate", 403, params={"month": "2026-12"})


async def test_the_scheduler_generates_last_months_analysis_before_its_due_day(env: Env) -> None:
    e = env
    reports = e.stack.seed_reports.reports
    assert reports.generate_at("2026-11") == datetime(2026, 12, 20, 16, 0, tzinfo=UTC)  # 21 Dec 00:00 local
    e.clock.advance((datetime(2026, 12, 20, 15, 59, tzinfo=UTC) - e.clock.now()).total_seconds())
    assert await reports.check() is None
    e.clock.advance(60)
    assert await reports.check() == "2026-11"
    assert await reports.check() is None  # kept: once
    kept = reports.kept("2026-11")
    assert (kept["generated_by"], kept["told"], kept["generated_at"]) == ("system", ["lead", "s1"],
                                                                          "2026-12-20T16:00:00Z")


async def test_an_empty_period_gives_zeros_and_bad_periods_are_refused(env: Env) -> None:
    e = env
    w = await e.ok("lead", "GET", "/api/reports/workload", params={"date": "2025-01-01"})
    assert all(_figures(r) == (0,) * 8 for r in w["agents"]) and w["teams"] == []
    assert _figures(w["total"]) == (0,) * 8
    cs = await e.ok("lead", "GET", "/api/reports/case-summary", params={"date": "2025-01-01"})
    assert set(cs["total"].values()) == {0}
    sa = await e.ok("lead", "GET", "/api/reports/satisfaction", params={"date": "2025-01-01"})
    assert sa["all"]["surveys"] == 0 and sa["all"]["satisfied_share"] is None and sa["agents"] == []
    q = await e.ok("lead", "GET", "/api/reports/quality", params={"month": "2025-01"})
    assert q["current"]["qc"] == {"evaluations": 0, "average": None, "criteria": [], "agents": {}}
    assert q["current"]["sla"]["compliance"] is None and q["current"]["callbacks"]["rate"] is None
    ap = await e.ok("lead", "GET", "/api/reports/appraisal", params={"month": "2025-01"})
    # complaints and attendance are always scored (none upheld, no violation: full), the rest has no data
    assert {(r["score"], r["grade"]) for r in ap["agents"]} == {(100.0, "excellent")}
    for url, params, fieldname in (
            ("/api/reports/workload", {"date": "2026-13-01"}, "date"),
            ("/api/reports/workload", {"date": "2026-12-01", "period": "month"}, "period"),
            ("/api/reports/workload", {}, "date"),
            ("/api/reports/case-summary", {"date": "yesterday"}, "date"),
            ("/api/reports/quality", {"month": "2026-13"}, "month"),
            ("/api/reports/appraisal", {"month": "26-1"}, "month"),
            ("/api/reports/quality", {"month": "2026-12", "format": "pdf"}, "format")):
        r = await e.req("lead", "GET", url, params=params)
        assert r.status_code == 400, (url, params, r.text)
        assert [p["field"] for p in r.json()["details"]["problems"]] == [fieldname], r.json()


def test_the_csv_neutralises_formulas() -> None:
    report = {"report": "x", "period": {"label": "2026-12"},
              "tables": [{"key": "t", "columns": ["a", "b"], "rows": [["=1+1", "@x"], ["-2", None], ["ok", 3]]}]}
    data = tables_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[-3:] == [["'=1+1", "'@x"], ["'-2", ""], ["ok", "3"]]
