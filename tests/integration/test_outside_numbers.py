"""Outside numbers over the trunk (issue 15, part 7), on a real Asterisk rendered from asterisk_conf/: an agent on a
queue call transfers the caller (blind, attended) to an allowed outside number and a SIPp "mobile" behind the trunk
receives it with the caller ID the centre set for transfers; a number not allowed is refused by the API before
Asterisk sees anything; the IVR's transfer node reaches an allowed number with the IVR's caller ID.

What a phone itself can dial or transfer to is in test_dialplan_security.py (the same settings)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, route_all_calls_to, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]

MOBILE_PORT = free_udp_port("127.0.0.2")  # the duty person's mobile "out on the trunk"
TRANSFER_CALLER_ID = "4008"
IVR_CALLER_ID = "4009"
OUTSIDE: dict[str, Any] = {
    "asterisk": {"outbound_host": f"127.0.0.2:{MOBILE_PORT}"},
    "outside_numbers": {"transfer": {"allowed": ["138XXXXXXXX", "13900139000"], "caller_id": TRANSFER_CALLER_ID},
                        "ivr": {"allowed": ["13900139000"], "caller_id": IVR_CALLER_ID}},
}
with_outside = pytest.mark.parametrize("stack_overrides", [OUTSIDE])


class Mobile:
    """A SIPp phone behind the trunk that answers one call as ``number`` and speaks; its SIP messages are kept."""

    def __init__(self, sipp: Sipp, number: str) -> None:
        self.trace = sipp.workdir / f"mobile-{number}.log"
        self.proc = subprocess.Popen(
            [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-s", number,
             "-i", "127.0.0.2", "-p", str(MOBILE_PORT), "-mp", str(free_media_port()), "-m", "1", "-nostdin",
             "-trace_msg", "-message_file", str(self.trace)],
            cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sipp.procs.append(self.proc)

    def invite(self) -> str:
        """The INVITE the mobile received ("" while none)."""
        text = self.trace.read_text(errors="replace") if self.trace.exists() else ""
        m = re.search(r"^INVITE sip:.*?(?=\n-{10,}|\Z)", text, re.M | re.S)
        return m.group(0) if m else ""

    def caller_id(self) -> str:
        """The user part of the INVITE's From: the number the called party sees."""
        m = re.search(r"^From:.*?<sip:([^@>]*)@", self.invite(), re.M)
        assert m, self.invite()[:800]
        return m.group(1)

    def dialled(self) -> str:
        m = re.match(r"INVITE sip:([^@]*)@", self.invite())
        return m.group(1) if m else ""


async def _trunk_channels(stack: Stack) -> list[str]:
    """The trunk's channels: the caller's own (the call came in over the trunk) and any leg dialled out."""
    return [c.get("Channel", "") for c in await stack.ami.core_show_channels()
            if c.get("Channel", "").startswith("PJSIP/trunk-")]


async def _on_a_queue_call(stack: Stack, sipp: Sipp, name: str, hold: float) -> tuple[Any, subprocess.Popen[bytes]]:
    """An agent at 1001 on a support call from the trunk (the caller stays ``hold`` s, then hangs up)."""
    await route_all_calls_to(stack, "support")
    user = await agent_user(stack, name, {"support": "senior"}, "1001", ready=True)
    seat = stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port)
    caller = sipp.call_pressing([], hold=hold)
    await wait_for(lambda: sipp.running(caller) and stack.acd.agents[user.id].state == "on_call", 20,
                   "the agent to answer the caller")
    return user, caller


