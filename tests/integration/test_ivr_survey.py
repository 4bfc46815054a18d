"""The post-call survey in the IVR on a real Asterisk (issue 16, "1."; docs/survey.md): a caller of the support
queue (which asks it) talks to the agent at seat 1001 (a SIPp phone); the agent's leg hangs up, the caller stays on
the line (app_queue's ``c`` option) and SIPp presses the four keys (RFC 2833) while the zh questions are said.
The survey is stored with the call, the agent and the month (channel ``ivr``) and counts in the agent's monthly
results; the call is answered, its talk time the conversation's; the agent wraps up while the caller answers; the
call ends when the questions are done (Asterisk hangs up after the thanks). Then the agent sends a second caller to
the survey by a blind transfer: that caller rates the agent alone the same way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from callcenter.app import Stack
from tests.helpers import Sipp, agent_user, free_udp_port, wait_for

ZH_FLOW = {"start": "support", "language": "zh", "nodes": {
    "support": {"kind": "queue", "queue": "support", "max_wait_seconds": 120}}}
CALLER = "13600000001"


@pytest.mark.parametrize("stack_overrides", [{
    "surveys": {"ivr": {"enabled": True, "queues": ["support"], "answer_seconds": 10}}}])
async def test_the_caller_rates_the_agent_with_four_keys_after_the_agent_hangs_up(stack: Stack, sipp: Sipp) -> None:
    flow = await stack.ivr.create_flow("zh", ZH_FLOW)
    await stack.ivr.publish(flow.id, by="test")  # the survey's prompts exist in zh: seeded at start
    await stack.ivr.set_entry_point("*", flow.id)
    user = await agent_user(stack, "sv", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port, calls=2)
    # the agent is hung up ~1 s after answering (below); the questions start at once, each waits 10 s for a key
    caller = sipp.call_pressing([(12.0, "1"), (4.0, "2"), (4.0, "1"), (4.0, "4")], hold=8.0, caller=CALLER)

    def call() -> object:
        return next((c for c in stack.tracker.active.values() if c.caller_number == CALLER), None)

    await wait_for(lambda: stack.acd.agents[user.id].state == "on_call", 20, "the agent to answer")
    st = call()
    assert st is not None
    uid = st.uniqueid  # type: ignore[attr-defined]
    await asyncio.sleep(1.0)
    agent = stack.acd.agents[user.id]
    assert agent.channel
    await stack.ami.hangup(agent.channel)  # the agent ends the conversation
    await wait_for(lambda: stack.acd.agents[user.id].state == "wrapup", 10, "the agent's wrap-up")
    assert call() is not None  # the caller is still on the line, answering

    async def rated() -> bool:
        rows = [s for s in await stack.surveys.repo.of_month(stack.surveys.month_of(stack.clock.now()))
                if s.call_uniqueid == uid]
        return bool(rows) and rows[0].promises is not None

    await wait_for(rated, 45, "the four answers")
    # after the thanks the dialplan hangs up (the caller's SIPp, still holding, gets Asterisk's BYE)
    await asyncio.to_thread(caller.wait, 30)
    [s] = [s for s in await stack.surveys.repo.of_month(stack.surveys.month_of(stack.clock.now()))
           if s.call_uniqueid == uid]
    assert (s.channel, s.agent_username, s.taken_by, s.attitude, s.skill, s.timeliness, s.promises) == (
        "ivr", "sv", "ivr", 1, 2, 1, 4)
    [month] = await stack.surveys.monthly("lead", s.month, "sv")
    assert (month.surveys, month.complete, month.by_channel, month.poor) == (1, 1, {"ivr": 1}, 1)
    await wait_for(lambda: call() is None, 15, "the call to end")
    record = await stack.calls_repo.get_by_uniqueid(uid)
    assert record is not None and record.outcome == "answered" and record.agent_extension == "1001"
    assert record.talk_seconds is not None and record.talk_seconds < 10  # the conversation, not the survey
    assert record.ended_at is not None and record.answered_at is not None
    assert record.ended_at - record.answered_at > timedelta(seconds=15)  # the caller stayed for the questions
    full = (stack.layout.log / "full").read_text(errors="replace")
    prompts = stack.settings.data_dir / "prompts" / "zh"
    assert f"Playing '{prompts / 'cc-survey-promises'}." in full  # the zh question, from the shipped TTS

    # the agent can also send a caller to the survey: a blind transfer ([cc-survey] transfer), the caller alone
    await stack.acd.ready(user)
    second = sipp.call_pressing([(12.0, "2"), (4.0, "2"), (4.0, "3"), (4.0, "1")], hold=8.0, caller=CALLER)
    await wait_for(lambda: stack.acd.agents[user.id].state == "on_call", 20, "the agent to answer again")
    st = call()
    assert st is not None
    uid2 = st.uniqueid  # type: ignore[attr-defined]
    await asyncio.sleep(1.0)
    await stack.acd.transfer(user, st.channel, "survey", "", "blind")  # type: ignore[attr-defined]
    await wait_for(lambda: stack.acd.agents[user.id].state == "wrapup", 10, "the agent's wrap-up after the transfer")

    async def rated_again() -> bool:
        rows = [s for s in await stack.surveys.repo.of_month(stack.surveys.month_of(stack.clock.now()))
                if s.call_uniqueid == uid2]
        return bool(rows) and rows[0].promises is not None

    await wait_for(rated_again, 45, "the four answers after the transfer")
    await asyncio.to_thread(second.wait, 30)
    [s2] = [s for s in await stack.surveys.repo.of_month(stack.surveys.month_of(stack.clock.now()))
            if s.call_uniqueid == uid2]
    assert (s2.agent_username, s2.attitude, s2.skill, s2.timeliness, s2.promises) == ("sv", 2, 2, 3, 1)
