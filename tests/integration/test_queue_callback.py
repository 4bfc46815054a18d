"""The queued caller's call-back that keeps their place, on a real Asterisk (issue 15, "6."): callers A, B and C
wait in the support queue in that order while the only agent is paused; B presses 1 and hangs up — their call
ends as a call-back, not abandoned, and its place waits in the queue; when the agent is ready they get A first,
then B's place — their phone is connected first, then B's number is dialled over the trunk (a SIPp customer
answers: an outbound call of that agent) — and only then C, who came later. Never twice."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

from callcenter.app import Stack
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, wait_for

CUSTOMER_PORT = free_udp_port("127.0.0.2")
A, B, C = "13500000001", "13500000002", "13500000003"


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
                                              "callbacks": {"queue": {"enabled": True, "key": "1"}}}])
async def test_a_queued_caller_is_called_back_in_their_turn(stack: Stack, sipp: Sipp) -> None:
    user = await agent_user(stack, "qcb", {"support": "senior"}, "1001")  # logged in, paused: callers wait
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port, calls=3)
    customer = subprocess.Popen(  # B's phone, out on the trunk: answers the call-back and speaks
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", B, "-i", "127.0.0.2",
         "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer)
    connected: list[str] = []  # who the agent was put through to, in order (the caller's number / B's call-back)

    def watch(st: Any) -> None:
        if st.answered_at is not None and st.uniqueid not in seen:
            seen.add(st.uniqueid)
            connected.append(st.caller_number if st.direction == "inbound" else f"callback:{st.caller_number}")

    seen: set[str] = set()
    stack.tracker.watch(watch)

    def waiting() -> list[str]:
        inline = [c for c in stack.tracker.active.values()
                  if c.queue == "support" and c.queued_at is not None and c.answered_at is None and not c.left_queue]
        return [c.caller_number for c in sorted(inline, key=lambda c: c.queued_at)]

    sipp.call_pressing([], hold=12.0, caller=A)
    await wait_for(lambda: waiting() == [A], 15, "A to wait in the queue")
    sipp.call_pressing([(2.5, "1")], hold=20.0, caller=B)  # presses 1 once in the queue
    await wait_for(lambda: waiting() == [A, B], 15, "B to wait behind A")
    desk = stack.callbacks.queue
    await wait_for(lambda: not any(c.caller_number == B and c.direction == "inbound"
                                   for c in stack.tracker.active.values()), 15, "B to leave for a call-back")
    sipp.call_pressing([], hold=25.0, caller=C)
    await wait_for(lambda: waiting() == [A, C], 15, "C to wait")
    await desk.flush()
    [req] = await desk.requests()
    assert (req.number, req.queue, req.state, req.position) == (B, "support", "placed", 2)  # behind A only

    async def press_ready() -> None:
        while True:
            a = stack.acd.agents[user.id]
            if a.state in ("wrapup", "paused"):
                await stack.acd.ready(user)
            await asyncio.sleep(0.1)

    presser = asyncio.get_running_loop().create_task(press_ready())
    try:
        await wait_for(lambda: connected[:1] == [A], 20, "the agent to get A first")
        await wait_for(lambda: len(connected) >= 2, 25, "the agent's next call")
        assert connected[1] == f"callback:{B}"  # B's place, before C who came later
        # the agent's phone first, then B's number dialled: B's customer phone answered; the agent hangs up
        out = next(c for c in stack.tracker.active.values() if c.direction == "outbound")
        assert out.agent_extension == "1001" and out.caller_number == B
        await asyncio.sleep(1.0)
        agent = stack.acd.agents[user.id]
        assert agent.state == "on_call" and agent.channel
        await stack.ami.hangup(agent.channel)  # the agent hangs up
        await wait_for(lambda: len(connected) >= 3, 25, "the agent's third call")
        assert connected[2] == C
    finally:
        presser.cancel()
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search(limit=50)
    by = {(c.caller_number, c.direction): c for c in calls}
    assert (by[(B, "inbound")].outcome, by[(B, "inbound")].end_reason) == ("callback", "callback_requested")
    assert by[(B, "outbound")].outcome == "answered"
    assert len(await desk.requests()) == 1  # never twice