@with_outside
async def test_blind_transfer_reaches_the_allowed_mobile_with_the_centres_caller_id(stack: Stack, sipp: Sipp) -> None:
    user, caller = await _on_a_queue_call(stack, sipp, "duty", hold=9.0)
    mobile = Mobile(sipp, "13812345678")
    agent = stack.acd.agents[user.id]
    uid = agent.call_uniqueid or ""
    await asyncio.sleep(1.0)  # the agent talks a little: recorded
    res = await stack.acd.transfer(user, stack.tracker.active[uid].channel, "outside", "138 1234 5678", "blind",
                                   stack.settings.outside_numbers.transfer)
    assert res == {"call_uniqueid": uid, "target": "13812345678", "mode": "blind"}
    await wait_for(lambda: agent.state == "wrapup", 10, "the agent's leg to end (wrap-up)")
    # the mobile behind the trunk rang and answered, as the number dialled, seeing the transfer's caller ID
    await wait_for(lambda: bool(mobile.invite()), 15, "the mobile's INVITE")
    assert mobile.dialled() == "13812345678"
    assert mobile.caller_id() == TRANSFER_CALLER_ID
    # the caller and the mobile talk until the caller hangs up: the mobile gets the BYE
    assert await asyncio.to_thread(mobile.proc.wait, 20) == 0
    assert await asyncio.to_thread(caller.wait, 20) == 0, sipp.explain(caller)

    # the call's recording (MixMonitor on the caller's channel) goes on while the caller talks to the mobile
    async def indexed() -> bool:
        rec = await stack.recordings.get(uid)
        return rec is not None and rec.status == "ok"

    await wait_for(indexed, 20, "the call's recording to be indexed")
    rec = await stack.recordings.get(uid)
    assert rec is not None and rec.duration_seconds is not None
    await stack.tracker.flush()
    stored = await stack.calls_repo.get_by_uniqueid(uid)
    assert stored is not None and stored.answered_at is not None and stored.ended_at is not None
    # one file: the ~1 s with the agent, then the caller and the mobile until the caller hung up (~6 s)
    with_agent = await _agent_leg_seconds(stack, uid)
    assert rec.duration_seconds > with_agent + 3.0, (rec.duration_seconds, with_agent)
    # the leg to the mobile is an outbound call of its own: the transferring agent's, answered, tied to the call
    await _the_mobile_leg_is_stored(stack, uid, "13812345678")


async def _the_mobile_leg_is_stored(stack: Stack, uid: str, number: str) -> None:
    await wait_for(lambda: not any(c.direction == "outbound" for c in stack.tracker.active.values()), 10,
                   "the mobile's leg to end")
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search(limit=20)
    [leg] = [c for c in calls if c.direction == "outbound"]
    # the agent as on the call it was dialled for (an inbound call names its agent by seat and name)
    assert (leg.caller_number, leg.agent_extension, leg.outcome, leg.linkedid) == (number, "1001", "answered", uid)
    assert leg.agent_name is not None and leg.agent_name == (await stack.calls_repo.get_by_uniqueid(uid)).agent_name
    assert leg.answered_at is not None and leg.ended_at is not None and leg.uniqueid != uid


async def _agent_leg_seconds(stack: Stack, uid: str) -> float:
    """How long the caller talked to the agent (answer to transfer): the stored call's talk time is not it after a
    transfer, so from the agent's own state log."""
    from sqlalchemy import select

    from callcenter.acd.models import AgentStateLog

    await stack.acd.flush()
    async with stack.sessions() as s:
        rows = list((await s.execute(select(AgentStateLog).where(AgentStateLog.username == "duty")
                                     .order_by(AgentStateLog.id))).scalars())
    on = next(r.at for r in rows if r.state == "on_call")
    off = next(r.at for r in rows if r.state == "wrapup")
    return (off - on).total_seconds()


@with_outside
async def test_attended_transfer_talks_to_the_mobile_first(stack: Stack, sipp: Sipp) -> None:
    user, caller = await _on_a_queue_call(stack, sipp, "duty", hold=14.0)
    mobile = Mobile(sipp, "13900139000")
    uid = stack.acd.agents[user.id].call_uniqueid or ""
    await stack.acd.transfer(user, None, "outside", "13900139000", "attended",
                             stack.settings.outside_numbers.transfer)
    # the agent is put through to the mobile first (Atxfer: its digits into cc-transfer-outside)
    await wait_for(lambda: bool(mobile.invite()), 15, "the mobile's INVITE")
    assert (mobile.dialled(), mobile.caller_id()) == ("13900139000", TRANSFER_CALLER_ID)
    await wait_for(lambda: _count(_trunk_channels, stack, 2), 10, "the mobile's leg next to the caller's")
    assert mobile.proc.poll() is None and caller.poll() is None
    # the agent hangs up: the transfer completes, the caller talks to the mobile until they hang up
    agent = stack.acd.agents[user.id]
    legs = [c.get("Channel", "") for c in await stack.ami.core_show_channels()
            if c.get("Channel", "").startswith("PJSIP/1001-")]
    for leg in legs:
        await stack.ami.hangup(leg)
    await wait_for(lambda: agent.state in ("wrapup", "ready"), 10, "the agent to leave the call")
    assert mobile.proc.poll() is None and caller.poll() is None  # the caller and the mobile are still talking
    assert await asyncio.to_thread(caller.wait, 25) == 0, sipp.explain(caller)
    assert await asyncio.to_thread(mobile.proc.wait, 10) == 0
    await _the_mobile_leg_is_stored(stack, uid, "13900139000")


