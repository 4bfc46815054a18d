"""The call-back desk (issue 15, "2. The call-back desk"; callcenter/callbacks/) through the API on the fake clock
and a fake AMI, on both databases: a resolved case's task due 72 hours later (earlier only by hand), a call-back
ringing the agent then the customer (the attempt linked to the outbound call), the outcome with the four-point
survey, attempts counted from the call records with their spacing, unreachable after three, wrong number, the
problem that stands (a new linked case, the department head told), the overdue alert, the rate."""

from __future__ import annotations

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
from tests.helpers import session_headers, stack_settings
from tests.unit.test_case_live import Listener
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
USERS = {"boss": ("admin",), "lead": ("supervisor",), "qc1": ("qc",), "a1": ("agent",), "a2": ("agent",),
         "head1": ("agent",), "h1": ("agent",)}
SURVEY = {"attitude": 1, "skill": 2, "timeliness": 3, "promises": 4}


@dataclass
class Desk:
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

    async def refused(self, who: str, method: str, url: str, status: int, code: str, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["code"] == code and body["messages"]["en"] and body["messages"]["zh-CN"], body
        return body

    async def resolved(self, customer: int | None = None) -> dict[str, Any]:
        """A complaint accepted by the supervisor and worked to resolved."""
        c = await self.ok("lead", "POST", "/api/cases", 201,
                          json={"type": "complaint", "description": "line keeps dropping",
                                **({"customer_id": customer} if customer else {})})
        for action, body in (("dispatch", {"department_id": self.dept, "handler": "h1"}), ("investigate", {}),
                             ("report", {"text": "a faulty card"}), ("resolve", {"decision": "card replaced"})):
            c = await self.ok("lead", "POST", f"/api/cases/{c['number']}/{action}",
                              json={"version": c["version"], **body})
        return c  # type: ignore[no-any-return]

    async def task_of(self, number: str) -> dict[str, Any]:
        items = (await self.ok("a1", "GET", "/api/callbacks", params={"state": "all"}))["items"]
        [t] = [t for t in items if t["case_number"] == number]
        return t  # type: ignore[no-any-return]

    async def call(self, t: dict[str, Any], who: str = "a1") -> str:
        """Call the task's customer; ``t`` follows the task (calling claims it: its version moves on)."""
        r = await self.ok(who, "POST", f"/api/callbacks/{t['id']}/call", json={})
        t.update(r["task"])
        [(name, fields)] = [x for x in self.ami.take() if x[0] == "originate"]
        assert fields["args"][2] == t["number"] and fields["channel_id"] == r["attempt"]["call_uniqueid"]
        return str(r["attempt"]["call_uniqueid"])

    async def ends(self, uid: str, status: str | None, talk: float = 0) -> None:
        """The agent takes the phone (unless ``status`` is None), the customer's side ends as ``status``, the
        agent's leg hangs up."""
        leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": f"PJSIP/1001-{uid[-4:]}"}
        dispatch = self.stack.ami.dispatcher.dispatch
        if status is not None:
            await dispatch(AmiEvent({**leg, "Event": "DialBegin"}))
            await dispatch(AmiEvent({**leg, "Event": "DialEnd", "DialStatus": status}))
        self.clock.advance(talk)
        await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
        await self.stack.callbacks.desk.flush()
        a = self.stack.acd.handling("a1")
        if a is not None and a.wrapup_task is not None:
            a.wrapup_task.cancel()
            a.wrapup_task = None
            await self.stack.acd.states.set(a, "ready", source="test")


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    return await session_headers(stack, name, roles, T0, 30)


@pytest.fixture
async def desk(db_url: str, workdir: Path) -> AsyncIterator[Desk]:
    clock = FakeClock(T0)
    ami = FakeAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False}), clock=clock,
                  run_migrations=False, ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        d = Desk(stack, client, clock, ami, headers)
        dept = await d.ok("lead", "POST", "/api/departments", 201, json={"name": "After-sales", "head": "head1"})
        d.dept = dept["id"]
        await d.ok("lead", "PUT", f"/api/departments/{d.dept}/members/h1", json={"role": "handler"})
        d.customer = (await stack.customers.create("Wang", ["13800138000"])).id
        a1 = await stack.auth.repo.user_named("a1")
        assert a1 is not None
        await stack.acd.login(a1, "1001")
        await stack.acd.ready(a1)
        ami.take()
        yield d
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.callbacks.desk.flush()
        await stack.pop.close()
    await stack.engine.dispose()


