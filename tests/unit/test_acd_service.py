"""The agent state machine and queue membership, with a fake AMI that records the exact actions sent."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.acd.pop import ScreenPop, ivr_choices
from callcenter.acd.repository import AcdRepository
from callcenter.acd.service import AgentService
from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.asterisk.events import (
    AgentCalled,
    AgentComplete,
    AgentConnect,
    AgentRingNoAnswer,
    Hangup,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueMember,
)
from callcenter.auth.models import User
from callcenter.calls.service import CallState
from callcenter.clock import FakeClock
from callcenter.directory.repository import DirectoryRepository, penalty_for
from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound
from callcenter.outside_numbers import OutsideUse
from callcenter.realtime.hub import Hub
from tests.helpers import bearer, stack_settings, wait_for
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def agent_ev(ext: str, uid: str = "c1") -> dict[str, str]:
    """The headers of an app_queue agent event (AgentCalled, AgentConnect...): the member rung, the caller's call."""
    return {"Interface": f"PJSIP/{ext}", "Uniqueid": uid, "Queue": "support"}


class Env:
    def __init__(self, stack: Stack, ami: FakeAmi, clock: FakeClock) -> None:
        self.stack = stack
        self.ami = ami
        self.clock = clock
        self.acd: AgentService = stack.acd

    async def agent(self, name: str, skills: dict[str, str]) -> User:
        user = await self.stack.auth.create_user(name, "test-password-1", ["agent"], name.title())
        for q, lvl in skills.items():
            await self.stack.directory_repo.set_skill(user.id, q, lvl)
        return user


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    ami = FakeAmi()
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False,
                  ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    try:
        yield Env(stack, ami, clock)
    finally:
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.pop.close()  # the stack's own screen pop looks records up too: done before the pool closes
        await stack.engine.dispose()


@pytest.mark.parametrize(("level", "routing", "penalty"), [
    ("senior", "equal", 0), ("junior", "equal", 0),
    ("senior", "seniors_first", 0), ("intermediate", "seniors_first", 1), ("junior", "seniors_first", 2),
    ("junior", "juniors_first", 0), ("senior", "juniors_first", 2),
])
def test_penalty_mapping(level: str, routing: str, penalty: int) -> None:
    assert penalty_for(level, routing) == penalty


def test_penalty_mapping_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="unknown level 'boss'"):
        penalty_for("boss", "equal")


async def test_login_adds_the_agent_paused_to_each_skill_queue_with_its_penalty(env: Env) -> None:
    u = await env.agent("li", {"complaints": "junior", "support": "senior"})
    a = await env.acd.login(u, "1001")
    assert (a.state, a.reason, a.extension) == ("paused", "not_ready", "1001")
    assert env.ami.take() == [
        ("queue_add", {"args": ("complaints", "PJSIP/1001"), "penalty": 2, "paused": True, "member_name": "Li",
                       "reason": "not_ready"}),
        ("queue_add", {"args": ("support", "PJSIP/1001"), "penalty": 0, "paused": True, "member_name": "Li",
                       "reason": "not_ready"}),
    ]
    # a second tab logging in at the same seat changes nothing and sends nothing
    assert (await env.acd.login(u, "1001")) is a and env.ami.take() == []


async def test_ready_pause_logout_send_exact_actions(env: Env) -> None:
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    env.ami.take()
    await env.acd.ready(u)
    assert env.ami.take() == [("queue_pause", {"args": ("PJSIP/1001", False)})]
    await env.acd.ready(u)  # no-op: nothing sent
    assert env.ami.take() == []
    await env.acd.pause(u, "meal")
    assert env.ami.take() == [("queue_pause", {"args": ("PJSIP/1001", True, "meal")}),
                              ("queue_log", {"args": ("NONE", "PAUSEREASON", "PJSIP/1001", "meal")})]
    await env.acd.logout(u)
    assert env.ami.take() == [("queue_remove", {"args": ("support", "PJSIP/1001")})]
    assert env.acd.by_ext == {}