async def _count(f: Any, stack: Stack, n: int) -> bool:
    return len(await f(stack)) >= n


@with_outside
async def test_a_number_not_allowed_is_refused_by_the_api_and_nothing_reaches_asterisk(stack: Stack,
                                                                                     sipp: Sipp) -> None:
    user, caller = await _on_a_queue_call(stack, sipp, "duty", hold=6.0)
    mobile = Mobile(sipp, "13700137000")
    caller_leg = await _trunk_channels(stack)
    channels: list[str] = []
    stack.dispatcher.register("Newchannel", _record(channels))
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    token, _ = await stack.auth.login("duty", "test-password-1", "t")
    h = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for mode in ("blind", "attended"):
            r = await c.post("/api/agent/transfer", headers=h,
                             json={"target_type": "outside", "target": "137 0013 7000", "mode": mode})
            assert r.status_code == 403, r.text
            body = r.json()
            assert body["code"] == "acd.outside_number_not_allowed" and body["details"]["number"] == "13700137000"
            assert "13700137000" in body["messages"]["en"] and "13700137000" in body["messages"]["zh-CN"]
        r = await c.get("/api/agent/outside-numbers", headers=h)
        assert r.json() == {"allowed": ["138XXXXXXXX", "13900139000"]}
    await asyncio.sleep(1.0)  # what a Redirect/Atxfer would have started by now
    assert channels == [] and await _trunk_channels(stack) == caller_leg  # nothing dialled, nothing redirected
    assert stack.acd.agents[user.id].state == "on_call"  # the agent still has the caller
    assert mobile.invite() == "" and mobile.proc.poll() is None
    assert await asyncio.to_thread(caller.wait, 20) == 0, sipp.explain(caller)


def _record(into: list[str]) -> Any:
    async def on(ev: AmiEvent) -> None:
        into.append(ev.get("Channel", ""))

    return on


@with_outside
async def test_the_ivr_transfer_node_reaches_an_allowed_mobile_with_the_ivrs_caller_id(stack: Stack,
                                                                                       sipp: Sipp) -> None:
    flow = await stack.ivr.create_flow("duty", {"start": "duty", "language": "en", "nodes": {
        "duty": {"kind": "transfer", "target_type": "outside", "target": "13900139000",
                 "label": "Duty mobile / 值班手机"}}})
    await stack.ivr.publish(flow.id, by="test")
    await stack.ivr.set_entry_point("*", flow.id)
    mobile = Mobile(sipp, "13900139000")
    caller = sipp.call_pressing([], hold=4.0)
    await wait_for(lambda: sipp.running(caller) and bool(mobile.invite()), 15, "the mobile's INVITE")
    assert (mobile.dialled(), mobile.caller_id()) == ("13900139000", IVR_CALLER_ID)
    assert await asyncio.to_thread(caller.wait, 20) == 0, sipp.explain(caller)
    assert await asyncio.to_thread(mobile.proc.wait, 10) == 0
    await wait_for(lambda: not stack.tracker.active, 10, "both legs to end")
    await stack.tracker.flush()
    rows, _ = await stack.calls_repo.search()
    [call] = [r for r in rows if r.direction == "inbound"]
    assert (call.outcome, call.end_reason) == ("transferred", "transfer")
    # the IVR's leg to the mobile is an outbound call tied to the caller's, with no agent
    [leg] = [r for r in rows if r.direction == "outbound"]
    assert (leg.caller_number, leg.linkedid, leg.outcome, leg.agent_extension) == (
        "13900139000", call.uniqueid, "answered", None)
    assert call.ivr_path and call.ivr_path[-1]["target"] == "13900139000"
    assert call.ivr_path[-1]["target_type"] == "outside"