async def test_a_resolved_case_is_called_back_within_72_hours_never_later(desk: Desk) -> None:
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    assert (t["state"], t["number"], t["case_type"], t["rated_agent"], t["attempts"]) == (
        "open", "13800138000", "complaint", "lead", 0)
    assert t["due_at"] == "2026-12-04T01:00:00Z" == t["latest_due_at"] and t["remaining_seconds"] == 72 * 3600
    later = "2026-12-04T01:00:01Z"
    body = await desk.refused("a1", "PATCH", f"/api/callbacks/{t['id']}/due", 400, "callbacks.due_too_late",
                              json={"version": t["version"], "due_at": later})
    assert "2026-12-04 09:00" in body["messages"]["en"] and "72 hours" in body["messages"]["en"]
    earlier = await desk.ok("a1", "PATCH", f"/api/callbacks/{t['id']}/due",
                            json={"version": t["version"], "due_at": "2026-12-02T01:00:00Z"})
    assert earlier["due_at"] == "2026-12-02T01:00:00Z" and earlier["version"] == t["version"] + 1
    await desk.refused("a1", "PATCH", f"/api/callbacks/{t['id']}/due", 409, "callbacks.stale_version",
                       json={"version": t["version"], "due_at": "2026-12-02T00:00:00Z"})
    # the list: due order; filters name their values
    r = await desk.req("a1", "GET", "/api/callbacks", params={"case_type": "letter"})
    assert r.status_code == 400 and "case_type" in r.text
    # one open task per case: resolving again after a reopen makes a new one only once the first is closed
    assert len((await desk.ok("a1", "GET", "/api/callbacks"))["items"]) == 1


async def test_a_call_back_rings_the_agent_then_the_customer_and_takes_the_survey(desk: Desk) -> None:
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/outcome", 409, "callbacks.no_attempt",
                       json={"version": t["version"], "outcome": "reached", "survey": SURVEY})
    uid = await desk.call(t)
    agent = desk.stack.acd.handling("a1")
    assert agent is not None and (agent.state, agent.call_uniqueid) == ("ringing", uid)
    stored = await desk.stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and (stored.direction, stored.customer_id) == ("outbound", desk.customer)
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/call", 409, "callbacks.call_in_progress", json={})
    await desk.ends(uid, "ANSWER", talk=40)
    t = (await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}"))["task"]
    assert (t["state"], t["attempts"]) == ("open", 0)  # answered: the agent says how it went
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/call", 409, "callbacks.outcome_pending", json={})
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/outcome", 400, "callbacks.survey_needed",
                       json={"version": t["version"], "outcome": "reached",
                             "survey": {**SURVEY, "promises": None}})
    r = await desk.req("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
                       json={"version": t["version"], "outcome": "reached", "survey": {**SURVEY, "skill": 5}})
    assert r.status_code == 400 and "skill" in r.text
    await desk.refused("a2", "POST", f"/api/callbacks/{t['id']}/outcome", 409, "callbacks.attempt_not_yours",
                       json={"version": t["version"], "outcome": "reached", "survey": SURVEY})
    d = await desk.ok("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
                      json={"version": t["version"], "outcome": "reached", "survey": SURVEY, "note": "happy"})
    assert (d["task"]["state"], d["task"]["attempts"], d["task"]["closed_by"]) == ("reached", 1, "a1")
    [attempt] = d["attempts"]
    assert (attempt["call_uniqueid"], attempt["call_outcome"], attempt["outcome"]) == (uid, "answered", "reached")
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/call", 409, "callbacks.closed", json={})
    # the survey rates the agent who accepted the case, in the month of the result, by channel
    month = (await desk.ok("qc1", "GET", "/api/surveys/monthly", params={"month": "2026-12"}))["items"]
    [row] = month
    assert (row["agent"], row["surveys"], row["complete"], row["by_channel"]) == ("lead", 1, 1, {"callback": 1})
    assert row["points"]["attitude"]["levels"] == {"1": 1, "2": 0, "3": 0, "4": 0}
    assert row["points"]["promises"]["average"] == 4.0 and row["points"]["skill"]["satisfied_share"] == 1.0
    r = await desk.req("a1", "GET", "/api/surveys/monthly", params={"month": "2026-12"})
    assert r.status_code == 403  # the agents' ratings are for QC and the leads


