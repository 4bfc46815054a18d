"""The pop's cases (issue 14, "5. From the call"; docs/cases.md "From the call"): a returning caller's open cases
with their clock states in the screen pop, the type a new case of the call starts as (``case_policy.types_by_queue``),
and a case opened by the agent from the popped call, through the real wiring (Stack → ScreenPop → PopCaseLookup)
on a fake AMI and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from callcenter.acd.schemas import ScreenPopOut
from callcenter.app import Stack, create_app
from callcenter.asterisk.events import AgentCalled, AgentComplete, AgentConnect
from callcenter.auth.actor import Actor
from callcenter.calls.service import CallState
from callcenter.cases.policy import CasePolicySettings
from callcenter.cases.service import NewCase
from callcenter.clock import FakeClock
from tests.helpers import stack_settings
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def agent_ev(queue: str, uid: str = "c1") -> dict[str, str]:
    return {"Interface": "PJSIP/1001", "Uniqueid": uid, "Queue": queue}


@pytest.fixture
async def stack(db_url: str, workdir: Path) -> AsyncIterator[tuple[Stack, FakeClock]]:
    clock = FakeClock(T0)
    st = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False,
               ami=FakeAmi())  # type: ignore[arg-type]
    await st.load_directory()
    try:
        yield st, clock
    finally:
        for a in st.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await st.pop.close()
        await st.engine.dispose()


async def _audit(st: Stack) -> list[Any]:
    from sqlalchemy import select

    from callcenter.auth.models import AuditEntry

    async with st.sessions() as s:
        return list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def _ring(st: Stack, queue: str, number: str, uid: str = "c1") -> dict[str, Any]:
    st.tracker.active[uid] = CallState(uniqueid=uid, caller_number=number, queue=queue)
    await st.acd.reactions.on_agent_called(AgentCalled.parse(agent_ev(queue, uid)))
    await st.pop.idle()
    pop = st.pop.current["li"]
    ScreenPopOut.model_validate(pop)  # the pop's published shape (/api/agent/me, the "pop" message)
    return pop


async def test_the_pop_shows_the_callers_open_cases_with_their_clocks(stack: tuple[Stack, FakeClock]) -> None:
    st, clock = stack
    x = await st.customers.create("Caller X", ["13800138000"])
    other = await st.customers.create("Somebody Else", ["13900139000"])
    lead = await st.auth.create_user("boss", "test-password-1", ["supervisor"], "Boss")
    u = await st.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await st.directory_repo.set_skill(u.id, "support", "senior")
    svc, boss = st.cases.service, Actor.of(lead)
    old = await svc.create(boss, NewCase(type="fault", description="line down", customer_id=x.id))
    clock.advance(55 * 60)  # the fault's dispatch clock (60 min, warning 10 before) is warning now
    new = await svc.create(boss, NewCase(type="complaint", description="rude", customer_id=x.id, severity="serious"))
    done = await svc.create(boss, NewCase(type="suggestion", description="thanks", customer_id=x.id))
    await svc.cancel(boss, done.number, done.version, "duplicate")
    await svc.create(boss, NewCase(type="complaint", description="not theirs", customer_id=other.id))
    await st.acd.login(u, "1001")
    await st.acd.ready(u)

    pop = await _ring(st, "support", "+8613800138000")
    assert [c["number"] for c in pop["open_cases"]] == [new.number, old.number]  # newest first, open only
    assert pop["open_cases_total"] == 2 and pop["case_type"] is None  # support: no type chosen
    assert pop["open_cases_at"] == "2026-03-02T09:55:00Z"
    first, second = pop["open_cases"]
    assert (first["type"], first["state"], first["severity"]) == ("complaint", "accepted", "serious")
    assert second["accepted_at"] == "2026-03-02T09:00:00Z"
    dispatch = {k["clock"]: k for k in second["clocks"]}["dispatch"]
    assert dispatch["status"] == "warning" and dispatch["remaining_seconds"] == 300
    assert dispatch["due_at"] == "2026-03-02T10:00:00Z"
    assert {k["clock"]: k["status"] for k in first["clocks"]}["dispatch"] == "running"
    shown = [(e.action, e.target, (e.detail or {}).get("shown")) for e in await _audit(st) if e.action == "case.pop"]
    assert shown == [("case.pop", f"customer:{x.id}", [new.number, old.number])]


async def test_an_unknown_caller_pops_no_cases_and_a_complaints_call_starts_a_complaint(
        stack: tuple[Stack, FakeClock]) -> None:
    st, _ = stack
    u = await st.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await st.directory_repo.set_skill(u.id, "complaints", "senior")
    await st.acd.login(u, "1001")
    await st.acd.ready(u)
    pop = await _ring(st, "complaints", "13700137000")
    assert pop["customer"] is None and pop["open_cases"] == [] and pop["open_cases_total"] == 0
    assert pop["case_type"] == "complaint"
    assert not [e for e in await _audit(st) if e.action == "case.pop"]  # nothing shown, nothing audited


async def test_the_agent_opens_a_case_from_the_popped_call_in_wrap_up(stack: tuple[Stack, FakeClock]) -> None:
    """What the desktop's "New case" form sends (POST /api/cases with the call, the customer and the pop's type):
    allowed while ringing, on the call and in wrap-up; refused for a call the agent is not handling."""
    st, _ = stack
    x = await st.customers.create("Caller X", ["13800138000"])
    u = await st.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await st.directory_repo.set_skill(u.id, "complaints", "senior")
    await st.acd.login(u, "1001")
    await st.acd.ready(u)
    pop = await _ring(st, "complaints", "+8613800138000")
    await st.acd.reactions.on_agent_connect(AgentConnect.parse(agent_ev("complaints")))
    await st.acd.reactions.on_agent_complete(AgentComplete.parse(agent_ev("complaints")))
    assert st.acd.agents[u.id].state == "wrapup"
    token, _ = await st.auth.login("li", "test-password-1", "t")
    app = create_app(st.settings, stack=st, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}) as c:
        body = {"type": pop["case_type"], "call_uniqueid": pop["call_uniqueid"], "customer_id": pop["customer"]["id"],
                "description": "the engineer did not come", "demand": "a visit today", "severity": "ordinary"}
        r = await c.post("/api/cases", json=body)
        assert r.status_code == 201, r.text
        case = r.json()
        assert (case["type"], case["customer_id"], case["accepted_by"]) == ("complaint", x.id, "li")
        detail = (await c.get(f"/api/cases/{case['number']}")).json()
        assert [k["call_uniqueid"] for k in detail["calls"]] == ["c1"]
        r = await c.post("/api/cases", json=body | {"call_uniqueid": "not-mine"})
        assert r.status_code == 403 and r.json()["messages"]["zh-CN"]  # the refusal in both languages
    # the case opened is in the next pop of that caller
    await st.acd.ready(u)
    pop = await _ring(st, "support", "+8613800138000", uid="c2")
    assert [c["number"] for c in pop["open_cases"]] == [case["number"]]


def test_types_by_queue_is_checked() -> None:
    assert CasePolicySettings().types_by_queue == {"complaints": "complaint"}
    assert CasePolicySettings(types_by_queue={"faults": "fault"}).types_by_queue == {"faults": "fault"}
    with pytest.raises(ValidationError, match="types_by_queue: queue 'x' maps to 'bug'"):
        CasePolicySettings(types_by_queue={"x": "bug"})


async def test_the_pop_shows_the_newest_ten_and_still_pops_when_the_cases_cannot_be_read(
        stack: tuple[Stack, FakeClock], monkeypatch: pytest.MonkeyPatch) -> None:
    st, clock = stack
    x = await st.customers.create("Caller X", ["13800138000"])
    lead = await st.auth.create_user("boss", "test-password-1", ["supervisor"], "Boss")
    made = []
    for i in range(12):
        made.append((await st.cases.service.create(Actor.of(lead), NewCase(
            type="service_request", description=f"visit {i}", customer_id=x.id))).number)
        clock.advance(1)
    u = await st.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await st.directory_repo.set_skill(u.id, "support", "senior")
    await st.acd.login(u, "1001")
    await st.acd.ready(u)
    pop = await _ring(st, "support", "13800138000")
    assert [c["number"] for c in pop["open_cases"]] == made[::-1][:10] and pop["open_cases_total"] == 12
    await st.acd.reactions.on_agent_connect(AgentConnect.parse(agent_ev("support")))
    await st.acd.reactions.on_agent_complete(AgentComplete.parse(agent_ev("support")))
    await st.acd.ready(u)

    async def broken(username: str, customer_id: int | None) -> dict[str, Any]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(st.cases.pop, "open_cases", broken)
    pop = await _ring(st, "complaints", "13800138000", uid="c2")
    assert pop["customer"]["id"] == x.id and pop["case_type"] == "complaint"  # the rest of the pop is there
    assert "open_cases" not in pop  # the page shows none (ScreenPopOut: [])