async def test_illegal_transitions_are_refused_with_the_reason(env: Env) -> None:
    u = await env.agent("li", {"support": "senior"})
    with pytest.raises(Conflict, match="log in at a seat first"):
        await env.acd.ready(u)
    with pytest.raises(NotFound, match="seat '9999' does not exist"):
        await env.acd.login(u, "9999")
    await env.acd.login(u, "1001")
    other = await env.agent("wang", {"support": "junior"})
    with pytest.raises(Conflict, match="seat 1001 is taken by li"):
        await env.acd.login(other, "1001")
    with pytest.raises(Conflict, match="already logged in at seat 1001"):
        await env.acd.login(u, "1002")
    with pytest.raises(InvalidInput, match="unknown pause reason 'nap'"):
        await env.acd.pause(u, "nap")
    with pytest.raises(InvalidInput, match="set by the system only"):
        await env.acd.pause(u, "no_answer")
    await env.acd.ready(u)
    await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev("1001")))
    with pytest.raises(Conflict, match="cannot pause while ringing"):
        await env.acd.pause(u, "meal")
    await env.acd.reactions.on_agent_connect(AgentConnect.parse(agent_ev("1001")))
    with pytest.raises(Conflict, match="cannot log out while on call"):
        await env.acd.logout(u)
    with pytest.raises(Conflict, match="cannot go ready while on call"):
        await env.acd.ready(u)
    supervisor = await env.stack.auth.create_user("sup", "test-password-1", ["supervisor"])
    with pytest.raises(InvalidInput, match="only users with the agent role"):
        await env.acd.login(supervisor, "1002")


async def test_call_cycle_from_ami_events_with_wrapup_timer(env: Env) -> None:
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    env.ami.take()
    ev = {"Interface": "PJSIP/1001", "Uniqueid": "c1", "Queue": "support", "DestChannel": "PJSIP/1001-0001"}
    await env.acd.reactions.on_agent_called(AgentCalled.parse(ev))
    a = env.acd.agents[u.id]
    assert (a.state, a.call_uniqueid, a.channel) == ("ringing", "c1", "PJSIP/1001-0001")
    await env.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
    assert a.state == "on_call"
    env.acd.wrapup_seconds["support"] = 0.05  # type: ignore[assignment]
    await env.acd.reactions.on_agent_complete(AgentComplete.parse({**ev, "Reason": "caller"}))
    assert (a.state, a.reason, a.call_uniqueid) == ("wrapup", "wrapup", "c1")
    assert env.ami.take() == [("queue_pause", {"args": ("PJSIP/1001", True, "wrapup")})]
    # the queue's wrap-up seconds pass: ready again (stored), unpaused in Asterisk
    await wait_for(lambda: a.wrapup_task is None and a.state == "ready" and len(env.ami.sent) == 1, 10,
                   "wrap-up to end")
    assert a.call_uniqueid is None
    assert env.ami.take() == [("queue_pause", {"args": ("PJSIP/1001", False)})]
    log = await env.stack.acd_repo.state_log(u.id)
    assert [(r.state, r.source) for r in reversed(log)] == [
        ("paused", "agent"), ("ready", "agent"), ("ringing", "ami"), ("on_call", "ami"), ("wrapup", "ami"),
        ("ready", "system")]


async def test_unanswered_ring_auto_pauses_after_n(env: Env) -> None:
    env.acd.auto_pause_after = 2
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    env.ami.take()
    ev = {"Interface": "PJSIP/1001", "Uniqueid": "c1", "Queue": "support"}
    await env.acd.reactions.on_agent_called(AgentCalled.parse(ev))
    await env.acd.reactions.on_agent_ring_no_answer(AgentRingNoAnswer.parse(ev))
    a = env.acd.agents[u.id]
    assert (a.state, a.missed_rings) == ("ready", 1) and env.ami.take() == []
    await env.acd.reactions.on_agent_called(AgentCalled.parse({**ev, "Uniqueid": "c2"}))
    await env.acd.reactions.on_agent_ring_no_answer(AgentRingNoAnswer.parse({**ev, "Uniqueid": "c2"}))
    assert (a.state, a.reason, a.missed_rings) == ("paused", "no_answer", 2)
    assert env.ami.take() == [("queue_pause", {"args": ("PJSIP/1001", True, "no_answer")}),
                              ("queue_log", {"args": ("NONE", "PAUSEREASON", "PJSIP/1001", "no_answer")})]
    await env.acd.ready(u)
    assert a.missed_rings == 0


async def test_other_ringing_agents_are_freed_when_one_answers_or_the_caller_leaves(env: Env) -> None:
    u1, u2 = await env.agent("a1", {"support": "senior"}), await env.agent("a2", {"support": "senior"})
    for u, ext in ((u1, "1001"), (u2, "1002")):
        await env.acd.login(u, ext)
        await env.acd.ready(u)
    for ext in ("1001", "1002"):
        await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev(ext)))
    await env.acd.reactions.on_agent_connect(AgentConnect.parse(agent_ev("1002")))
    assert (env.acd.agents[u1.id].state, env.acd.agents[u2.id].state) == ("ready", "on_call")
    await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev("1001", "c2")))
    await env.acd.reactions.caller_gone(QueueCallerAbandon.parse({"Uniqueid": "c2"}))
    assert env.acd.agents[u1.id].state == "ready"


