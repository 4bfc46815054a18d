"""Ask the lead (issue 16, "4."; callcenter/help/, docs/help.md) through the API on the fake clock and a fake AMI,
on both databases: the agent's help request during a call is on the board at once with the call, the caller and
the note, its wait running; a lead takes it (listen / whisper / barge from their seat: the exact Originate; or a
transfer to a senior: the caller's Redirect), first come; who took it, how and how long it waited stay with the
call; the call's end closes it; bad input is a 4xx naming what is wrong."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.asterisk.events import AgentCalled, AgentConnect
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from callcenter.realtime.notify import agent_topic
from tests.helpers import bearer
from tests.unit.wired import FakeAmi, close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
CALLER = {"Uniqueid": "h1", "Linkedid": "h1", "Channel": "PJSIP/trunk-00000001", "Context": "from-trunk",
          "CallerIDNum": "13800138000", "Exten": "4000"}


@dataclass
class Env:
    stack: Stack
    ami: FakeAmi
    clock: FakeClock
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]

    async def req(self, who: str, method: str, url: str, status: int, **kw: Any) -> Any:
        r = await self.client.request(method, url, headers=self.h[who], **kw)
        assert r.status_code == status, r.text
        body = r.json()
        if status >= 400:
            assert body["messages"]["en"] and body["messages"]["zh-CN"], body
        return body

    async def on_call(self) -> None:
        """Li at 1001 takes a support call from 13800138000."""
        dispatch = self.stack.ami.dispatcher.dispatch
        await dispatch(AmiEvent({**CALLER, "Event": "Newchannel"}))
        await dispatch(AmiEvent({**CALLER, "Event": "QueueCallerJoin", "Queue": "support", "Position": "1"}))
        ev = {**CALLER, "Interface": "PJSIP/1001", "Queue": "support", "DestChannel": "PJSIP/1001-00000002"}
        await self.stack.acd.reactions.on_agent_called(AgentCalled.parse(ev))
        await dispatch(AmiEvent({**ev, "Event": "AgentConnect", "HoldTime": "3"}))
        await self.stack.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
        assert self.stack.acd.by_ext["1001"].state == "on_call"
        self.ami.take()

    def alerts(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.stack.board.alerting.current(self.clock.now()).items()
                if v["kind"] == "help_request"}


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock)
    li = await stack.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await stack.directory_repo.set_skill(li.id, "support", "senior")
    await stack.acd.login(li, "1001")
    await stack.acd.ready(li)
    ami.take()
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    token, _ = await stack.auth.login("li", "test-password-1", "test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        h = {"li": {"Authorization": f"Bearer {token}"},
             "lead": await bearer(stack, ("supervisor",), "lead"),
             "lead2": await bearer(stack, ("supervisor",), "lead2"),
             "qc": await bearer(stack, ("qc",), "qc1")}
        try:
            yield Env(stack, ami, clock, client, h)
        finally:
            await stack.help.flush()
            await close_wired(stack)
            await stack.engine.dispose()


async def test_an_agent_asks_during_a_call_and_it_is_on_the_board_at_once(env: Env) -> None:
    body = await env.req("li", "POST", "/api/help", 409, json={"note": "angry caller"})
    assert body["code"] == "help.not_on_call" and "ready" in body["messages"]["en"]
    await env.on_call()
    req = await env.req("li", "POST", "/api/help", 201, json={"note": "  wants a refund above my limit  "})
    assert (req["call_uniqueid"], req["agent_username"], req["agent_extension"], req["queue"], req["caller_number"],
            req["note"], req["state"]) == ("h1", "li", "1001", "support", "13800138000",
                                           "wants a refund above my limit", "open")
    [(aid, alert)] = env.alerts().items()
    assert aid == f"help:{req['id']}" and alert["username"] == "li" and alert["queue"] == "support"
    assert alert["detail"]["note"] == "wants a refund above my limit"
    assert alert["detail"]["caller_number"] == "13800138000" and alert["detail"]["call_uniqueid"] == "h1"
    again = await env.req("li", "POST", "/api/help", 409, json={"note": "again"})
    assert again["code"] == "help.already_asked"
    env.clock.advance(42)
    [listed] = (await env.req("lead", "GET", "/api/help", 200))["items"]
    assert listed["id"] == req["id"] and listed["waited_seconds"] == 42.0  # the wait runs
    [mine] = (await env.req("li", "GET", "/api/help", 200))["items"]
    assert mine["id"] == req["id"]
    await env.req("li", "POST", f"/api/help/{req['id']}/take", 403, json={"how": "listen", "seat": "1002"})
    too_long = await env.req("li", "POST", "/api/help", 400, json={"note": "x" * 501})
    assert too_long["code"] == "request.invalid"


async def test_a_lead_takes_it_listening_from_their_seat_first_come(env: Env) -> None:
    await env.on_call()
    req = await env.req("li", "POST", "/api/help", 201, json={"note": "difficult caller"})
    url = f"/api/help/{req['id']}/take"
    body = await env.req("lead", "POST", url, 400, json={"how": "barge"})
    assert body["code"] == "help.seat_needed" and "强插" in body["messages"]["zh-CN"]
    body = await env.req("lead", "POST", url, 400, json={"how": "transfer"})
    assert body["code"] == "help.transfer_target_needed"
    await env.req("lead", "POST", url, 400, json={"how": "shout", "seat": "1002"})
    # the ACD refuses (the lead's seat is not a seat): the claim is given back, the request stays open
    await env.req("lead", "POST", url, 400, json={"how": "listen", "seat": "9999"})
    assert [r["state"] for r in (await env.req("lead", "GET", "/api/help", 200))["items"]] == ["open"]
    env.clock.advance(20)
    got: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        got.append(json.loads(text))

    async def close(_: int, __: str) -> None:
        pass

    env.stack.hub.register(send, close, {agent_topic("li")}, label="li's desktop")
    taken = await env.req("lead", "POST", url, 200, json={"how": "whisper", "seat": "1002"})
    for _ in range(5):
        await asyncio.sleep(0)
    assert [(m["action"], m["by"], m["text"]) for m in got if m["type"] == "notice"] == [
        ("help.take", "lead", "whisper")]  # the agent's desktop is told at once
    assert (taken["state"], taken["taken_by"], taken["taken_how"], taken["waited_seconds"]) == (
        "taken", "lead", "whisper", 20.0)
    [(name, fields)] = env.ami.take()
    assert name == "originate" and fields["args"][:3] == ("PJSIP/1002", "cc-spy", "whisper")
    assert fields["variables"] == {"CC_SPY": "PJSIP/1001-00000002"}
    assert env.alerts() == {}  # taken: off the boards
    second = await env.req("lead2", "POST", url, 409, json={"how": "listen", "seat": "1002"})
    assert second["code"] == "help.not_open" and "lead" in second["messages"]["en"]
    withdraw = await env.req("li", "POST", f"/api/help/{req['id']}/withdraw", 409)
    assert withdraw["code"] == "help.not_open"
    # stored with the call: who raised it, who took it, how, how long it waited; the call's end closes it
    await env.stack.ami.dispatcher.dispatch(AmiEvent({**CALLER, "Event": "Hangup", "Cause": "16"}))
    await env.stack.help.flush()
    [row] = (await env.req("qc", "GET", "/api/help", 200, params={"call": "h1"}))["items"]
    assert (row["state"], row["close_reason"], row["taken_by"], row["taken_how"], row["waited_seconds"]) == (
        "closed", "call_ended", "lead", "whisper", 20.0)
    async with env.stack.sessions() as s:
        audit = [(r.username, r.action, r.target) for r in (await s.execute(
            select(AuditEntry).where(AuditEntry.action.like("help.%")).order_by(AuditEntry.id))).scalars()]
    assert audit == [("li", "help.ask", "call:h1"), ("lead", "help.take", "call:h1")]


async def test_a_lead_transfers_the_call_to_a_senior_and_an_agent_may_withdraw(env: Env) -> None:
    await env.on_call()
    req = await env.req("li", "POST", "/api/help", 201, json={"note": "needs a senior"})
    env.stack.tracker.active["h1"].channel = "PJSIP/trunk-00000001"
    taken = await env.req("lead", "POST", f"/api/help/{req['id']}/take", 200,
                          json={"how": "transfer", "target_type": "extension", "target": "1002"})
    assert (taken["taken_how"], taken["transfer_to"]) == ("transfer", "1002")
    assert env.ami.take() == [("redirect", {"args": ("PJSIP/trunk-00000001", "cc-transfer", "1002")})]
    # the transfer done, the agent's leg and then the call end: the request closes; the agent's next call
    await env.stack.ami.dispatcher.dispatch(AmiEvent({"Event": "Hangup", "Uniqueid": "h1-agent", "Linkedid": "h1",
                                                      "Channel": "PJSIP/1001-00000002", "Cause": "16"}))
    await env.stack.ami.dispatcher.dispatch(AmiEvent({**CALLER, "Event": "Hangup", "Cause": "16"}))
    await env.stack.help.flush()

    caller = {**CALLER, "Uniqueid": "h2", "Linkedid": "h2"}
    dispatch = env.stack.ami.dispatcher.dispatch
    a = env.stack.acd.by_ext["1001"]
    if a.wrapup_task is not None:
        a.wrapup_task.cancel()
        a.wrapup_task = None
    await env.stack.acd.ready(await env.stack.auth.repo.user_named("li"))  # type: ignore[arg-type]
    await dispatch(AmiEvent({**caller, "Event": "Newchannel"}))
    ev = {**caller, "Interface": "PJSIP/1001", "Queue": "support", "DestChannel": "PJSIP/1001-00000005"}
    await env.stack.acd.reactions.on_agent_called(AgentCalled.parse(ev))
    await env.stack.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
    req2 = await env.req("li", "POST", "/api/help", 201, json={})
    assert req2["call_uniqueid"] == "h2" and req2["note"] == ""
    other = await env.req("lead", "POST", f"/api/help/{req2['id']}/withdraw", 403)
    assert other["code"]
    done = await env.req("li", "POST", f"/api/help/{req2['id']}/withdraw", 200)
    assert (done["state"], done["close_reason"]) == ("cancelled", "cancelled")
    assert env.alerts() == {}
    assert (await env.req("li", "GET", "/api/help", 200, params={"call": "h1"}))["items"][0]["taken_by"] == "lead"
    missing = await env.req("lead", "POST", "/api/help/999999/take", 404, json={"how": "listen", "seat": "1002"})
    assert missing["code"] == "help.not_found"


async def test_open_requests_are_on_the_boards_again_after_a_restart(env: Env, db_url: str, workdir: Path) -> None:
    await env.on_call()
    req = await env.req("li", "POST", "/api/help", 201, json={"note": "still waiting"})
    stack, _ = await wired_stack(db_url, workdir, env.clock)
    try:
        await stack.help.restore()
        alerts = {k: v for k, v in stack.board.alerting.current(env.clock.now()).items()
                  if v["kind"] == "help_request"}
        assert list(alerts) == [f"help:{req['id']}"]
    finally:
        await close_wired(stack)
        await stack.engine.dispose()