async def test_three_unanswered_attempts_spaced_apart_close_the_task_as_unreachable(desk: Desk) -> None:
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    uid = await desk.call(t)
    await desk.ends(uid, "NOANSWER")  # counted by itself from the call record
    t = (await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}"))["task"]
    assert (t["state"], t["attempts"], t["failed_attempts"]) == ("open", 1, 1)
    desk.clock.advance(29 * 60 + 59)
    body = await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/call", 409, "callbacks.too_soon", json={})
    assert "30 minutes" in body["messages"]["en"] and "30 分钟" in body["messages"]["zh-CN"]
    desk.clock.advance(1)
    uid = await desk.call(t)
    await desk.ends(uid, "BUSY")
    # the agent's own phone not taken: not an attempt at the customer, no spacing
    uid = None
    desk.clock.advance(30 * 60)
    uid = await desk.call(t)
    await desk.ends(uid, None)
    detail = await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}")
    assert (detail["task"]["failed_attempts"], detail["attempts"][-1]["call_outcome"]) == (2, "failed")
    assert detail["next_attempt_at"] is None
    uid = await desk.call(t)
    await desk.ends(uid, "NOANSWER")
    detail = await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}")
    assert (detail["task"]["state"], detail["task"]["failed_attempts"], detail["task"]["closed_by"]) == (
        "unreachable", 3, "a1")
    assert [(a["call_outcome"], a["outcome"]) for a in detail["attempts"]] == [
        ("no_answer", "no_answer"), ("busy", "busy"), ("failed", None), ("no_answer", "no_answer")]


async def test_a_call_over_before_its_attempt_is_stored_still_counts_on_the_attempt(desk: Desk) -> None:
    """The customer busy at once: the call's end reaches the desk while the call is still being placed (the
    attempt not stored yet); the end is kept and counts once the attempt is stored: a busy attempt, not one waiting
    for an outcome that never comes."""
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    sent = desk.ami.originate

    async def busy_at_once(*args: Any, **kwargs: Any) -> None:
        await sent(*args, **kwargs)
        leg = {"Uniqueid": kwargs["channel_id"], "Linkedid": kwargs["channel_id"], "Channel": "PJSIP/1001-0001"}
        dispatch = desk.stack.ami.dispatcher.dispatch
        await dispatch(AmiEvent({**leg, "Event": "DialBegin"}))
        await dispatch(AmiEvent({**leg, "Event": "DialEnd", "DialStatus": "BUSY"}))
        await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "17"}))
        await desk.stack.callbacks.desk.flush()  # the end has looked for its attempt, before it is stored

    desk.ami.originate = busy_at_once  # type: ignore[method-assign]
    await desk.call(t)
    await desk.stack.callbacks.desk.flush()
    detail = await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}")
    assert (detail["task"]["attempts"], detail["task"]["failed_attempts"]) == (1, 1)
    assert [(a["call_outcome"], a["outcome"]) for a in detail["attempts"]] == [("busy", "busy")]


async def test_a_wrong_number_closes_at_once_and_no_number_cannot_be_called(desk: Desk) -> None:
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    uid = await desk.call(t)
    await desk.ends(uid, "ANSWER", talk=5)
    d = await desk.ok("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
                      json={"version": t["version"], "outcome": "wrong_number"})
    assert (d["task"]["state"], d["task"]["attempts"]) == ("unreachable", 1)
    nobody = await desk.resolved(None)
    t2 = await desk.task_of(nobody["number"])
    assert t2["number"] is None
    await desk.refused("a1", "POST", f"/api/callbacks/{t2['id']}/call", 409, "callbacks.no_number", json={})
    assert [x for x in desk.ami.take() if x[0] == "originate"] == []