async def test_state_survives_a_service_restart(env: Env, db_url: str) -> None:
    u = await env.agent("li", {"support": "senior", "business": "junior"})
    await env.acd.login(u, "1001")
    await env.acd.pause(u, "meeting")
    again = AgentService(AcdRepository(env.stack.sessions, env.clock),
                         DirectoryRepository(env.stack.sessions, env.clock), FakeAmi(), env.clock)
    await again.load()
    a = again.by_ext["1001"]
    assert (a.username, a.state, a.reason, a.memberships) == ("li", "paused", "meeting",
                                                               {"support": 0, "business": 0})


def test_the_queue_members_asterisk_lists_are_read_once_into_typed_values() -> None:
    m = QueueMember.parse({"Event": "QueueMember", "Queue": "support", "Location": "PJSIP/1001",
                           "StateInterface": "PJSIP/1001", "Membership": "dynamic", "Penalty": "2", "Paused": "1",
                           "PausedReason": "meal"})
    assert (m.queue, m.interface, m.penalty, m.is_paused, m.dynamic, m.paused_reason) == (
        "support", "PJSIP/1001", "2", True, True, "meal")
    static = QueueMember.parse({"Event": "QueueMember", "StateInterface": "PJSIP/1002", "Membership": "static"})
    assert (static.interface, static.penalty, static.is_paused, static.dynamic) == ("PJSIP/1002", None, False, False)


async def test_resync_makes_asterisk_match_the_db(env: Env) -> None:
    u1, u2 = await env.agent("a1", {"support": "senior"}), await env.agent("a2", {"complaints": "junior"})
    await env.acd.login(u1, "1001")
    await env.acd.ready(u1)
    await env.acd.login(u2, "1002")
    await env.acd.pause(u2, "meal")
    env.ami.take()
    status = [  # what Asterisk reports: 1001 missing, 1002 unpaused at the wrong penalty, a stray member
        {"Event": "QueueMember", "Queue": "complaints", "Location": "PJSIP/1002", "Penalty": "0", "Paused": "0",
         "Membership": "dynamic"},
        {"Event": "QueueMember", "Queue": "support", "Location": "PJSIP/1999", "Penalty": "0", "Paused": "0",
         "Membership": "dynamic"},
    ]
    counts = await env.acd.resync(status, [])
    assert counts == {"added": 1, "removed": 1, "paused": 1, "penalty": 1, "calls_gone": 0, "calls_found": 0}
    assert env.ami.take() == [
        ("queue_add", {"args": ("support", "PJSIP/1001"), "penalty": 0, "paused": False, "member_name": "A1",
                       "reason": ""}),
        ("queue_penalty", {"args": ("complaints", "PJSIP/1002", 2)}),
        ("queue_pause", {"args": ("PJSIP/1002", True, "meal"), "queue": "complaints"}),
        ("queue_remove", {"args": ("support", "PJSIP/1999")}),
    ]
    # in line already: nothing is sent
    ok = [{"Event": "QueueMember", "Queue": "support", "Location": "PJSIP/1001", "Penalty": "0", "Paused": "0",
           "Membership": "dynamic"},
          {"Event": "QueueMember", "Queue": "complaints", "Location": "PJSIP/1002", "Penalty": "2", "Paused": "1",
           "Membership": "dynamic"}]
    await env.acd.resync(ok, [])
    assert env.ami.take() == []


async def test_ami_down_keeps_the_db_truth_for_the_resync(env: Env) -> None:
    u = await env.agent("li", {"support": "senior"})
    env.ami.down = True
    a = await env.acd.login(u, "1001")  # stored even though Asterisk cannot be told now
    assert a.state == "paused"
    env.ami.down = False
    await env.acd.resync([], [])
    assert env.ami.take() == [("queue_add", {"args": ("support", "PJSIP/1001"), "penalty": 0, "paused": True,
                                             "member_name": "Li", "reason": "not_ready"})]


def test_ivr_choices_lists_the_digits_pressed() -> None:
    path = [{"node": "welcome", "kind": "play"}, {"node": "main", "kind": "menu", "digits": "9", "result": "invalid"},
            {"node": "main", "kind": "menu", "digits": "3", "result": "option"}, {"node": "q", "kind": "queue"}]
    assert ivr_choices(path) == [{"node": "main", "digits": "9"}, {"node": "main", "digits": "3"}]


