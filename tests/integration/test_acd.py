"""The ACD on a real Asterisk with SIPp phones and callers: queue membership driven by the bridge, levels as
penalties, VIP priority, pauses, auto-pause after an unanswered ring, the screen pop over the websocket, and
membership re-applied from the DB after `core restart now`."""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import pytest
import websockets
from sqlalchemy import select

from callcenter.acd.models import AgentStateLog
from callcenter.app import Stack
from tests.helpers import (
    SIPP_DIR,
    Served,
    Sipp,
    agent_user,
    free_media_port,
    free_udp_port,
    route_all_calls_to,
    set_queue,
    wait_for,
)

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _phone(stack: Stack, sipp: Sipp, extension: str, calls: int = 1, scenario: str = "agent_answer.xml") -> Any:
    seat = next(a for a in stack.settings.agents if a.extension == extension)
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    return sipp.answer(seat.extension, port, calls=calls, scenario=scenario)


async def _members(stack: Stack, queue: str) -> dict[str, dict[str, str]]:
    """Asterisk's own view: interface → QueueMember entry."""
    return {e["Location"]: e for e in await stack.ami.queue_status() if e.name == "QueueMember" and e["Queue"] == queue}


async def _log(stack: Stack, username: str) -> list[tuple[str, str]]:
    await stack.acd.flush()  # state changes are written behind
    async with stack.sessions() as s:
        rows = (await s.execute(select(AgentStateLog).where(AgentStateLog.username == username)
                                .order_by(AgentStateLog.id))).scalars()
        return [(r.state, r.reason) for r in rows]


async def _answered(stack: Stack, n: int = 1, timeout: float = 30) -> list[Any]:
    async def done() -> bool:
        rows, _ = await stack.calls_repo.search(outcome="answered")
        return len(rows) >= n and all(r.ended_at for r in rows)

    try:
        await wait_for(done, timeout, f"{n} answered call(s) to end")
    except AssertionError as e:
        rows, _ = await stack.calls_repo.search()
        seen = [(r.caller_number, r.queue, r.agent_extension, r.outcome, r.end_reason) for r in rows]
        agents = [(a.username, a.state, a.reason) for a in stack.acd.agents.values()]
        raise AssertionError(f"{e}; calls: {seen}; agents: {agents}; events: {stack.ami.status.event_counts}") \
            from None
    rows, _ = await stack.calls_repo.search(outcome="answered")
    return sorted(rows, key=lambda r: r.answered_at)


async def test_login_adds_member_paused_and_ready_unpauses(stack: Stack) -> None:
    user = await agent_user(stack, "li", {"support": "senior", "complaints": "senior"}, "1001")
    members = await _members(stack, "support")
    assert members["PJSIP/1001"]["Paused"] == "1" and members["PJSIP/1001"]["Membership"] == "dynamic"
    assert members["PJSIP/1001"]["Name"] == "Li"
    await stack.acd.ready(user)
    assert (await _members(stack, "complaints"))["PJSIP/1001"]["Paused"] == "0"
    await stack.acd.pause(user, "meal")
    m = (await _members(stack, "support"))["PJSIP/1001"]
    assert m["Paused"] == "1" and m["PausedReason"] == "meal"
    # the reason is in Asterisk's queue_log too, for queue-reporting tools
    assert stack.layout is not None
    await wait_for(lambda: "|PJSIP/1001|PAUSEREASON|meal" in stack.layout.queue_log.read_text(), 5, "queue_log")
    await stack.acd.logout(user)
    assert "PJSIP/1001" not in await _members(stack, "support")
    assert await _log(stack, "li") == [("paused", "not_ready"), ("ready", ""), ("paused", "meal"),
                                       ("logged_out", "")]


async def test_complaint_goes_to_the_senior(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "complaints")  # routed seniors_first (seeded from settings)
    await agent_user(stack, "junior", {"complaints": "junior"}, "1001", ready=True)
    await agent_user(stack, "senior", {"complaints": "senior"}, "1002", ready=True)
    assert {k: v["Penalty"] for k, v in (await _members(stack, "complaints")).items()} == {
        "PJSIP/1001": "2", "PJSIP/1002": "0"}
    _phone(stack, sipp, "1001")
    _phone(stack, sipp, "1002")
    sipp.call_pressing([], hold=3.0)
    [call] = await _answered(stack)
    assert call.agent_extension == "1002" and call.queue == "complaints"
    assert ("ringing", "") not in await _log(stack, "junior")