async def test_a_problem_that_stands_raises_a_new_linked_case_and_tells_the_department_head(desk: Desk) -> None:
    head = Listener(desk.stack, "head1")
    c = await desk.resolved(desk.customer)
    t = await desk.task_of(c["number"])
    uid = await desk.call(t)
    await desk.ends(uid, "ANSWER", talk=30)
    await desk.refused("a1", "POST", f"/api/callbacks/{t['id']}/outcome", 400, "callbacks.note_needed",
                       json={"version": t["version"], "outcome": "problem_stands"})
    d = await desk.ok("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
                      json={"version": t["version"], "outcome": "problem_stands", "note": "still drops at night",
                            "survey": {"attitude": 2, "skill": 3}})
    assert d["task"]["state"] == "problem_stands"
    original = await desk.ok("lead", "GET", f"/api/cases/{c['number']}")
    assert original["state"] == "resolved"  # as it was
    [row] = [e for e in original["timeline"] if e["action"] == "callback_problem_stands"]
    new_number = row["detail"]["new_case"]
    new = await desk.ok("lead", "GET", f"/api/cases/{new_number}")
    assert (new["state"], new["parent_case_id"], new["type"]) == ("accepted", original["id"], "complaint")
    assert uid in [x["call_uniqueid"] for x in new["calls"]]  # the call-back's call is on it
    [notice] = await head.take("case_notice")
    assert (notice["kind"], notice["number"], notice["numbers"]) == ("callback_feedback", new_number,
                                                                      [c["number"], new_number])
    assert "still drops at night" in notice["text"]["en"] and "问题仍未解决" in notice["text"]["zh-CN"]
    month = (await desk.ok("lead", "GET", "/api/surveys/monthly", params={"month": "2026-12"}))["items"]
    assert month[0]["complete"] == 0 and month[0]["points"]["skill"]["levels"]["3"] == 1  # partial


async def test_reopen_setting_sends_the_case_back_to_investigating(db_url: str, workdir: Path) -> None:
    stack = Stack(stack_settings(db_url, workdir / "data", callbacks={"problem_stands": "reopen"}),
                  clock=FakeClock(T0), run_migrations=False)
    try:
        c = await stack.cases.service.create(_actor("lead"), _new())
        for step in ("dispatch", "investigate", "report", "resolve"):
            c = await _step(stack, c, step)
        case, how = await stack.cases.service.problem_stands(c.number, "a1", "no change", True)
        assert (how, case.number, case.state) == ("reopened", c.number, "investigating")
        assert case.resolved_at is not None  # its milestones kept
    finally:
        await stack.engine.dispose()


def _actor(name: str) -> Any:
    from callcenter.auth.actor import Actor
    return Actor(name, frozenset({"supervisor"}))


def _new() -> Any:
    from callcenter.cases.service import NewCase
    return NewCase(type="fault", description="no dial tone")


async def _step(stack: Stack, c: Any, step: str) -> Any:
    svc, a = stack.cases.service, _actor("lead")
    if step == "dispatch":
        d = await stack.departments.create(a, "Network", True, None)
        return await svc.dispatch(a, c.number, c.version, d.department.id, None)
    if step == "investigate":
        return await svc.investigate(a, c.number, c.version)
    if step == "report":
        return await svc.report(a, c.number, c.version, "a cable")
    return await svc.resolve(a, c.number, c.version, "cable replaced", None)


async def test_overdue_tasks_are_on_the_board_until_closed_and_the_rate_counts_them(desk: Desk) -> None:
    first = await desk.task_of((await desk.resolved(desk.customer))["number"])
    desk.clock.advance(3600)
    second = await desk.task_of((await desk.resolved(desk.customer))["number"])
    desk.clock.advance(3600)
    third = await desk.task_of((await desk.resolved(desk.customer))["number"])
    desk.clock.advance(70 * 3600)  # now the first is due (72 h after it), the second in an hour
    uid = await desk.call(second)
    await desk.ends(uid, "ANSWER", talk=10)
    await desk.ok("a1", "POST", f"/api/callbacks/{second['id']}/outcome",
                  json={"version": second["version"], "outcome": "refused"})  # in time (1 h before its due)
    desk.clock.advance(2 * 3600)
    assert await desk.stack.callbacks.desk.check() == [first["id"], third["id"]]
    alerts = desk.stack.board.current_alerts(desk.clock.now())
    assert alerts[f"callback:{first['id']}"]["kind"] == "callback_overdue"
    assert f"callback:{second['id']}" not in alerts
    desk.clock.advance(30 * 60)
    uid = await desk.call(first)
    await desk.ends(uid, "ANSWER", talk=10)
    await desk.ok("a1", "POST", f"/api/callbacks/{first['id']}/outcome",
                  json={"version": first["version"], "outcome": "reached", "survey": SURVEY})  # late
    assert f"callback:{first['id']}" not in desk.stack.board.current_alerts(desk.clock.now())
    rate = await desk.ok("lead", "GET", "/api/callbacks/rate",
                         params={"since": "2026-12-03T16:00:00Z", "until": "2026-12-04T16:00:00Z", "period": "day"})
    assert rate["target"] == 1.0
    assert {k: rate["total"][k] for k in ("due", "closed_in_time", "closed_late", "open", "rate")} == {
        "due": 3, "closed_in_time": 1, "closed_late": 1, "open": 1, "rate": 0.3333}
    assert [p["key"] for p in rate["periods"]] == ["2026-12-04"]
    assert {a["key"]: (a["due"], a["closed_in_time"]) for a in rate["agents"]} == {"": (1, 0), "a1": (2, 1)}
    await desk.refused("lead", "GET", "/api/callbacks/rate", 400, "callbacks.bad_period",
                       params={"since": "2026-12-04T16:00:00Z", "until": "2026-12-03T16:00:00Z"})
    r = await desk.req("a1", "GET", "/api/callbacks/rate",
                       params={"since": "2026-12-03T16:00:00Z", "until": "2026-12-04T16:00:00Z"})
    assert r.status_code == 403


