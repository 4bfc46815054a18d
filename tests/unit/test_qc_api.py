"""/api/qc: role checks on every endpoint, the work queue through HTTP, audit rows, forms, reports and CSV."""

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
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.calls.models import Call
from callcenter.clock import FakeClock
from callcenter.qc.access import Actor
from tests.helpers import bearer, stack_settings
from tests.unit.test_qc_forms import five
from tests.unit.test_qc_sampling import T0, add_call, local

pytestmark = pytest.mark.db
USERS = {"admin": ("boss", ("admin",)), "supervisor": ("lead", ("supervisor",)), "qc": ("qc1", ("qc",)),
         "qc2": ("qc2", ("qc",)), "agent": ("a1", ("agent",)), "agent2": ("a2", ("agent",))}


@dataclass
class Api:
    stack: Stack
    clock: FakeClock
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]

    async def req(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.client.request(method, url, headers=self.h[who], **kw)
        assert r.status_code == status, (method, url, who, r.text)
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r

    async def calls(self, *specs: dict[str, Any]) -> None:
        async with self.stack.sessions() as s:
            for spec in specs:
                add_call(s, **spec)
            await s.commit()

    async def actions(self) -> list[tuple[str, str, str]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).where(AuditEntry.action.like("qc.%"))
                                    .order_by(AuditEntry.id))).scalars()
            return [(a.username, a.action, a.target) for a in rows]


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {k: await bearer(stack, roles, name) for k, (name, roles) in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield Api(stack, clock, client, headers)
    await stack.engine.dispose()


ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    # method, url, body, roles allowed
    ("POST", "/api/qc/draws", {"month": "2026-03"}, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/draws", None, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/draws/1/verify", None, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/samples", {"call_uniqueid": "x", "reason": ""}, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/samples", None, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/samples/1", None, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/samples/1/assign", {"username": "qc1"}, {"supervisor", "admin"}),
    ("POST", "/api/qc/samples/1/claim", None, {"qc"}),
    ("POST", "/api/qc/samples/1/release", None, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/samples/1/notes", {"at_seconds": 1, "text": "x"}, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/samples/1/evaluation", {"scores": {}}, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/evaluations/1/corrections", {"scores": {}, "reason": "x"}, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/templates", None, {"qc", "supervisor", "admin"}),
    ("POST", "/api/qc/templates", {"name": "x", "criteria": []}, {"qc", "admin"}),
    ("POST", "/api/qc/survey", {"call_uniqueid": "x", "attitude": 3}, {"supervisor", "admin"}),
    ("GET", "/api/qc/reports/agents?month=2026-03", None, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/reports/weekly?week_start=2026-03-09", None, {"qc", "supervisor", "admin"}),
    ("GET", "/api/qc/mine", None, {"agent"}),
    ("POST", "/api/qc/evaluations/1/acknowledge", {}, {"agent"}),
    ("POST", "/api/qc/evaluations/1/dispute", {"comment": "x"}, {"agent"}),
]


async def test_roles_on_every_endpoint(api: Api) -> None:
    for method, url, body, allowed in ENDPOINTS:
        r = await api.client.request(method, url, json=body)
        assert r.status_code == 401, (method, url)
        for who in ("admin", "supervisor", "qc", "agent"):
            r = await api.client.request(method, url, json=body, headers=api.h[who])
            if who in allowed:
                assert r.status_code not in (401, 403), (method, url, who, r.text)
            else:
                assert r.status_code == 403, (method, url, who, r.text)
                assert r.json()["error"] == "forbidden"


async def test_work_queue_scoring_and_agent_side(api: Api) -> None:
    await api.calls(*[{"uid": f"a1-{d}", "agent": "a1", "at": local(2026, 3, d)} for d in (2, 9, 16, 23)],
                    *[{"uid": f"a2-{d}", "agent": "a2", "at": local(2026, 3, d)} for d in (3, 10)],
                    {"uid": "norec", "rec": None}, {"uid": "empty", "rec": "empty"})
    d = await api.req("qc", "POST", "/api/qc/draws", 201, json={"month": "2026-03", "per_agent": 2, "seed": 42})
    assert (d["month"], d["seed"], d["candidate_count"], len(d["samples"]), d["drawn_by"]) == (
        "2026-03", 42, 6, 4, "qc1")
    assert d["policy"] == {"per_agent": 2, "min_talk_seconds": 30, "weight_complaints": 3.0,
                           "weight_poor_survey": 2.0, "poor_level": 4, "poor_survey_max": None,
                           "timezone": "Asia/Shanghai", "algorithm": 2}
    r = await api.req("supervisor", "POST", "/api/qc/draws", 409, json={"month": "2026-03"})
    assert "2026-03 was already drawn" in r["message"] and "hand-pick" in r["message"]
    assert (await api.req("qc", "GET", f"/api/qc/draws/{d['id']}/verify"))["matches"] is True
    r = await api.req("qc", "POST", "/api/qc/draws", 400, json={"month": "2026-13"})
    assert r["details"]["problems"][0]["field"] == "month"
    r = await api.req("qc", "POST", "/api/qc/draws", 400, json={"month": "2026-05"})
    assert "has not started" in r["message"]
    await api.req("qc", "POST", "/api/qc/draws", 400, json={"month": "2026-04", "per_agent": 6})
    # the poor-survey threshold is a level of the four-point survey (1..4); the old 1-5 poor_survey_max is gone
    for body, field in (({"poor_level": 5}, "poor_level"), ({"poor_level": 0}, "poor_level"),
                        ({"poor_level": "poor"}, "poor_level"), ({"poor_survey_max": 2}, "poor_survey_max")):
        r = await api.req("qc", "POST", "/api/qc/draws", 400, json={"month": "2026-04", **body})
        assert [x["field"] for x in r["details"]["problems"]] == [field], r

    # hand-picks
    drawn = {x["call_uniqueid"] for x in d["samples"]}
    extra = next(f"a1-{d}" for d in (2, 9, 16, 23) if f"a1-{d}" not in drawn)
    hp = await api.req("supervisor", "POST", "/api/qc/samples", 201,
                       json={"call_uniqueid": extra, "reason": "complaint escalated"})
    assert (hp["hand_picked"], hp["picked_by"], hp["reason"], hp["month"], hp["draw_id"]) == (
        True, "lead", "complaint escalated", "2026-03", None)
    r = await api.req("qc", "POST", "/api/qc/samples", 409, json={"call_uniqueid": extra})
    assert "already in the 2026-03 sample" in r["message"]
    r = await api.req("qc", "POST", "/api/qc/samples", 400, json={"call_uniqueid": "norec"})
    assert "no usable recording" in r["message"] and r["details"]["field"] == "call_uniqueid"
    await api.req("qc", "POST", "/api/qc/samples", 400, json={"call_uniqueid": "empty"})
    await api.req("qc", "POST", "/api/qc/samples", 404, json={"call_uniqueid": "nope"})

    # the queue: assign, claim, release
    q = await api.req("qc", "GET", "/api/qc/samples", params={"month": "2026-03", "agent": "a1"})
    assert q["total"] == 3 and all(x["status"] == "open" and x["queue"] == "support" for x in q["items"])
    sid = hp["id"]
    r = await api.req("supervisor", "POST", f"/api/qc/samples/{sid}/assign", 400, json={"username": "a1"})
    assert r["details"]["field"] == "username"
    x = await api.req("supervisor", "POST", f"/api/qc/samples/{sid}/assign", json={"username": "qc1"})
    assert (x["status"], x["assignee"], x["assigned_by"]) == ("claimed", "qc1", "lead")
    r = await api.req("qc2", "POST", f"/api/qc/samples/{sid}/claim", 409)
    assert "claimed by qc1" in r["message"]
    await api.req("qc2", "POST", f"/api/qc/samples/{sid}/release", 403)
    assert (await api.req("qc", "POST", f"/api/qc/samples/{sid}/claim"))["assignee"] == "qc1"  # already hers
    x = await api.req("supervisor", "POST", f"/api/qc/samples/{sid}/release")
    assert (x["status"], x["assignee"]) == ("open", None)
    await api.req("qc", "POST", f"/api/qc/samples/{sid}/release", 409)  # not claimed
    x = await api.req("qc2", "POST", f"/api/qc/samples/{sid}/claim")
    assert (x["status"], x["assignee"]) == ("claimed", "qc2")
    assert [i["id"] for i in (await api.req("qc", "GET", "/api/qc/samples",
                                            params={"assignee": "qc2", "status": "claimed"}))["items"]] == [sid]
    await api.req("qc", "GET", "/api/qc/samples", 400, params={"status": "lost"})

    # notes on the timeline, the evaluation, the detail view
    await api.req("qc2", "POST", f"/api/qc/samples/{sid}/notes", 201, json={"at_seconds": 42.5, "text": "no 结束语"})
    n = await api.req("qc", "POST", f"/api/qc/samples/{sid}/notes", 201, json={"at_seconds": 3, "text": "greeting"})
    assert (n["author"], n["at_seconds"], n["created_at"]) == ("qc1", 3, "2026-04-10T02:00:00Z")
    r = await api.req("qc", "POST", f"/api/qc/samples/{sid}/notes", 400, json={"at_seconds": 61, "text": "x"})
    assert r["details"]["field"] == "at_seconds"
    await api.req("qc", "POST", f"/api/qc/samples/{sid}/notes", 400, json={"at_seconds": -1, "text": "x"})
    body = {"scores": five(10, 9, 8, 7, 10), "comments": {"tone": "rushed"}, "summary": "good overall"}
    await api.req("qc", "POST", f"/api/qc/samples/{sid}/evaluation", 403, json=body)  # claimed by qc2
    r = await api.req("qc2", "POST", f"/api/qc/samples/{sid}/evaluation", 400,
                      json={**body, "scores": {**body["scores"], "tone": 12}})
    assert r["details"]["field"] == "scores.tone"
    e = await api.req("qc2", "POST", f"/api/qc/samples/{sid}/evaluation", 201, json=body)
    assert (e["total"], e["grade"], e["status"], e["current_version"], e["evaluator"]) == (
        88.0, "competent", "submitted", 1, "qc2")
    await api.req("qc2", "POST", f"/api/qc/samples/{sid}/evaluation", 409, json=body)
    detail = await api.req("qc", "GET", f"/api/qc/samples/{sid}")
    assert detail["status"] == "scored" and detail["evaluation"]["id"] == e["id"]
    assert [nn["at_seconds"] for nn in detail["notes"]] == [3, 42.5]
    assert detail["recording"]["duration_seconds"] == 60 and detail["recording"]["status"] == "ok"
    assert detail["call"]["caller_number"] == "13800138000" and detail["call"]["talk_seconds"] == 60
    assert [c["key"] for c in detail["template"]["criteria"]] == list(five(1, 1, 1, 1, 1))
    assert [v["version"] for v in detail["evaluation"]["versions"]] == [1]

    # the agent side
    mine = await api.req("agent", "GET", "/api/qc/mine")
    assert [(m["id"], m["total"], m["grade"], m["call_uniqueid"]) for m in mine] == [
        (e["id"], 88.0, "competent", extra)]
    assert mine[0]["scores"] == body["scores"] and mine[0]["comments"] == {"tone": "rushed"}
    assert [nn["text"] for nn in mine[0]["notes"]] == ["greeting", "no 结束语"]
    assert mine[0]["recording_id"] == detail["recording"]["id"] and "caller_number" not in mine[0]["call"]
    assert await api.req("agent2", "GET", "/api/qc/mine") == []
    await api.req("agent2", "POST", f"/api/qc/evaluations/{e['id']}/acknowledge", 403, json={})
    await api.req("agent", "POST", f"/api/qc/evaluations/{e['id']}/dispute", 400, json={"comment": ""})
    r = await api.req("agent", "POST", f"/api/qc/evaluations/{e['id']}/dispute",
                      json={"comment": "tone was fine"})
    assert r["status"] == "disputed"
    disputed = await api.req("qc", "GET", "/api/qc/samples", params={"status": "disputed"})
    assert [(i["id"], i["assignee"]) for i in disputed["items"]] == [(sid, None)]
    # the work queue shows the talk time and the current score
    assert (disputed["items"][0]["talk_seconds"], disputed["items"][0]["evaluation"]) == (
        60, {"id": e["id"], "status": "disputed", "total": 88.0, "grade": "competent"})
    x = await api.req("qc", "POST", f"/api/qc/samples/{sid}/claim")  # another inspector reviews the dispute
    assert (x["status"], x["assignee"]) == ("disputed", "qc1")
    await api.req("agent", "POST", f"/api/qc/evaluations/{e['id']}/acknowledge", 409)
    r = await api.req("qc2", "POST", f"/api/qc/evaluations/{e['id']}/corrections", 400,
                      json={"scores": body["scores"], "reason": ""})
    assert r["details"]["problems"][0]["field"] == "reason"
    c = await api.req("qc", "POST", f"/api/qc/evaluations/{e['id']}/corrections", 201,
                      json={"scores": five(10, 9, 10, 7, 10), "reason": "re-listened: tone fine"})
    assert (c["status"], c["current_version"], c["total"], [v["total"] for v in c["versions"]]) == (
        "corrected", 2, 92.0, [88.0, 92.0])
    r = await api.req("agent", "POST", f"/api/qc/evaluations/{e['id']}/acknowledge")  # no body: no comment
    assert (r["status"], r["agent_response"], r["agent_comment"]) == ("acknowledged", "acknowledged", "")
    assert await api.stack.agent_may_play("a1", extra) is True  # what the recordings API asks
    assert await api.stack.agent_may_play("a2", extra) is False

    assert await api.actions() == [
        ("qc1", "qc.draw", f"qc_draw:{d['id']}"),
        ("lead", "qc.handpick", f"qc_sample:{sid}"),
        ("lead", "qc.assign", f"qc_sample:{sid}"),
        ("lead", "qc.release", f"qc_sample:{sid}"),
        ("qc2", "qc.claim", f"qc_sample:{sid}"),
        ("qc2", "qc.note", f"qc_sample:{sid}"),
        ("qc1", "qc.note", f"qc_sample:{sid}"),
        ("qc2", "qc.submit", f"qc_evaluation:{e['id']}"),
        ("a1", "qc.dispute", f"qc_evaluation:{e['id']}"),
        ("qc1", "qc.claim", f"qc_sample:{sid}"),
        ("qc1", "qc.correct", f"qc_evaluation:{e['id']}"),
        ("a1", "qc.acknowledge", f"qc_evaluation:{e['id']}"),
    ]


async def test_forms_and_survey(api: Api) -> None:
    ts = await api.req("qc", "GET", "/api/qc/templates")
    assert [(t["name"], t["version"], t["is_default"], t["active"]) for t in ts] == [
        ("service-quality", 1, True, True)]
    crit = ts[0]["criteria"]
    assert [(c["key"], c["weight"], c["scale_min"], c["scale_max"]) for c in crit] == [
        (k, 20, 0, 10) for k in ("service_language", "attitude", "tone", "summarising", "unexpected")]
    assert crit[0]["label_zh"] == "服务用语（问声、应声、送声）"
    bad = [{**crit[0], "weight": 25}, *crit[1:]]
    r = await api.req("qc", "POST", "/api/qc/templates", 400, json={"name": "service-quality", "criteria": bad})
    assert "sum to 105" in r["message"]
    new = [{**crit[0], "weight": 40}, {**crit[1], "weight": 0.5}, {**crit[2], "weight": 19.5}, *crit[3:]]
    t = await api.req("admin", "POST", "/api/qc/templates", 201, json={"name": "service-quality", "criteria": new})
    assert (t["version"], t["is_default"], t["created_by"]) == (2, True, "boss")
    ts = await api.req("supervisor", "GET", "/api/qc/templates")
    assert [(x["version"], x["active"], x["is_default"]) for x in ts] == [(1, False, False), (2, True, True)]
    # scoring uses the default form (now version 2); a retired version cannot be used
    await api.calls({"uid": "c1", "agent": "a1"})
    x = await api.req("supervisor", "POST", "/api/qc/samples", 201, json={"call_uniqueid": "c1"})
    r = await api.req("supervisor", "POST", f"/api/qc/samples/{x['id']}/evaluation", 400,
                      json={"template_id": ts[0]["id"], "scores": five(1, 1, 1, 1, 1)})
    assert "retired" in r["message"]
    e = await api.req("supervisor", "POST", f"/api/qc/samples/{x['id']}/evaluation", 201,
                      json={"scores": five(10, 0, 10, 10, 10)})
    assert (e["template_id"], e["total"], e["grade"]) == (t["id"], 99.5, "excellent")

    # survey results: the four points, each 1 very satisfied .. 4 poor (null: not answered), a survey of channel
    # manual rating the call's agent, in the month of the call
    await api.calls({"uid": "c2"}, {"uid": "live", "ended": False})
    api.clock.set(T0)
    got = await api.req("supervisor", "POST", "/api/qc/survey",
                        json={"call_uniqueid": "c2", "attitude": 2, "skill": 1, "timeliness": 4})
    assert {k: v for k, v in got.items() if k != "id"} == {
        "channel": "manual", "call_uniqueid": "c2", "case_id": None, "agent_username": "a1", "month": "2026-03",
        "attitude": 2, "skill": 1, "timeliness": 4, "promises": None, "taken_by": "lead",
        "taken_at": "2026-04-10T02:00:00Z", "replaced": None}
    for body, field in (({"attitude": 5}, "attitude"), ({"skill": 0}, "skill"), ({"timeliness": "poor"}, "timeliness"),
                        ({"promises": 2.5}, "promises"), ({"attitude": 1, "score": 3}, "score"),
                        ({"score": 1}, "score")):
        r = await api.req("admin", "POST", "/api/qc/survey", 400, json={"call_uniqueid": "c2", **body})
        assert [x["field"] for x in r["details"]["problems"]] == [field], r
    for body in ({}, {"attitude": None, "skill": None, "timeliness": None, "promises": None}):
        r = await api.req("admin", "POST", "/api/qc/survey", 400, json={"call_uniqueid": "c2", **body})
        assert r["code"] == "qc.survey_empty" and "at least one point" in r["message"], r
        assert r["details"]["fields"] == ["attitude", "skill", "timeliness", "promises"]
    await api.req("admin", "POST", "/api/qc/survey", 404, json={"call_uniqueid": "nope", "attitude": 2})
    await api.req("admin", "POST", "/api/qc/survey", 409, json={"call_uniqueid": "live", "attitude": 2})
    # typed in again: the same survey, its points replaced (the earlier ones in the answer and the audit log)
    again = await api.req("admin", "POST", "/api/qc/survey", json={"call_uniqueid": "c2", "promises": 3})
    assert (again["id"], again["attitude"], again["promises"], again["taken_by"]) == (got["id"], None, 3, "boss")
    assert again["replaced"] == {"channel": "manual", "month": "2026-03", "attitude": 2, "skill": 1,
                                 "timeliness": 4, "promises": None, "taken_by": "lead",
                                 "taken_at": "2026-04-10T02:00:00Z"}
    month = await api.req("qc", "GET", "/api/surveys/monthly", params={"month": "2026-03", "agent": "a1"})
    assert [(x["surveys"], x["by_channel"], x["points"]["promises"]["levels"]["3"]) for x in month["items"]] == [
        (1, {"manual": 1}, 1)]
    async with api.stack.sessions() as s:  # the old column is not written any more
        assert (await s.execute(select(Call.survey_score).where(Call.uniqueid == "c2"))).scalar_one() is None
        log = (await s.execute(select(AuditEntry).where(AuditEntry.action == "qc.survey")
                               .order_by(AuditEntry.id))).scalars().all()
    assert [(a.username, a.target, a.detail["points"], (a.detail["previous"] or {}).get("timeliness"))
            for a in log] == [
        ("lead", "call:c2", {"attitude": 2, "skill": 1, "timeliness": 4, "promises": None}, None),
        ("boss", "call:c2", {"attitude": None, "skill": None, "timeliness": None, "promises": 3}, 4)]
    assert [a for a in await api.actions() if a[1] in ("qc.template", "qc.survey")] == [
        ("boss", "qc.template", f"qc_template:{t['id']}"), ("lead", "qc.survey", "call:c2"),
        ("boss", "qc.survey", "call:c2")]


def _rows(r: httpx.Response) -> list[list[str]]:
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


async def test_reports(api: Api) -> None:
    svc, lead = api.stack.qc, Actor("lead", frozenset({"supervisor"}))

    async def scored(uid: str, agent: str, at: datetime, submitted: datetime, values: dict[str, float]) -> None:
        await api.calls({"uid": uid, "agent": agent, "at": at})
        x = await svc.draws.hand_pick(lead, uid, "")
        api.clock.set(submitted)
        await svc.evaluations.submit(lead, x["id"], template_id=None, scores=values)

    await scored("jan", "a1", local(2026, 1, 10), local(2026, 1, 20), five(10, 10, 10, 10, 10))  # 100
    await scored("feb", "a1", local(2026, 2, 10), local(2026, 2, 20), five(8, 8, 8, 8, 8))  # 80
    await scored("m1", "a1", local(2026, 3, 3), local(2026, 3, 9, 0, 0, 0), five(10, 10, 7, 9, 10))  # 92
    await scored("m2", "a1", local(2026, 3, 4), local(2026, 3, 12), five(10, 9, 7, 7, 10))  # 86
    await scored("m3", "a2", local(2026, 3, 5), local(2026, 3, 15, 23, 59, 59), five(8, 8, 8, 8, 8))  # 80
    await scored("late", "a2", local(2026, 3, 6), local(2026, 3, 16, 0, 0, 0), five(0, 0, 0, 0, 0))  # next week
    await api.calls({"uid": "m4", "agent": "a2", "at": local(2026, 3, 7)})
    await svc.draws.hand_pick(lead, "m4", "")  # sampled, not scored
    # the month's customer surveys of a1 (any channel): one typed in by a lead, one from the call-back desk; one
    # of February (another month), one of a3 (not sampled: not in this report)
    await svc.surveys.set_survey(lead, "m1", {"attitude": 1, "skill": 2, "timeliness": 4, "promises": 1})
    await api.calls({"uid": "cb", "agent": "a1", "at": local(2026, 3, 20), "channel": "callback",
                     "survey": {"attitude": 2, "skill": 3}},
                    {"uid": "feb-s", "agent": "a1", "at": local(2026, 2, 20), "survey": {"attitude": 4}},
                    {"uid": "a3-s", "agent": "a3", "at": local(2026, 3, 20), "rec": None, "survey": {"attitude": 4}})

    rep = await api.req("qc", "GET", "/api/qc/reports/agents", params={"month": "2026-03"})
    assert rep["month"] == "2026-03" and [c["key"] for c in rep["criteria"]] == list(five(1, 1, 1, 1, 1))
    def point(levels: tuple[int, int, int, int], average: float | None, share: float | None) -> dict[str, Any]:
        return {"levels": {str(i + 1): n for i, n in enumerate(levels)}, "answered": sum(levels),
                "average": average, "satisfied_share": share}

    a1_surveys = {"surveys": 2, "complete": 1, "poor": 1, "by_channel": {"manual": 1, "callback": 1},
                  "points": {"attitude": point((1, 1, 0, 0), 1.5, 1.0), "skill": point((0, 1, 1, 0), 2.5, 0.5),
                             "timeliness": point((0, 0, 0, 1), 4.0, 0.0), "promises": point((1, 0, 0, 0), 1.0, 1.0)}}
    none = point((0, 0, 0, 0), None, None)
    assert rep["agents"] == [
        {"agent": "a1", "sampled": 2, "scored": 2, "average": 89.0, "grade": "competent",
         "criteria": five(20.0, 19.0, 14.0, 16.0, 20.0),
         "trend": [{"month": "2026-02", "average": 80.0}, {"month": "2026-01", "average": 100.0}],
         "surveys": a1_surveys},
        {"agent": "a2", "sampled": 3, "scored": 2, "average": 40.0, "grade": "not_competent",
         "criteria": five(8.0, 8.0, 8.0, 8.0, 8.0),
         "trend": [{"month": "2026-02", "average": None}, {"month": "2026-01", "average": None}],
         "surveys": {"surveys": 0, "complete": 0, "poor": 0, "by_channel": {}, "points": dict.fromkeys(
             ("attitude", "skill", "timeliness", "promises"), none)}},
    ]
    # the same figures as the surveys' own monthly results
    monthly = await api.req("qc", "GET", "/api/surveys/monthly", params={"month": "2026-03", "agent": "a1"})
    assert {k: monthly["items"][0][k] for k in a1_surveys} == a1_surveys
    rows = _rows(await api.req("supervisor", "GET", "/api/qc/reports/agents",
                               params={"month": "2026-03", "format": "csv"}))
    assert rows[0] == ["month", "agent", "sampled", "scored", "average", "grade", "service_language_points",
                       "attitude_points", "tone_points", "summarising_points", "unexpected_points",
                       "average_2026-02", "average_2026-01", "surveys", "surveys_complete", "surveys_poor",
                       "survey_attitude_average", "survey_attitude_satisfied", "survey_skill_average",
                       "survey_skill_satisfied", "survey_timeliness_average", "survey_timeliness_satisfied",
                       "survey_promises_average", "survey_promises_satisfied"]
    assert rows[1:] == [["2026-03", "a1", "2", "2", "89.0", "competent", "20.0", "19.0", "14.0", "16.0", "20.0",
                         "80.0", "100.0", "2", "1", "1", "1.5", "1.0", "2.5", "0.5", "4.0", "0.0", "1.0", "1.0"],
                        ["2026-03", "a2", "3", "2", "40.0", "not_competent", "8.0", "8.0", "8.0", "8.0", "8.0",
                         "", "", "0", "0", "0", "", "", "", "", "", "", "", ""]]
    await api.req("qc", "GET", "/api/qc/reports/agents", 400, params={"month": "March"})

    w = await api.req("qc", "GET", "/api/qc/reports/weekly", params={"week_start": "2026-03-09"})
    assert (w["week_start"], w["week_end"], w["evaluations"], w["average"]) == ("2026-03-09", "2026-03-15", 3, 86.0)
    # below par = points < 80 % of the weight (16 of 20): tone 14, 14 (a2's 16 is par); summarising 14
    assert [(c["key"], c["below_par"], c["evaluated"]) for c in w["criteria"]] == [
        ("tone", 2, 3), ("summarising", 1, 3), ("service_language", 0, 3), ("attitude", 0, 3),
        ("unexpected", 0, 3)]
    assert w["agents"] == [{"agent": "a1", "evaluations": 2, "average": 89.0,
                            "below_par": {"tone": 2, "summarising": 1}},
                           {"agent": "a2", "evaluations": 1, "average": 80.0, "below_par": {}}]
    rows = _rows(await api.req("qc", "GET", "/api/qc/reports/weekly",
                               params={"week_start": "2026-03-09", "format": "csv"}))
    assert rows[0] == ["week_start", "evaluations", "average", "criterion", "label_en", "label_zh", "weight",
                       "evaluated", "below_par"]
    assert [(r[3], r[5], r[8]) for r in rows[1:]] == [
        ("tone", "语气语调", "2"), ("summarising", "归纳客户需求的能力", "1"),
        ("service_language", "服务用语（问声、应声、送声）", "0"), ("attitude", "服务态度", "0"),
        ("unexpected", "处理突发问题的能力", "0")]
    nxt = await api.req("qc", "GET", "/api/qc/reports/weekly", params={"week_start": "2026-03-16"})
    assert (nxt["evaluations"], nxt["average"], nxt["criteria"][0]["below_par"]) == (1, 0.0, 1)
    empty = await api.req("qc", "GET", "/api/qc/reports/weekly", params={"week_start": "2025-03-16"})
    assert (empty["evaluations"], empty["average"], empty["criteria"]) == (0, None, [])
    await api.req("qc", "GET", "/api/qc/reports/weekly", 400, params={"week_start": "2026-02-30"})
    assert datetime(2026, 3, 15, 15, 59, 59, tzinfo=UTC) == local(2026, 3, 15, 23, 59, 59)