class _Customers:
    def __init__(self) -> None:
        self.asked: list[str | None] = []
        self.audited: list[tuple[str, int]] = []

    async def pop_data(self, number: str | None) -> dict[str, Any]:
        self.asked.append(number)
        return {"customer": {"id": 7, "name": "Zhang Wei"}, "recent_calls": [{"id": 1}], "service_records": [],
                "open_follow_ups": []}

    async def audit_pop(self, username: str, customer_id: int) -> None:
        self.audited.append((username, customer_id))


@pytest.mark.ws_unchecked("_Customers gives a two-field customer record, not CustomerRecords.pop_data's")
async def test_pop_is_assembled_from_the_call_and_the_customer_and_follows_the_call(env: Env) -> None:
    hub = Hub()
    got: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        import json

        got.append(json.loads(text))

    async def close(code: int, reason: str) -> None:
        return None

    client = hub.register(send, close, {"agent:li"}, "t")
    customers = _Customers()
    pop = ScreenPop(hub, env.stack.tracker, customers, env.clock)
    env.acd.listen(pop.on_agent)
    env.stack.tracker.active["c1"] = CallState(
        uniqueid="c1", caller_number="13800138000", queue="support", queued_at=T0,
        ivr_path=[{"node": "main", "kind": "menu", "digits": "3", "result": "option"}])
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    ring = {"Interface": "PJSIP/1001", "Uniqueid": "c1", "Queue": "support",
            "Timestamp": str(T0.timestamp() + 12.5)}
    await env.acd.reactions.on_agent_called(AgentCalled.parse(ring))
    assert pop.current["li"]["caller_number"] == "13800138000"  # on screen at once (reconnects, access)
    await pop.idle()
    await env.acd.reactions.on_agent_connect(AgentConnect.parse(ring))
    await pop.idle()
    await asyncio.sleep(0.01)  # the client's sender task delivers
    kinds = [m["type"] for m in got]
    assert kinds == ["state", "state", "state", "pop", "state", "pop_phase"]
    p = next(m["pop"] for m in got if m["type"] == "pop")
    assert p["caller_number"] == "13800138000" and p["queue"] == "support" and p["wait_seconds"] == 12.5
    assert p["customer"]["name"] == "Zhang Wei" and p["ivr_choices"] == [{"node": "main", "digits": "3"}]
    assert customers.asked == ["13800138000"] and customers.audited == [("li", 7)]
    assert pop.current["li"]["phase"] == "active"
    await hub.unregister(client)


@pytest.mark.ws_unchecked("_Customers gives a two-field customer record, not CustomerRecords.pop_data's")
async def test_the_record_is_fetched_while_the_caller_waits_and_audited_when_shown(env: Env) -> None:
    customers = _Customers()
    pop = ScreenPop(Hub(), env.stack.tracker, customers, env.clock)
    env.acd.listen(pop.on_agent)
    env.stack.tracker.active["c1"] = CallState(uniqueid="c1", caller_number="13800138000", queue="support")
    await pop.on_queue_caller_join(QueueCallerJoin.parse({"Uniqueid": "c1", "Queue": "support"}))
    await asyncio.sleep(0.01)
    assert customers.asked == ["13800138000"] and customers.audited == []  # fetched, nobody has seen it yet
    for name, ext in (("a1", "1001"), ("a2", "1002")):  # ringall: two agents are shown the same caller
        u = await env.agent(name, {"support": "senior"})
        await env.acd.login(u, ext)
        await env.acd.ready(u)
        await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev(ext)))
    await pop.idle()
    assert customers.asked == ["13800138000"]  # no second lookup on the pop path
    assert customers.audited == [("a1", 7), ("a2", 7)]
    assert pop.current["a2"]["customer"] == {"id": 7, "name": "Zhang Wei"}
    await pop.on_hangup(Hangup.parse({"Uniqueid": "c1"}))
    assert pop._prefetched == {}