async def test_a_service_record_asking_for_a_follow_up_is_a_call_back_within_72_hours(desk: Desk) -> None:
    """The desktop's record with a follow-up: due by default 72 hours after it was asked for, never later
    (refused, naming the latest); a task on the desk due then; moved earlier, the task follows; the task closed,
    the record's follow-up is done; a follow-up withdrawn cancels its task."""
    base = {"category": "query", "text": "asked about the bill", "customer_id": desk.customer,
            "follow_up_needed": True}
    body = await desk.refused("lead", "POST", "/api/service-records", 400, "customers.follow_up_too_late",
                              json={**base, "follow_up_due": "2026-12-04T01:00:01Z"})
    assert "2026-12-04T01:00:00Z" in body["messages"]["en"] and "72 hours" in body["messages"]["en"]
    r = await desk.ok("lead", "POST", "/api/service-records", 201, json=base)
    assert r["follow_up_due"] == "2026-12-04T01:00:00Z"  # the default: 72 hours, not 3 days at 23:59
    items = (await desk.ok("a1", "GET", "/api/callbacks"))["items"]
    [t] = [t for t in items if t["case_number"] is None]
    assert (t["due_at"], t["number"], t["rated_agent"], t["case_type"]) == (
        "2026-12-04T01:00:00Z", "13800138000", "lead", None)
    desk.clock.advance(3600)
    await desk.refused("lead", "PATCH", f"/api/service-records/{r['id']}", 400, "customers.follow_up_too_late",
                       json={"follow_up_due": "2026-12-04T02:00:00Z"})  # 72 h from when it was asked, not now
    await desk.ok("lead", "PATCH", f"/api/service-records/{r['id']}", json={"follow_up_due": "2026-12-02T01:00:00Z"})
    t = (await desk.ok("a1", "GET", f"/api/callbacks/{t['id']}"))["task"]
    assert t["due_at"] == "2026-12-02T01:00:00Z"
    uid = await desk.call(t)
    await desk.ends(uid, "ANSWER", talk=20)
    await desk.ok("a1", "POST", f"/api/callbacks/{t['id']}/outcome",
                  json={"version": t["version"], "outcome": "reached", "survey": SURVEY})
    rec = (await desk.ok("lead", "GET", "/api/service-records", params={"customer_id": desk.customer}))["items"]
    [done] = [x for x in rec if x["id"] == r["id"]]
    assert done["follow_up_done_at"] is not None
    # another one withdrawn: its task is cancelled (and not counted as due in the rate)
    r2 = await desk.ok("lead", "POST", "/api/service-records", 201, json=base)
    [t2] = [x for x in (await desk.ok("a1", "GET", "/api/callbacks"))["items"] if x["id"] != t["id"]]
    await desk.ok("lead", "PATCH", f"/api/service-records/{r2['id']}", json={"follow_up_needed": False})
    t2 = (await desk.ok("a1", "GET", f"/api/callbacks/{t2['id']}"))["task"]
    assert (t2["state"], t2["closed_by"]) == ("cancelled", "system")
