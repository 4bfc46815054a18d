"""Campaigns (issue 15, "4. Campaigns"; callcenter/campaigns/) through the API and the pacer on the fake clock and a
fake AMI, on both databases: the list import (every row checked first), calling hours, the do-not-call list winning
over an earlier import, the progressive pacer never placing more calls than ready agents and retrying each number by
the rule of its outcome, a restart that never dials twice inside the spacing, preview; the list from a customer
filter and from the open call-back tasks, whose dial is an attempt of the task by the call-back desk's rules."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.campaigns.service import CustomerFilter
from callcenter.clock import FakeClock
from callcenter.errors import DomainError
from tests.helpers import session_headers, stack_settings
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
USERS = {"boss": ("admin",), "lead": ("supervisor",), "a1": ("agent",), "a2": ("agent",), "a3": ("agent",),
         "qc1": ("qc",)}
SEATS = {"a1": "1001", "a2": "1002"}
TEN = "number,name\n" + "".join(f"1380000{i:04d},Customer {i}\n" for i in range(10))


@dataclass
class Env:
    stack: Stack
    client: httpx.AsyncClient
    clock: FakeClock
    ami: FakeAmi
    h: dict[str, dict[str, str]]

    async def req(self, who: str, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=self.h[who], **kw)

    async def ok(self, who: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    async def refused(self, who: str, method: str, url: str, status: int, code: str, **kw: Any) -> Any:
        r = await self.req(who, method, url, **kw)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["code"] == code and body["messages"]["en"] and body["messages"]["zh-CN"], body
        return body

    async def campaign(self, mode: str = "progressive", csv: str = TEN, **spec: Any) -> dict[str, Any]:
        c = await self.ok("lead", "POST", "/api/campaigns", 201,
                          json={"name": f"c{secrets.token_hex(3)}", "mode": mode, "agents": ["a1", "a2"], **spec})
        await self.ok("lead", "POST", f"/api/campaigns/{c['id']}/numbers", json={"csv": csv})
        return c  # type: ignore[no-any-return]

    def dialled(self) -> list[tuple[str, str, str]]:
        """(seat, number, call uniqueid) of the originates sent since the last look."""
        return [(f["args"][0], f["args"][2], f["channel_id"]) for n, f in self.ami.take() if n == "originate"]

    async def ends(self, uid: str, status: str | None) -> None:
        leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": f"PJSIP/10xx-{uid[-4:]}"}
        dispatch = self.stack.ami.dispatcher.dispatch
        if status is not None:
            await dispatch(AmiEvent({**leg, "Event": "DialBegin"}))
            await dispatch(AmiEvent({**leg, "Event": "DialEnd", "DialStatus": status}))
        await dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
        await self.stack.campaigns.campaigns.flush()

    async def ready_again(self) -> None:
        for name in SEATS:
            a = self.stack.acd.handling(name)
            assert a is not None
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
                a.wrapup_task = None
            if a.state != "ready":
                await self.stack.acd.states.set(a, "ready", source="test")

    async def numbers(self, cid: int) -> dict[str, dict[str, Any]]:
        items = (await self.ok("lead", "GET", f"/api/campaigns/{cid}/numbers", params={"limit": 1000}))["items"]
        return {n["number"]: n for n in items}


async def _user(stack: Stack, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    return await session_headers(stack, name, roles, T0, 30)


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    ami = FakeAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"enabled": False}), clock=clock,
                  run_migrations=False, ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {name: await _user(stack, name, roles) for name, roles in USERS.items()}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        e = Env(stack, client, clock, ami, headers)
        for name, seat in SEATS.items():
            u = await stack.auth.repo.user_named(name)
            assert u is not None
            await stack.acd.login(u, seat)
            await stack.acd.ready(u)
        ami.take()
        yield e
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.campaigns.campaigns.flush()
        await stack.pop.close()
    await stack.engine.dispose()


async def test_a_campaign_is_checked_and_its_list_imported_all_or_nothing(env: Env) -> None:
    base = {"name": "Renewals", "mode": "progressive", "agents": ["a1"]}
    await env.refused("lead", "POST", "/api/campaigns", 400, "campaigns.bad_hours",
                      json={**base, "hours_from": "20:00", "hours_to": "09:00"})
    await env.refused("lead", "POST", "/api/campaigns", 400, "campaigns.unknown_agent",
                      json={**base, "agents": ["qc1"]})
    r = await env.req("a1", "POST", "/api/campaigns", json=base)
    assert r.status_code == 403
    c = await env.ok("lead", "POST", "/api/campaigns", 201, json=base)
    assert (c["state"], c["retry"], c["max_attempts"]) == ("draft", {"busy": 10, "no_answer": 60, "failed": 30}, 3)
    await env.refused("lead", "POST", "/api/campaigns", 409, "campaigns.name_taken", json=base)
    url = f"/api/campaigns/{c['id']}/numbers"
    body = await env.refused("lead", "POST", url, 400, "campaigns.bad_row",
                             json={"csv": "number,name\n13800000001,A\n138-0000-0002,B\ncall me,C\n"})
    assert "row 4" in body["messages"]["en"] and "第 4 行" in body["messages"]["zh-CN"]
    await env.refused("lead", "POST", url, 400, "campaigns.bad_row",
                      json={"csv": "number\n13800000001\n13800000001\n"})
    await env.refused("lead", "POST", url, 400, "campaigns.no_header", json={"csv": "13800000001,A\n"})
    assert (await env.ok("lead", "GET", f"/api/campaigns/{c['id']}"))["numbers"] == 0  # nothing stored
    assert await env.ok("lead", "POST", url, json={"csv": "\ufeffnumber,name\n138-0000-0001,A\n13800000002,B\n"}) == {
        "added": 2, "already_there": 0}
    assert await env.ok("lead", "POST", url, json={"csv": "number\n13800000002\n13800000003\n"}) == {
        "added": 1, "already_there": 1}


async def test_the_pacer_never_places_more_calls_than_ready_agents_and_retries_by_outcome(env: Env) -> None:
    c = await env.campaign(retry={"busy": 10, "no_answer": 60, "failed": 30}, max_attempts=2)
    pacer = env.stack.campaigns.campaigns
    assert await pacer.tick() == 0  # a draft dials nothing
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    assert await pacer.tick() == 2
    first = env.dialled()
    assert sorted(seat for seat, _, _ in first) == ["PJSIP/1001", "PJSIP/1002"]
    assert [n for _, n, _ in first] == ["13800000000", "13800000001"]  # the list's order
    assert await pacer.tick() == 0 and env.dialled() == []  # both agents ringing: nothing more in flight
    (_, n0, u0), (_, n1, u1) = first
    await env.ends(u0, "ANSWER")
    await env.ends(u1, "BUSY")
    nums = await env.numbers(c["id"])
    assert (nums[n0]["state"], nums[n0]["last_outcome"]) == ("done", "answered")
    assert (nums[n1]["state"], nums[n1]["attempts"], nums[n1]["next_at"]) == ("pending", 1, "2026-12-01T02:10:00Z")
    await env.ready_again()
    assert await pacer.tick() == 2
    assert [n for _, n, _ in env.dialled()] == ["13800000002", "13800000003"]  # the busy one waits its 10 minutes
    figures = await env.ok("qc1", "GET", f"/api/campaigns/{c['id']}")
    assert (figures["dialled"], figures["connected"], figures["remaining"], figures["by_outcome"]) == (
        4, 1, 9, {"answered": 1, "busy": 1})
    env.clock.advance(10 * 60)
    await env.stack.acd.states.set(env.stack.acd.handling("a1"), "ready", source="test")  # type: ignore[arg-type]
    got = await pacer.tick()  # one agent ready: the busy number, due again, comes before the untried ones
    again = env.dialled()
    assert got == 1 and [n for _, n, _ in again] == [n1]
    await env.ends(again[0][2], "NOANSWER")
    nums = await env.numbers(c["id"])
    assert (nums[n1]["state"], nums[n1]["attempts"], nums[n1]["last_outcome"]) == ("exhausted", 2, "no_answer")


async def test_calling_hours_the_dnc_list_and_an_agent_who_never_took_the_phone(env: Env) -> None:
    c = await env.campaign(csv="number\n13800000001\n13800000002\n", hours_from="09:00", hours_to="18:00",
                           days=[1, 2, 3, 4, 5])
    pacer = env.stack.campaigns.campaigns
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    await env.ok("lead", "POST", "/api/dnc", 201, json={"number": "138 0000 0001", "reason": "asked not to"})
    env.clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # 18:00 in Shanghai: out of hours
    assert await pacer.tick() == 0 and env.dialled() == []
    env.clock.set(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # Saturday 10:00: not one of its days
    assert await pacer.tick() == 0
    env.clock.set(datetime(2026, 12, 7, 1, 0, tzinfo=UTC))  # Monday 09:00
    assert await pacer.tick() == 1  # the number on the list is never dialled, though imported before
    [(_, number, uid)] = env.dialled()
    assert number == "13800000002"
    nums = await env.numbers(c["id"])
    assert nums["13800000001"]["state"] == "dnc"
    await env.ends(uid, None)  # the agent's own phone was not taken: no attempt at the customer
    nums = await env.numbers(c["id"])
    assert (nums[number]["state"], nums[number]["attempts"], nums[number]["last_outcome"]) == (
        "pending", 0, "agent_missed")
    await env.ready_again()
    assert await pacer.tick() == 0  # offered again a minute later
    env.clock.advance(60)
    assert await pacer.tick() == 1


async def test_a_restart_never_dials_a_number_twice_inside_its_spacing(env: Env, db_url: str, workdir: Path) -> None:
    c = await env.campaign(csv="number\n13800000001\n")
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    assert await env.stack.campaigns.campaigns.tick() == 1
    env.dialled()
    # the service dies before the call's end is known (kill -9): another instance over the same database
    other = Stack(stack_settings(db_url, workdir / "data2", recording={"enabled": False}),
                  clock=FakeClock(env.clock.now() + timedelta(minutes=5)), run_migrations=False)
    try:
        again = other.campaigns.campaigns
        again.call_end = _never_ended  # its call record was never finished: the tracker's resync will
        assert await again.recover() == 0  # still on a call as far as anyone knows: left to the call's end
        [n] = (await again.repo.numbers(c["id"], None, 10, 0))[0]
        await again.repo.set_number(n.id, {"call_uniqueid": None})  # a claim whose call was never placed
        assert await again.recover() == 1
        [n] = (await again.repo.numbers(c["id"], None, 10, 0))[0]
        assert (n.state, n.attempts) == ("pending", 1)
        assert n.next_at == T0 + timedelta(minutes=30)  # the guard set when it was claimed: not before
        assert await again.repo.due(c["id"], other.clock.now(), 10) == []
    finally:
        await other.engine.dispose()


async def _never_ended(_: str) -> tuple[str | None, str | None] | None:
    return None


async def test_preview_agents_take_a_number_each_and_dial_it(env: Env) -> None:
    c = await env.campaign(mode="preview", csv="number,name\n13800000001,A\n13800000002,B\n")
    url = f"/api/campaigns/{c['id']}"
    await env.refused("a1", "POST", f"{url}/next", 409, "campaigns.bad_state")  # a draft
    await env.ok("lead", "POST", f"{url}/start")
    assert await env.stack.campaigns.campaigns.tick() == 0  # preview: the pacer dials nothing
    await env.refused("a3", "POST", f"{url}/next", 403, "campaigns.not_campaign_agent")
    n1 = await env.ok("a1", "POST", f"{url}/next")
    n2 = await env.ok("a2", "POST", f"{url}/next")
    assert (n1["number"], n1["state"], n1["agent"]) == ("13800000001", "reserved", "a1")
    assert n2["number"] == "13800000002"
    await env.refused("a2", "POST", f"{url}/numbers/{n1['id']}/dial", 409, "campaigns.not_your_number")
    d = await env.ok("a1", "POST", f"{url}/numbers/{n1['id']}/dial")
    [(seat, number, uid)] = env.dialled()
    assert (seat, number, uid) == ("PJSIP/1001", "13800000001", d["call_uniqueid"])
    await env.refused("a1", "POST", f"{url}/next", 409, "campaigns.nothing_to_call")
    await env.ok("lead", "POST", f"{url}/pause")
    await env.refused("a2", "POST", f"{url}/numbers/{n2['id']}/dial", 409, "campaigns.bad_state")
    await env.refused("lead", "POST", f"{url}/pause", 409, "campaigns.bad_state")
    await env.ok("lead", "POST", f"{url}/stop")
    await env.refused("lead", "POST", f"{url}/resume", 409, "campaigns.bad_state")


# the list from a customer filter and from the open call-back tasks -------------------------------------------------
async def _audit(stack: Stack, action: str) -> list[Any]:
    from sqlalchemy import select

    from callcenter.auth.models import AuditEntry
    async with stack.sessions() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id))).scalars())


async def _task(env: Env, number: str | None, *, queue: str = "sales", case_type: str = "complaint",
                customer_id: int | None = None, state: str = "open") -> int:
    """An open call-back task as the desk makes it for a resolved case (due 72 hours later)."""
    t = await env.stack.callbacks.desk.repo.add({
        "case_id": None, "case_number": f"TS{secrets.token_hex(3)}", "case_type": case_type, "department_id": None,
        "queue": queue, "customer_id": customer_id, "number": number, "rated_agent": "a3", "rated_call": None,
        "state": state, "version": 1, "created_at": env.clock.now(),
        "due_at": env.clock.now() + timedelta(hours=72), "attempts": 0, "failed_attempts": 0, "note": ""})
    return t.id


async def test_customers_a_tag_finds_become_numbers_with_their_customer(env: Env) -> None:
    made = {}
    for name, numbers, tags in (("Ann", ["139 0000 0001", "13900000011"], ["renewal"]),
                                ("Bo", ["13900000002"], ["renewal", "gold"]), ("Cy", [], ["renewal"]),
                                ("Di", ["13900000004"], ["other"])):
        made[name] = (await env.ok("lead", "POST", "/api/customers", 201,
                                   json={"name": name, "numbers": numbers, "tags": tags}))["id"]
    c = await env.campaign(mode="preview", csv="number\n13900000002\n")  # Bo's number imported before
    url = f"/api/campaigns/{c['id']}/numbers/from-customers"
    await env.refused("a1", "POST", url, 403, "auth.needs_role", json={"tags": ["renewal"]})  # not a lead
    await env.refused("qc1", "POST", url, 403, "auth.needs_role", json={"tags": ["renewal"]})  # reads, not leads
    assert await env.ok("lead", "POST", url, json={"tags": ["renewal"]}) == {
        "added": 1, "already_there": 1, "skipped": 1, "matched": 3}  # Cy has no number: skipped
    nums = await env.numbers(c["id"])
    assert set(nums) == {"13900000001", "13900000002"}  # each one's first number; Di has another tag
    assert (nums["13900000001"]["customer_id"], nums["13900000001"]["name"]) == (made["Ann"], "Ann")
    assert await env.ok("lead", "POST", url, json={"tags": ["renewal", "other"], "numbers": "all"}) == {
        "added": 2, "already_there": 2, "skipped": 1, "matched": 4}  # Ann's second number and Di's
    [entry, _] = [e for e in await _audit(env.stack, "campaign.import") if e.detail.get("source") == "customers"]
    assert entry.username == "lead" and entry.detail["customer_ids"] == sorted(made.values())[:3]
    assert any(e.username == "lead" and made["Ann"] in e.detail["ids"]
               for e in await _audit(env.stack, "customer.search"))  # each customer read is the customers' audit
    env.stack.campaigns.campaigns.settings = env.stack.campaigns.campaigns.settings.model_copy(
        update={"max_numbers_per_add": 2})
    body = await env.refused("lead", "POST", url, 400, "campaigns.too_many", json={"tags": ["renewal"]})
    assert "3 customers" in body["messages"]["en"] and "客户有 3 个" in body["messages"]["zh-CN"]
    await env.refused("lead", "POST", url, 400, "request.invalid", json={"tags": ["  "]})  # no blank tag: all
    a3 = await env.stack.auth.repo.user_named("a3")  # the service itself: only who may read every customer
    assert a3 is not None
    with pytest.raises(DomainError) as refused:
        await env.stack.campaigns.campaigns.from_customers(a3, c["id"], CustomerFilter(), ["other"])
    assert refused.value.code == "campaigns.customers_unreadable"
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/stop")
    await env.refused("lead", "POST", url, 409, "campaigns.bad_state", json={"tags": ["other"]})


async def test_open_call_back_tasks_become_numbers_carrying_their_task(env: Env) -> None:
    t1 = await _task(env, "13700000001", customer_id=7)
    t2 = await _task(env, None)  # the customer has no number
    await _task(env, "13700000003", queue="support")
    await _task(env, "13700000004", state="reached")  # closed: not a call-back to make
    t5 = await _task(env, "13700000005", case_type="fault")
    c = await env.campaign(csv="number\n13800000001\n")
    url = f"/api/campaigns/{c['id']}/numbers/from-callbacks"
    await env.refused("a1", "POST", url, 403, "auth.needs_role", json={})
    await env.refused("qc1", "POST", url, 403, "auth.needs_role", json={})
    assert await env.ok("lead", "POST", url, json={"queue": "sales"}) == {
        "added": 2, "already_there": 0, "skipped": 1, "matched": 3}
    nums = await env.numbers(c["id"])
    assert (nums["13700000001"]["callback_id"], nums["13700000001"]["customer_id"]) == (t1, 7)
    assert nums["13700000005"]["callback_id"] == t5 and nums["13800000001"]["callback_id"] is None
    assert t2 not in {n["callback_id"] for n in nums.values()} and "13700000003" not in nums
    assert await env.ok("lead", "POST", url, json={"case_type": "complaint"}) == {
        "added": 1, "already_there": 1, "skipped": 1, "matched": 3}  # the support queue's task too
    env.stack.campaigns.campaigns.settings = env.stack.campaigns.campaigns.settings.model_copy(
        update={"max_numbers_per_add": 3})
    await env.refused("lead", "POST", url, 400, "campaigns.too_many", json={})  # four open tasks


async def test_a_campaign_dial_of_a_call_back_number_is_an_attempt_of_its_task(env: Env) -> None:
    t1 = await _task(env, "13700000001")
    t2 = await _task(env, "13700000002")
    c = await env.campaign(csv="number\n", retry={"busy": 10, "no_answer": 10, "failed": 30}, max_attempts=3)
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/numbers/from-callbacks", json={})
    task2 = await env.stack.callbacks.desk.repo.get(t2)
    assert task2 is not None  # reached by the call-back desk meanwhile: the campaign never dials it
    await env.stack.callbacks.desk.repo.change(t2, task2.version, {"state": "reached", "closed_at": env.clock.now()})
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    pacer = env.stack.campaigns.campaigns
    assert await pacer.tick() == 1
    [(_, number, uid)] = env.dialled()
    assert number == "13700000001"
    nums = await env.numbers(c["id"])
    assert (nums["13700000002"]["state"], nums["13700000002"]["last_outcome"], nums["13700000002"]["attempts"]) == (
        "done", "callback_closed", 0)
    task = await env.ok("lead", "GET", f"/api/callbacks/{t1}")
    assert [a["call_uniqueid"] for a in task["attempts"]] == [uid]  # the task's attempt is the campaign's call
    await env.ends(uid, "NOANSWER")
    await env.stack.callbacks.desk.flush()
    task = await env.ok("lead", "GET", f"/api/callbacks/{t1}")
    assert (task["task"]["failed_attempts"], task["attempts"][0]["outcome"]) == (1, "no_answer")
    assert task["next_attempt_at"] == "2026-12-01T02:30:00Z"  # the desk's 30 minutes' spacing
    env.clock.advance(10 * 60)  # the campaign's own no-answer retry is due, the task's spacing is not
    await env.ready_again()
    assert await pacer.tick() == 0 and env.dialled() == []
    nums = await env.numbers(c["id"])
    assert (nums["13700000001"]["state"], nums["13700000001"]["next_at"], nums["13700000001"]["attempts"]) == (
        "pending", "2026-12-01T02:30:00Z", 1)  # waits for the task's next attempt; no campaign attempt counted
    env.clock.advance(20 * 60)
    assert await pacer.tick() == 1
    [(_, number, uid2)] = env.dialled()
    task = await env.ok("lead", "GET", f"/api/callbacks/{t1}")
    assert number == "13700000001" and [a["call_uniqueid"] for a in task["attempts"]] == [uid, uid2]


async def test_a_preview_agent_is_never_given_a_closed_tasks_number(env: Env) -> None:
    t1 = await _task(env, "13700000001")
    await _task(env, "13700000002")
    c = await env.campaign(mode="preview", csv="number\n")
    url = f"/api/campaigns/{c['id']}"
    await env.ok("lead", "POST", f"{url}/numbers/from-callbacks", json={})
    await env.ok("lead", "POST", f"{url}/start")
    t = await env.stack.callbacks.desk.repo.get(t1)
    assert t is not None
    await env.stack.callbacks.desk.repo.change(t1, t.version, {"state": "unreachable", "closed_at": env.clock.now()})
    n = await env.ok("a1", "POST", f"{url}/next")
    assert n["number"] == "13700000002"  # the closed task's number is settled, not offered
    assert (await env.numbers(c["id"]))["13700000001"]["state"] == "done"
    # the desk's agent calls the same task meanwhile: the campaign's dial waits for that attempt's outcome
    await env.ok("a2", "POST", f"/api/callbacks/{n['callback_id']}/call", json={})
    env.dialled()
    body = await env.refused("a1", "POST", f"{url}/numbers/{n['id']}/dial", 409, "campaigns.callback_waits")
    assert "no outcome yet" in body["messages"]["en"] and env.dialled() == []
    assert (await env.numbers(c["id"]))["13700000002"]["state"] == "pending"