async def test_agent_api_roles_and_errors(env: Env) -> None:
    u = await env.agent("li", {"support": "senior"})
    del u
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/api/agent/me")).status_code == 401
        sup = await bearer(env.stack, ("supervisor",))
        assert (await c.post("/api/agent/login", json={"extension": "1001"}, headers=sup)).status_code == 403
        token, _ = await env.stack.auth.login("li", "test-password-1", "t")
        h = {"Authorization": f"Bearer {token}"}
        r = await c.post("/api/agent/login", json={"extension": "10x1"}, headers=h)
        assert r.status_code == 400 and "extension" in r.json()["message"]
        r = await c.post("/api/agent/login", json={"extension": "1001"}, headers=h)
        assert r.status_code == 200 and r.json()["agent"]["state"] == "paused"
        assert {x["code"] for x in r.json()["pause_reasons"]} >= {"away", "meal", "meeting", "acw"}
        r = await c.post("/api/agent/transfer", json={"target_type": "queue", "target": "support"}, headers=h)
        assert r.status_code == 409 and r.json()["message"] == "transfer needs a call in progress"
        r = await c.post("/api/agent/pause", json={"reason": "nap"}, headers=h)
        assert r.status_code == 400 and "unknown pause reason 'nap'" in r.json()["message"]
        seats = (await c.get("/api/agent/seats", headers=h)).json()
        assert {"extension": "1001", "name": "Agent 1001", "taken_by": "li", "device": ""} in seats
        assert all("password" not in s for s in seats)
        r = await c.post("/api/agent/call", json={"number": "138-0013-8000"}, headers=h)
        assert r.status_code == 200 and r.json() == {"number": "13800138000", "extension": "1001",
                                                     "call_uniqueid": r.json()["call_uniqueid"]}
        name, fields = env.ami.sent[-1]
        assert name == "originate" and fields["args"] == ("PJSIP/1001", "cc-outbound", "13800138000")
        assert fields["channel_id"] == r.json()["call_uniqueid"]
        # the agent never took the phone: ready again, the call stored as failed
        await env.stack.ami.dispatcher.dispatch(AmiEvent({
            "Event": "Hangup", "Uniqueid": fields["channel_id"], "Linkedid": fields["channel_id"],
            "Channel": "PJSIP/1001-00000001", "Cause": "19"}))
        a = env.acd.by_ext["1001"]
        assert (a.state, a.reason) == ("paused", "not_ready")  # as before the call (li was paused)
        stored = await env.stack.calls_repo.get_by_uniqueid(fields["channel_id"])
        assert stored is not None and (stored.direction, stored.outcome, stored.end_reason) == (
            "outbound", "failed", "agent_no_answer")
        r = await c.post("/api/agent/call", json={"number": "call me"}, headers=h)
        assert r.status_code == 400 and "must be 3-20 digits" in r.json()["message"]
        env.ami.down = True
        r = await c.post("/api/agent/call", json={"number": "13800138000"}, headers=h)
        assert r.status_code == 503 and "click-to-call failed" in r.json()["message"]
    entries = [e.action for e in await _audit(env.stack)]
    assert "agent.login" in entries and "call.originate" in entries


async def _audit(stack: Stack) -> list[Any]:
    from sqlalchemy import select

    from callcenter.auth.models import AuditEntry

    async with stack.sessions() as s:
        return list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def test_an_agent_reads_only_the_customer_of_the_call_they_are_handling(env: Env) -> None:
    """The real wiring (Stack → CustomerAccess): the pop's call decides which record an agent may open."""
    x = await env.stack.customers.create("Caller X", ["13800138000"])
    y = await env.stack.customers.create("Somebody Else", ["13900139000"])
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    token, _ = await env.stack.auth.login("li", "test-password-1", "t")
    h = {"Authorization": f"Bearer {token}"}
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=h) as c:
        assert (await c.get(f"/api/customers/{x.id}")).status_code == 403  # no call yet
        env.stack.tracker.active["c1"] = CallState(uniqueid="c1", caller_number="+8613800138000", queue="support")
        await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev("1001")))
        await env.stack.pop.idle()
        assert env.stack.pop.current["li"]["customer"]["id"] == x.id
        r = await c.get(f"/api/customers/{x.id}")
        assert r.status_code == 200 and r.json()["name"] == "Caller X"
        r = await c.get(f"/api/customers/{y.id}")
        assert r.status_code == 403 and "handling" in r.json()["message"]
        await env.acd.reactions.on_agent_connect(AgentConnect.parse(agent_ev("1001")))
        await env.acd.reactions.on_agent_complete(AgentComplete.parse(agent_ev("1001")))
        assert (await c.get(f"/api/customers/{x.id}")).status_code == 200  # still in wrap-up
        await env.acd.ready(u)
        assert (await c.get(f"/api/customers/{x.id}")).status_code == 403  # the call is over
    views = [(e.action, e.target, (e.detail or {}).get("why")) for e in await _audit(env.stack)
             if e.action.startswith("customer.")]
    assert ("customer.view", f"customer:{x.id}", "pop") in views
    assert [t for a, t, _ in views if a == "customer.view_denied"] == [f"customer:{x.id}", f"customer:{y.id}",
                                                                        f"customer:{x.id}"]