async def test_vip_caller_overtakes_a_waiting_normal_caller(stack: Stack, sipp: Sipp) -> None:
    await stack.customers.create("Wang VIP", ["13900139000"], vip=True)
    await set_queue(stack, "support", wrapup_seconds=0)  # the second call follows the first at once
    user = await agent_user(stack, "wu", {"support": "intermediate"}, "1001")  # logged in, not ready yet
    _phone(stack, sipp, "1001", calls=2)
    normal = sipp.call_pressing([], hold=20.0, caller="13800138000")

    async def waiting() -> int:
        return len([e for e in await stack.ami.queue_status() if e.name == "QueueEntry"])

    await wait_for(lambda: _eq(waiting, 1), 15, "the normal caller to wait")
    vip = sipp.call_pressing([], hold=5.0, caller="13900139000")
    await wait_for(lambda: _eq(waiting, 2), 15, "the VIP caller to wait too")
    entries = {e["CallerIDNum"]: e for e in await stack.ami.queue_status() if e.name == "QueueEntry"}
    assert entries["13900139000"]["Position"] == "1" and entries["13800138000"]["Position"] == "2"
    await stack.acd.ready(user)
    first, second = await _answered(stack, 2, timeout=60)
    assert first.caller_number == "13900139000" and second.caller_number == "13800138000"
    assert await asyncio.to_thread(vip.wait, 20) == 0 and await asyncio.to_thread(normal.wait, 20) == 0
    [vip_step] = [s for s in first.ivr_path or [] if s["node"] == "support"]
    assert vip_step["priority"] == stack.settings.acd.vip_priority


async def _eq(f: Any, n: int) -> bool:
    return bool(await f() == n)


async def test_paused_agent_is_never_rung(stack: Stack, sipp: Sipp) -> None:
    await set_queue(stack, "support", wrapup_seconds=0)
    await agent_user(stack, "busy", {"support": "senior"}, "1001")
    paused = await stack.auth.login("busy", "test-password-1", "t")
    await stack.acd.pause(paused[1], "meeting")
    await agent_user(stack, "free", {"support": "junior"}, "1002", ready=True)
    _phone(stack, sipp, "1001")
    _phone(stack, sipp, "1002", calls=2)
    for n in (1, 2):
        sipp.call_pressing([], hold=3.0)
        calls = await _answered(stack, n, timeout=30)
    assert [c.agent_extension for c in calls] == ["1002", "1002"]
    assert stack.ami.status.event_counts["AgentCalled"] == 2
    assert ("ringing", "") not in await _log(stack, "busy")


async def test_unanswered_agent_is_auto_paused_and_the_call_goes_to_the_next(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "complaints")
    await set_queue(stack, "complaints", ring_timeout_seconds=3)  # a short ring: the test need not wait 15 s
    await agent_user(stack, "sleepy", {"complaints": "senior"}, "1001", ready=True)  # rung first (penalty 0)
    await agent_user(stack, "awake", {"complaints": "junior"}, "1002", ready=True)
    _phone(stack, sipp, "1001", scenario="agent_noanswer.xml")
    _phone(stack, sipp, "1002")
    sipp.call_pressing([], hold=8.0)  # rung 3 s at 1001, then 1002 answers
    [call] = await _answered(stack, 1, timeout=40)
    assert call.agent_extension == "1002"
    assert await _log(stack, "sleepy") == [("paused", "not_ready"), ("ready", ""), ("ringing", ""),
                                           ("paused", "no_answer")]
    m = (await _members(stack, "complaints"))["PJSIP/1001"]
    assert m["Paused"] == "1" and m["PausedReason"] == "no_answer"
    assert stack.acd.agents[next(a.user_id for a in stack.acd.agents.values() if a.username == "sleepy")].state \
        == "paused"


