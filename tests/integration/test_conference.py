"""The conference on a call (issue 15, part 5) on a real Asterisk with SIPp phones and a SIPp caller who speaks: the
agent adds a party, the three are in one ConfBridge (AMI ConfbridgeList, read through the product's client), the
agent stays on the call while in it and wraps up when they leave it, the others stay; the customer's hang-up ends
it; the call's one recording holds the conference. The seat's leg is a call of its own (an outbound call of the
agent, tied to the customer's) and the agent logged in at that seat is on it, then wraps up. A queue's expert
answers through app_queue (their desk rings, then they are on the call; their leg a call too), an allowed outside
number (a SIPp "mobile" behind the trunk) is added through the outside numbers' gate, and a supervisor joins from
the board."""

from __future__ import annotations

import asyncio
import re
import subprocess
import wave
from typing import Any

import pytest

from callcenter.app import Stack
from callcenter.settings import AgentPhone
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, route_all_calls_to, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _phone(stack: Stack, sipp: Sipp, extension: str) -> Any:
    seat = next(a for a in stack.settings.agents if a.extension == extension)
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    return sipp.answer(seat.extension, port)


async def _members(stack: Stack, uid: str) -> dict[str, str]:
    """The conference's members as Asterisk lists them: channel name (without its -suffix) → the extension of
    [cc-conference] it came in by."""
    try:
        rows = await stack.ami.list_action("ConfbridgeList", Conference=f"cc-{uid}")
    except Exception:  # no conference (yet, or any more)
        return {}
    return {r["Channel"].rsplit("-", 1)[0]: r["Exten"] for r in rows}


def _rms(path: Any, start_s: float) -> float:
    """The loudness (RMS of 16-bit samples) of a wav from ``start_s`` on."""
    with wave.open(str(path), "rb") as w:
        w.setpos(min(w.getnframes(), int(start_s * w.getframerate())))
        frames = w.readframes(w.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames) - 1, 2)]
    return (sum(x * x for x in samples) / len(samples)) ** 0.5 if samples else 0.0