async def test_an_uploaded_announce_prompt_is_rendered_by_its_path(env: Env) -> None:
    prompt = env.stack.settings.data_dir / "prompts" / "zh" / "q-hello.wav"
    prompt.parent.mkdir(parents=True, exist_ok=True)
    prompt.write_bytes(b"RIFF")
    from tests.helpers import set_queue

    await set_queue(env.stack, "support", announce="q-hello")
    await set_queue(env.stack, "business", announce="queue-thankyou")  # one of Asterisk's own sounds
    text = (env.stack.settings.asterisk_runtime_dir / "etc" / "queues.conf").read_text()
    assert f"announce = {prompt.with_suffix('')}\n" in text
    assert "announce = queue-thankyou\n" in text  # Asterisk finds its own sounds by name, in the call's language


async def test_the_pop_names_the_callers_ivr_choices_with_the_flows_labels_in_both_languages(env: Env) -> None:
    """The pop's IVR path carries the labels of the nodes and chosen options (``Human service / 人工服务`` in the
    flow the call ran) split by language, so the desktop shows 人工服务 rather than the node id ``human``."""
    from callcenter.ivr.flowdef import FlowDef
    from callcenter.ivr.seed import default_flow

    class Versions:  # the published versions (IvrService.version)
        asked: list[int] = []

        async def version(self, version_id: int) -> FlowDef:
            self.asked.append(version_id)
            return FlowDef.model_validate(default_flow(["support", "consultation", "business", "complaints"]))

    flows = Versions()
    pop = ScreenPop(Hub(), env.stack.tracker, None, env.clock, flows=flows)
    env.acd.listen(pop.on_agent)
    env.stack.tracker.active["c1"] = CallState(
        uniqueid="c1", caller_number="13800138000", queue="support", queued_at=T0, ivr_flow_version_id=7,
        ivr_path=[{"node": "hours", "kind": "hours", "result": "open"}, {"node": "welcome", "kind": "play"},
                  {"node": "main", "kind": "menu", "digits": "0", "result": "option"},
                  {"node": "human", "kind": "queue", "queue": "support"}])
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    await env.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev("1001")))
    await pop.idle()
    p = pop.current["li"]
    assert p["ivr_labels"]["human"] == {"zh": "人工服务", "en": "Human service"}
    assert p["ivr_labels"]["main"] == {"zh": "主菜单", "en": "Main menu"}
    assert p["ivr_choices"] == [{"node": "main", "digits": "0", "target": "human", "label_zh": "人工服务",
                                 "label_en": "Human service"}]
    assert flows.asked == [7]  # the version the call ran, not whatever is live now


async def test_a_click_to_call_is_a_call_the_agent_is_on(env: Env) -> None:
    """Ringing while the agent's own phone rings, on_call once they take it and the customer is dialled, wrap-up
    after; the call stored as outbound with the customer, answered; a call placed while paused returns to the
    pause (Asterisk's member was never unpaused)."""
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    env.ami.take()
    res = await env.acd.call_out(u, "13800138000", "4000", customer_id=42)
    uid = res["call_uniqueid"]
    a = env.acd.by_ext["1001"]
    assert (a.state, a.call_uniqueid) == ("ringing", uid)
    [(name, fields)] = env.ami.take()
    assert name == "originate" and fields["channel_id"] == uid
    assert re.fullmatch(r"[0-9]{10}\.9[0-9]{8}", uid)  # Asterisk's form: the dialplan records it
    stored = await env.stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and (stored.direction, stored.customer_id, stored.agent_username) == (
        "outbound", 42, "li")
    leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": "PJSIP/1001-00000007"}
    dispatch = env.stack.ami.dispatcher.dispatch
    await dispatch(AmiEvent({**leg, "Event": "DialBegin", "DestChannel": "PJSIP/trunk-00000008"}))
    assert (a.state, a.channel) == ("on_call", "PJSIP/1001-00000007")
    await dispatch(AmiEvent({**leg, "Event": "DialEnd", "DestChannel": "PJSIP/trunk-00000008",
                             "DialStatus": "ANSWER"}))
    env.clock.advance(30)
    await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
    assert a.state == "wrapup" and a.call_uniqueid == uid
    stored = await env.stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and (stored.outcome, stored.talk_seconds) == ("answered", 30.0)

    # placed while paused (a meal): the agent takes the call, and after it is paused again with that reason
    assert a.wrapup_task is not None
    a.wrapup_task.cancel()
    a.wrapup_task = None
    await env.acd.pause(u, "meal")
    env.ami.take()
    uid = (await env.acd.call_out(u, "13800138001", "4000"))["call_uniqueid"]
    leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": "PJSIP/1001-00000009"}
    await dispatch(AmiEvent({**leg, "Event": "DialBegin"}))
    assert a.state == "on_call"
    await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
    assert (a.state, a.reason) == ("paused", "meal")
    assert [n for n, _ in env.ami.take()] == ["originate"]  # no unpause, no wrap-up pause sent