async def test_members_and_pauses_are_reapplied_after_core_restart(stack: Stack) -> None:
    await agent_user(stack, "ready1", {"support": "senior", "complaints": "senior"}, "1001", ready=True)
    u2 = await agent_user(stack, "paused2", {"support": "junior"}, "1002")
    await stack.acd.pause(u2, "meal")
    before = stack.ami.status.connects
    assert stack.asterisk_process is not None
    await stack.asterisk_process.rx("core restart now")
    await wait_for(lambda: stack.ami.status.connects > before and stack.ami.ready, 40, "reconnect + resync")
    support = await _members(stack, "support")
    assert set(support) == {"PJSIP/1001", "PJSIP/1002"}
    assert support["PJSIP/1001"]["Paused"] == "0" and support["PJSIP/1001"]["Penalty"] == "0"
    assert support["PJSIP/1002"]["Paused"] == "1" and support["PJSIP/1002"]["PausedReason"] == "meal"
    assert set(await _members(stack, "complaints")) == {"PJSIP/1001"}


async def _next(ws: Any, kind: str, timeout: float = 20) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        while True:
            msg = json.loads(await ws.recv())
            if msg["type"] == kind:
                return msg  # type: ignore[no-any-return]

    return await asyncio.wait_for(read(), timeout)


