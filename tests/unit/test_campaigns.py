"""Campaigns (issue 15, "4. Campaigns"; callcenter/campaigns/) through the API and the pacer on the fake clock and
a fake AMI, on both databases: the list import (every row checked first), calling hours, the do-not-call list
winning over an earlier import, the progressive pacer never placing more calls than ready agents and retrying
each number by the rule of its outcome, a restart that never dials twice inside the spacing, preview."""

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
from callcenter.auth.service import token_hash
from callcenter.clock import FakeClock
from tests.helpers import stack_settings
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
    u = await stack.auth.repo.add_user(username=name, display_name=name, password_hash="-", roles=list(roles),
                                       active=True, created_at=T0)
    token = f"token-{name}-{secrets.token_hex(8)}"
    await stack.auth.repo.add_session(token_hash(token), u.id, T0, T0 + timedelta(days=30))
    return {"Authorization": f"Bearer {token}"}


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