async def test_after_a_restart_the_resync_gives_the_agent_back_their_own_leg_of_an_outbound_call(env: Env) -> None:
    """A service restart loads the agent on_call with their outbound call but not the phone's channel (not stored);
    the outbound call's first leg is the agent's own phone (its uniqueid is the call's), so the resync takes that
    channel from Asterisk's list and the agent's Hangup ends the call for them: wrap-up, not on_call for ever. A
    ringing agent whose phone was answered and bridged meanwhile is on the call."""
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    uid = (await env.acd.call_out(u, "13800138000", "4000"))["call_uniqueid"]
    a = env.acd.by_ext["1001"]
    a.state, a.channel = "on_call", None  # as a new start loads it
    mark = env.acd.states.mark()
    legs = [{"Event": "CoreShowChannel", "Uniqueid": uid, "Linkedid": uid, "Channel": "PJSIP/1001-0000000a",
             "BridgeId": "b1"},
            {"Event": "CoreShowChannel", "Uniqueid": "x2", "Linkedid": uid, "Channel": "PJSIP/trunk-0000000b",
             "BridgeId": "b1"}]
    counts = await env.acd.resync([], legs, mark)
    assert (a.state, a.channel, a.call_uniqueid, counts["calls_gone"]) == (
        "on_call", "PJSIP/1001-0000000a", uid, 0)
    await env.stack.ami.dispatcher.dispatch(AmiEvent({"Event": "Hangup", "Uniqueid": uid, "Linkedid": uid,
                                                      "Channel": "PJSIP/1001-0000000a", "Cause": "16"}))
    assert (a.state, a.call_uniqueid) == ("wrapup", uid)

    # killed while the phone rang; taken and bridged with the customer before the new start's resync
    assert a.wrapup_task is not None
    a.wrapup_task.cancel()
    a.wrapup_task = None
    await env.acd.ready(u)
    uid = (await env.acd.call_out(u, "13800138001", "4000"))["call_uniqueid"]
    a.channel = None
    legs = [{**leg, "Uniqueid": u2, "Linkedid": uid} for leg, u2 in zip(legs, (uid, "x3"), strict=True)]
    counts = await env.acd.resync([], legs, env.acd.states.mark())
    assert (a.state, a.channel, counts["calls_found"]) == ("on_call", "PJSIP/1001-0000000a", 1)


# ---- transfers to outside numbers (issue 15, part 7) -------------------------------------------------------------

OUTSIDE_TRANSFER = OutsideUse(allowed=["138XXXXXXXX", "13900139000"], caller_id="4008")


async def _on_a_queue_call(env: Env) -> User:
    u = await env.agent("li", {"support": "senior"})
    await env.acd.login(u, "1001")
    await env.acd.ready(u)
    ev = {"Interface": "PJSIP/1001", "Uniqueid": "c1", "Queue": "support", "DestChannel": "PJSIP/1001-0001"}
    await env.acd.reactions.on_agent_called(AgentCalled.parse(ev))
    await env.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
    env.ami.take()
    return u


async def test_a_transfer_to_an_allowed_outside_number_goes_through_the_outside_gate(env: Env) -> None:
    """Blind: the caller is redirected to [cc-transfer-outside] with the number's digits; attended: Atxfer of the
    agent's leg there (Atxfer hands the extension over as DTMF: digits only, hence a context of its own)."""
    u = await _on_a_queue_call(env)
    res = await env.acd.transfer(u, "PJSIP/trunk-0001", "outside", "138 1234 5678", "blind", OUTSIDE_TRANSFER)
    assert res == {"call_uniqueid": "c1", "target": "13812345678", "mode": "blind"}
    assert env.ami.take() == [("redirect", {"args": ("PJSIP/trunk-0001", "cc-transfer-outside", "13812345678")})]
    res = await env.acd.transfer(u, None, "outside", "13900139000", "attended", OUTSIDE_TRANSFER)
    assert res == {"call_uniqueid": "c1", "target": "13900139000", "mode": "attended"}
    assert env.ami.take() == [("atxfer", {"args": ("PJSIP/1001-0001", "cc-transfer-outside", "13900139000")})]
    # queues and seats still go to cc-transfer
    await env.acd.transfer(u, "PJSIP/trunk-0001", "extension", "1002", "blind", OUTSIDE_TRANSFER)
    await env.acd.transfer(u, None, "queue", "support", "attended", OUTSIDE_TRANSFER)
    # an attended transfer to a queue: Atxfer carries digits only, so the queue goes on the agent's channel
    # (inherited by the transfer's channel) and Atxfer enters [cc-atxfer-queue] at 1
    assert env.ami.take() == [("redirect", {"args": ("PJSIP/trunk-0001", "cc-transfer", "1002")}),
                              ("setvar", {"args": ("PJSIP/1001-0001", "__CC_XFER_QUEUE", "support")}),
                              ("atxfer", {"args": ("PJSIP/1001-0001", "cc-atxfer-queue", "1")})]