async def test_screen_pop_reaches_the_agent_socket_while_ringing(stack: Stack, sipp: Sipp) -> None:
    cust = await stack.customers.create("Zhang Wei", ["+86 138 0013 8000"], vip=False)
    user = await agent_user(stack, "pop", {"support": "senior"}, "1001", ready=True)
    token, _ = await stack.auth.login("pop", "test-password-1", "t")
    _phone(stack, sipp, "1001")
    async with Served(stack) as srv:
        # no session: refused before anything is sent
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as refused:
            async with websockets.connect(f"{srv.ws_base}/ws/agent") as anon:
                await anon.recv()
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4401
        # a page of another site cannot use the agent's session (cross-site websocket hijacking)
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as cross:
            async with websockets.connect(f"{srv.ws_base}/ws/agent", origin="http://evil.example",  # type: ignore[arg-type]
                                          additional_headers={"Authorization": f"Bearer {token}"}) as evil:
                await evil.recv()
        assert cross.value.rcvd is not None and cross.value.rcvd.code == 4403
        async with websockets.connect(f"{srv.ws_base}/ws/agent",
                                      additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            hello = await _next(ws, "hello")
            assert hello["agent"]["state"] == "ready" and hello["agent"]["extension"] == "1001"
            assert hello["pop"] is None
            sipp.call_pressing([], hold=3.0)
            pop = (await _next(ws, "pop"))["pop"]
            # the pop came while the phone was ringing (the answer comes 1 s after 180 Ringing)
            assert stack.acd.agents[user.id].state == "ringing"
            assert pop["phase"] == "ringing" and pop["caller_number"] == "13800138000" and pop["queue"] == "support"
            assert pop["customer"]["id"] == cust.id and pop["customer"]["name"] == "Zhang Wei"
            assert [s["node"] for s in pop["ivr_path"]] == ["greet", "support"]
            assert pop["wait_seconds"] is not None and pop["wait_seconds"] >= 0
            assert (await _next(ws, "pop_phase"))["phase"] == "active"
            # a second browser of the same agent gets the current (active) pop on connect
            async with websockets.connect(f"{srv.ws_base}/ws/agent",
                                          additional_headers={"Authorization": f"Bearer {token}"}) as ws2:
                again = await _next(ws2, "hello")
                assert again["pop"]["call_uniqueid"] == pop["call_uniqueid"] and again["pop"]["phase"] == "active"
            assert (await _next(ws, "pop_phase"))["phase"] == "wrapup"
    assert await _log(stack, "pop") == [("paused", "not_ready"), ("ready", ""), ("ringing", ""), ("on_call", ""),
                                        ("wrapup", "wrapup")]


async def test_blind_transfer_moves_the_caller_to_another_seat(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    _phone(stack, sipp, "1001", scenario="agent_answer.xml")
    target = _phone(stack, sipp, "1002")  # not an agent in the queue: just the phone at extension 1002
    caller = sipp.call_pressing([], hold=8.0)
    await wait_for(lambda: stack.acd.agents[user.id].state == "on_call", 20, "the agent to answer")
    res = await stack.acd.transfer(user, stack.tracker.active[stack.acd.agents[user.id].call_uniqueid or ""].channel,
                                   "extension", "1002", "blind")
    assert res["target"] == "1002"
    # the agent's leg ends (wrap-up) and the phone at 1002 rings, answers and gets the caller's BYE
    await wait_for(lambda: stack.acd.agents[user.id].state == "wrapup", 10, "the agent to be in wrap-up")
    assert await asyncio.to_thread(target.wait, 20) == 0
    assert await asyncio.to_thread(caller.wait, 20) == 0


async def test_attended_transfer_is_accepted_by_asterisk(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    _phone(stack, sipp, "1001")
    target = _phone(stack, sipp, "1002")
    sipp.call_pressing([], hold=8.0)
    await wait_for(lambda: stack.acd.agents[user.id].state == "on_call", 20, "the agent to answer")
    await stack.acd.transfer(user, None, "extension", "1002", "attended")  # Atxfer on the agent's own leg

    async def target_leg() -> bool:
        return any(c.get("Channel", "").startswith("PJSIP/1002-") and c.get("ChannelStateDesc") == "Up"
                   for c in await stack.ami.core_show_channels())

    # the agent is put through to 1002 first (the caller waits): the target's phone rings and answers
    await wait_for(target_leg, 15, "the transfer target's phone to be up")
    assert target.poll() is None  # talking to the agent, waiting for the hang-up that completes the transfer



async def test_attended_transfer_to_a_queue_puts_the_agent_through_to_its_agent(stack: Stack, sipp: Sipp) -> None:
    """Atxfer carries digits only: the queue goes on the agent's channel and [cc-atxfer-queue] queues the transfer
    there — the consultation queue's agent is rung for it and talks to the first agent (the caller waits)."""
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    expert = await agent_user(stack, "expert", {"consultation": "senior"}, "1002", ready=True)
    _phone(stack, sipp, "1001")
    target = _phone(stack, sipp, "1002")
    sipp.call_pressing([], hold=10.0)
    await wait_for(lambda: stack.acd.agents[user.id].state == "on_call", 20, "the agent to answer")
    res = await stack.acd.transfer(user, None, "queue", "consultation", "attended")
    assert res["target"] == "q-consultation" and res["mode"] == "attended"

    async def expert_up() -> bool:
        return any(c.get("Channel", "").startswith("PJSIP/1002-") and c.get("ChannelStateDesc") == "Up"
                   for c in await stack.ami.core_show_channels())

    # the consultation queue rang its agent for the transfer, who answered: on a call, talking to the first agent
    await wait_for(expert_up, 15, "the consultation queue's agent to answer the transfer")
    await wait_for(lambda: stack.acd.agents[expert.id].state == "on_call", 10, "the expert to be on the call")
    assert target.poll() is None and stack.acd.agents[user.id].state == "on_call"


CUSTOMER_PORT = free_udp_port("127.0.0.2")  # the customer's phone "out on the trunk"


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"}}])
async def test_click_to_call_rings_the_agent_then_the_customer(stack: Stack, sipp: Sipp) -> None:
    user = await agent_user(stack, "caller", {"support": "senior"}, "1001")
    agent_phone = _phone(stack, sipp, "1001")
    customer = subprocess.Popen(  # answers as the dialled number, over the trunk, and speaks
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", "13800138000",
         "-i", "127.0.0.2", "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer)
    await stack.acd.ready(user)
    res = await stack.acd.call_out(user, "138 0013 8000", "4000", customer_id=None)
    uid = res.pop("call_uniqueid")
    assert res == {"number": "13800138000", "extension": "1001"}
    agent = stack.acd.agents[user.id]
    assert (agent.state, agent.call_uniqueid) == ("ringing", uid)  # the agent's own phone rings first

    async def both_legs_up() -> bool:
        chans = {c.get("Channel", "").split("-")[0]: c for c in await stack.ami.core_show_channels()}
        return all(k in chans and chans[k].get("ChannelStateDesc") == "Up" for k in ("PJSIP/1001", "PJSIP/trunk"))

    # the agent's phone rang and answered first, then the customer's number was dialled and answered
    await wait_for(both_legs_up, 20, "the agent and the customer to be connected")
    assert agent_phone.poll() is None and customer.poll() is None  # talking
    # Asterisk took the uniqueid the service gave the agent's leg: the call is known from the start
    legs = {c.get("Uniqueid"): c for c in await stack.ami.core_show_channels()}
    assert legs[uid]["Channel"].startswith("PJSIP/1001-")
    await wait_for(lambda: agent.state == "on_call", 10, "the agent to be on the call")
    live = stack.tracker.call(uid)
    assert live is not None and live.direction == "outbound" and live.answered_at is not None
    await asyncio.sleep(1.5)  # something to record
    await stack.ami.hangup(legs[uid]["Channel"])  # the agent hangs up
    await wait_for(lambda: agent.state in ("wrapup", "ready") and stack.tracker.call(uid) is None, 15,
                   "the call to end and the agent to wrap up")
    await stack.tracker.flush()
    stored = await stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None
    assert (stored.direction, stored.outcome, stored.caller_number, stored.agent_extension, stored.agent_username) \
        == ("outbound", "answered", "13800138000", "1001", "caller")
    assert stored.talk_seconds is not None and stored.talk_seconds >= 1.0
    # recorded like an inbound call: the dialplan's MixMonitor on the agent's leg, indexed by the recorder
    async def indexed() -> bool:
        rec = await stack.recordings.get(uid)
        return rec is not None and rec.status == "ok"

    await wait_for(indexed, 20, "the outbound call's recording to be indexed")
    rec = await stack.recordings.get(uid)
    assert rec is not None and rec.duration_seconds is not None and rec.duration_seconds >= 1.0


async def test_click_to_call_from_a_seat_with_no_phone_frees_the_agent_and_stores_the_failed_call(stack: Stack
                                                                                                   ) -> None:
    """No phone registered at the seat: Asterisk makes no channel at all (no Newchannel, no Hangup), only the
    Originate's failure says the call is over — the agent is ready again, not left ringing, and the call is stored
    as failed before anyone was dialled."""
    user = await agent_user(stack, "nophone", {"support": "senior"}, "1002", ready=True)
    res = await stack.acd.call_out(user, "13800138000", "4000", customer_id=None)
    uid = res["call_uniqueid"]
    agent = stack.acd.agents[user.id]
    await wait_for(lambda: stack.tracker.call(uid) is None, 15, "the failed call to end")
    await wait_for(lambda: agent.state == "ready", 5, "the agent to be ready again")
    await stack.tracker.flush()
    stored = await stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None
    assert (stored.direction, stored.outcome, stored.end_reason, stored.agent_username) == (
        "outbound", "failed", "originate_failed", "nophone")
    await stack.acd.flush()
    states = [e.state for e in reversed(await stack.acd_repo.state_log(user.id)) if e.call_uniqueid == uid]
    assert states[:1] == ["ringing"], states


async def test_a_service_restart_keeps_who_is_logged_in_and_paused(stack: Stack) -> None:
    await agent_user(stack, "stays", {"support": "senior"}, "1001", ready=True)
    u2 = await agent_user(stack, "away", {"support": "junior"}, "1002")
    await stack.acd.pause(u2, "away")
    await stack.stop()  # the whole service goes down (its managed Asterisk with it)
    again = Stack(stack.settings, run_migrations=False)
    await again.start()
    try:
        await wait_for(lambda: again.ami.ready, 30, "the restarted service's AMI")
        states = {a.username: (a.extension, a.state, a.reason) for a in again.acd.logged_in()}
        assert states == {"stays": ("1001", "ready", ""), "away": ("1002", "paused", "away")}
        support = await _members(again, "support")
        assert support["PJSIP/1001"]["Paused"] == "0"
        assert support["PJSIP/1002"]["Paused"] == "1" and support["PJSIP/1002"]["PausedReason"] == "away"
    finally:
        await again.stop()