async def test_a_conference_brings_three_parties_into_one_bridge_and_is_recorded(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    # an agent at the seat that will be added (not of support, so not rung for the customer)
    seat_user = await agent_user(stack, "second", {"consultation": "senior"}, "1002", ready=True)
    _phone(stack, sipp, "1001")
    party = _phone(stack, sipp, "1002")  # the seat's phone: answers after 1 s, echoes what it hears
    caller = sipp.call_pressing([], hold=9.0)  # speaks (G.711 audio), hangs up after 9 s
    agent, seat_agent = stack.acd.agents[user.id], stack.acd.agents[seat_user.id]
    await wait_for(lambda: agent.state == "on_call", 20, "the agent to answer")
    uid = agent.call_uniqueid or ""
    answered = asyncio.get_running_loop().time()

    res = await stack.acd.conference_add(user, "seat", "1002", "13800138000")
    assert (res["conference"], res["started"], res["target"]) == (f"cc-{uid}", True, "1002")
    # the seat's leg is a call from before its phone rang; the agent there rings with it
    leg = seat_agent.call_uniqueid or ""
    assert seat_agent.state in ("ringing", "on_call") and leg != uid
    st = stack.tracker.call(leg)
    assert st is not None and (st.direction, st.linkedid, st.dialled_number, st.agent_username) == (
        "outbound", uid, "1002", "first")

    async def three_in() -> bool:
        return await _members(stack, uid) == {"PJSIP/trunk": "customer", "PJSIP/1001": "agent",
                                              "PJSIP/1002": "party"}

    await wait_for(three_in, 10, "the customer, the agent and the seat in one conference")
    in_conference = asyncio.get_running_loop().time() - answered
    assert agent.state == "on_call"  # still on the call while in the conference
    assert (seat_agent.state, seat_agent.call_uniqueid) == ("on_call", leg)  # took their phone: on the leg
    assert (seat_agent.channel or "").startswith("PJSIP/1002-")
    view = await stack.acd.conference_state(user)
    assert view["active"] and {(m["role"], m["who"], m["you"]) for m in view["members"]} == {
        ("customer", "13800138000", False), ("agent", "1001", True), ("party", "1002", False)}
    await asyncio.sleep(1.5)  # the three talk

    # the agent leaves the others to it: their line hangs up, they wrap up; the customer and the seat stay
    await stack.acd.conference_leave(user)
    await wait_for(lambda: agent.state == "wrapup", 10, "the agent to wrap up after leaving")
    assert await _members(stack, uid) == {"PJSIP/trunk": "customer", "PJSIP/1002": "party"}
    assert stack.tracker.call(uid) is not None  # the customer's call goes on

    # the customer hangs up (end of the caller's hold): the conference ends, the seat's phone gets its BYE
    assert seat_agent.state == "on_call"  # still with the customer
    assert await asyncio.to_thread(caller.wait, 20) == 0, sipp.explain(caller)
    assert await asyncio.to_thread(party.wait, 10) == 0
    await wait_for(lambda: stack.tracker.call(uid) is None, 10, "the call to end")
    assert await _members(stack, uid) == {}
    # the seat's leg hung up: the agent there wraps up after it, and the leg is an answered call with its talk time
    await wait_for(lambda: seat_agent.state == "wrapup", 10, "the seat's agent to wrap up")
    assert seat_agent.call_uniqueid == leg
    await wait_for(lambda: stack.tracker.call(leg) is None, 10, "the seat's leg to end")
    await stack.tracker.flush()
    seat_leg = await stack.calls_repo.get_by_uniqueid(leg)
    assert seat_leg is not None and (seat_leg.direction, seat_leg.outcome, seat_leg.linkedid,
                                     seat_leg.agent_extension) == ("outbound", "answered", uid, "1001")
    assert seat_leg.talk_seconds is not None and seat_leg.talk_seconds > 1.0

    # one recording, the call's own: from the agent's answer to the customer's hang-up, the conference in it
    async def indexed() -> bool:
        rec = await stack.recordings.get(uid)
        return rec is not None and rec.status != "recording"

    await wait_for(indexed, 20, "the call's recording to be indexed")
    rec = await stack.recordings.get(uid)
    assert rec is not None and rec.status == "ok", (rec and rec.status, rec and rec.problem)
    assert rec.duration_seconds is not None and rec.duration_seconds >= in_conference + 3.0
    assert _rms(stack.recorder.path_of(rec.path), in_conference) > 50  # speech in the conference, not silence
    stored = await stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and (stored.outcome, stored.agent_extension) == ("answered", "1001")


async def test_the_customer_is_never_left_alone_when_the_last_of_the_staff_leaves(stack: Stack, sipp: Sipp) -> None:
    """The customer is end_marked (confbridge.conf): the agent leaves, then the seat they added hangs up, and
    Asterisk itself kicks the customer out of the empty conference: the call ends."""
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    _phone(stack, sipp, "1001")
    _phone(stack, sipp, "1002")
    sipp.call_pressing([], hold=30.0)
    agent = stack.acd.agents[user.id]
    await wait_for(lambda: agent.state == "on_call", 20, "the agent to answer")
    uid = agent.call_uniqueid or ""
    await stack.acd.conference_add(user, "seat", "1002")

    async def party_in() -> bool:
        return (await _members(stack, uid)).get("PJSIP/1002") == "party"

    await wait_for(party_in, 10, "the seat in the conference")
    await stack.acd.conference_leave(user)
    await wait_for(lambda: agent.state == "wrapup", 10, "the agent to wrap up")
    [seat_leg] = [c["Channel"] for c in await stack.ami.core_show_channels() if c["Channel"].startswith("PJSIP/1002-")]
    await stack.ami.hangup(seat_leg)  # the seat's phone hangs up: nobody of the staff is left
    await wait_for(lambda: stack.tracker.call(uid) is None, 10, "the customer's call to end")
    assert await _members(stack, uid) == {}


THREE_SEATS = [AgentPhone(extension=e, password=f"agent{e}-dev", name=f"Agent {e}") for e in ("1001", "1002", "1003")]
MOBILE_PORT = free_udp_port("127.0.0.2")  # the duty person's mobile "out on the trunk"
MANY = {"agents": THREE_SEATS, "asterisk": {"outbound_host": f"127.0.0.2:{MOBILE_PORT}"},
        "outside_numbers": {"transfer": {"allowed": ["13900139000"], "caller_id": "4008"}}}


@pytest.mark.parametrize("stack_overrides", [MANY])
async def test_an_expert_a_mobile_and_a_listening_supervisor_join_and_the_agent_ends_it(stack: Stack,
                                                                                       sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    expert_user = await agent_user(stack, "expert", {"consultation": "senior"}, "1002", ready=True)
    await stack.auth.create_user("boss", "test-password-1", ["supervisor"])
    for ext in ("1001", "1002", "1003"):
        _phone(stack, sipp, ext)
    caller = sipp.call_pressing([], hold=20.0)
    agent, expert = stack.acd.agents[user.id], stack.acd.agents[expert_user.id]
    await wait_for(lambda: agent.state == "on_call", 20, "the agent to answer")
    uid = agent.call_uniqueid or ""
    assert expert.state == "ready"  # not in support: not rung for the customer

    res = await stack.acd.conference_add(user, "queue", "consultation", "13800138000")
    assert res["started"] is True
    # app_queue rings the consultation queue's agent for the conference: their state follows as for a queue call
    await wait_for(lambda: expert.state == "on_call", 15, "the queue's expert to answer")

    async def expert_in() -> bool:
        return (await _members(stack, uid)).get("Local/q-consultation@cc-conference-queue") == "party"

    await wait_for(expert_in, 10, "the expert's leg in the conference")
    # an outside number allowed for transfers: through the gate to the trunk, showing the transfers' caller ID
    trace = sipp.workdir / "mobile.log"
    mobile = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", "13900139000",
         "-i", "127.0.0.2", "-p", str(MOBILE_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin",
         "-trace_msg", "-message_file", str(trace)],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(mobile)
    allowed = stack.settings.outside_numbers.transfer
    res = await stack.acd.conference_add(user, "outside", "139 0013 9000", None, allowed)
    assert (res["target"], res["started"]) == ("13900139000", False)

    async def mobile_in() -> bool:
        return (await _members(stack, uid)).get("Local/13900139000@cc-transfer-outside") == "party"

    await wait_for(mobile_in, 10, "the mobile in the conference")
    invite = trace.read_text(errors="replace")
    assert re.search(r"^From:.*?<sip:4008@", invite, re.M), invite[:800]  # the transfers' caller ID
    # a supervisor on the board joins from their own seat, listening
    joined = await stack.acd.join_conference("first", "listen", "1003", by="boss")
    assert joined["conference"] == f"cc-{uid}"

    async def supervisor_in() -> bool:
        return (await _members(stack, uid)).get("PJSIP/1003") == "listen"

    await wait_for(supervisor_in, 10, "the supervisor listening in the conference")
    assert len(await _members(stack, uid)) == 5
    view = await stack.acd.conference_state(user)
    assert {(m["role"], m["kind"], m["who"]) for m in view["members"]} == {
        ("customer", "customer", "13800138000"), ("agent", "seat", "1001"), ("party", "queue", "consultation"),
        ("party", "outside", "13900139000"), ("listen", "seat", "1003")}

    await stack.acd.conference_end(user)  # everyone out, every line hangs up
    await wait_for(lambda: agent.state == "wrapup" and expert.state == "wrapup", 10, "both agents to wrap up")
    assert await asyncio.to_thread(caller.wait, 10) is not None  # the customer's line was hung up by Asterisk
    assert await asyncio.to_thread(mobile.wait, 10) == 0  # the mobile got its BYE
    await wait_for(lambda: stack.tracker.call(uid) is None, 10, "the call to end")

    async def indexed() -> bool:
        rec = await stack.recordings.get(uid)
        return rec is not None and rec.status != "recording"

    await wait_for(indexed, 20, "the call's recording to be indexed")
    rows = await stack.recordings.search()
    # the call's one recording; the expert's queue leg is no recording of its own (none missing, no alert)
    assert [(r.call_uniqueid, r.status) for r in rows[0]] == [(uid, "ok")], rows
    await wait_for(lambda: not stack.tracker.active, 10, "every leg to end")
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search()  # the expert's queued half is no inbound call of the queue
    assert [(c.uniqueid, c.outcome, c.agent_extension) for c in calls if c.direction == "inbound"] == [
        (uid, "answered", "1001")]
    # the mobile's trunk leg and the expert's leg are outbound calls of the agent's, tied to the customer's call
    # (their audio is in the call's one recording); the expert's leg names the expert who took it
    assert sorted((c.dialled_number or "", c.outcome or "", c.agent_username or "", c.agent_extension or "",
                   c.linkedid or "") for c in calls if c.direction == "outbound") == [
        ("13900139000", "answered", "", "1001", uid), ("consultation", "answered", "first", "1002", uid)]
    expert_leg = next(c for c in calls if c.dialled_number == "consultation")
    assert expert_leg.queued_at is None and expert_leg.talk_seconds is not None and expert_leg.talk_seconds > 0
    # never offered to the consultation queue: its figures count nothing of it
    assert stack.board.figures_since("consultation", expert_leg.arrived_at or stack.clock.now())["offered"] == 0