@pytest.mark.parametrize(("number", "outside"), [
    ("13700137000", OUTSIDE_TRANSFER),  # matches no entry
    ("1381234567", OUTSIDE_TRANSFER),  # one digit short of the pattern
    ("139001390001", OUTSIDE_TRANSFER),  # one digit more than the exact number
    ("13812345678", None),  # nothing allowed (the default)
    ("13812345678", OutsideUse()),
])
async def test_an_outside_number_not_allowed_is_refused_and_nothing_is_sent(env: Env, number: str,
                                                                            outside: OutsideUse | None) -> None:
    u = await _on_a_queue_call(env)
    for mode in ("blind", "attended"):
        with pytest.raises(Forbidden) as ei:
            await env.acd.transfer(u, "PJSIP/trunk-0001", "outside", number, mode, outside)
        assert ei.value.code == "acd.outside_number_not_allowed" and ei.value.details == {"number": number,
                                                                                          "field": "target"}
        assert number in ei.value.messages["en"] and number in ei.value.messages["zh-CN"]
    assert env.ami.take() == []  # refused before Asterisk sees anything
    assert env.acd.agents[u.id].state == "on_call"


@pytest.mark.parametrize("target", ["call me", "1381234567&Local/listen@cc-spy", "13812345678,,tT", "12",
                                    "1" * 21, "o-13812345678"])
async def test_an_outside_target_that_is_not_a_number_is_refused(env: Env, target: str) -> None:
    u = await _on_a_queue_call(env)
    with pytest.raises(InvalidInput, match="must be 3-20 digits"):
        await env.acd.transfer(u, "PJSIP/trunk-0001", "outside", target, "blind", OUTSIDE_TRANSFER)
    assert env.ami.take() == []


async def test_the_transfer_api_refuses_outside_numbers_not_allowed_in_the_settings(env: Env) -> None:
    u = await _on_a_queue_call(env)
    del u
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    token, _ = await env.stack.auth.login("li", "test-password-1", "t")
    h = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        # nothing is allowed by default
        assert (await c.get("/api/agent/outside-numbers", headers=h)).json() == {"allowed": []}
        r = await c.post("/api/agent/transfer", json={"target_type": "outside", "target": "13812345678"}, headers=h)
        assert r.status_code == 403, r.text
        body = r.json()
        assert (body["error"], body["code"], body["details"]) == (
            "forbidden", "acd.outside_number_not_allowed", {"number": "13812345678", "field": "target"})
        assert body["messages"]["zh-CN"].startswith("外部号码 13812345678 不允许转接")
        env.stack.settings.outside_numbers.transfer = OUTSIDE_TRANSFER
        assert (await c.get("/api/agent/outside-numbers", headers=h)).json() == {
            "allowed": ["138XXXXXXXX", "13900139000"]}
        r = await c.post("/api/agent/transfer", headers=h,
                         json={"target_type": "outside", "target": "+86 137 0013 7000", "mode": "attended"})
        assert r.status_code == 403 and "8613700137000" in r.json()["message"]
        assert env.ami.take() == []
        r = await c.post("/api/agent/transfer", headers=h,
                         json={"target_type": "outside", "target": "138-1234-5678", "mode": "attended"})
        assert r.status_code == 200 and r.json() == {"call_uniqueid": "c1", "target": "13812345678",
                                                     "mode": "attended"}
        assert env.ami.take() == [("atxfer", {"args": ("PJSIP/1001-0001", "cc-transfer-outside", "13812345678")})]
        r = await c.post("/api/agent/transfer", json={"target_type": "mobile", "target": "13812345678"}, headers=h)
        assert r.status_code == 400
    audits = [e for e in await _audit(env.stack) if e.action == "call.transfer"]
    assert [(e.detail["target"], e.detail["target_type"]) for e in audits] == [("13812345678", "outside")]
