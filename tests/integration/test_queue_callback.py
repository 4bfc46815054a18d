"""The queued caller's call-back that keeps their place, on a real Asterisk (issue 15, "6."): callers A, B and C
wait in the support queue in that order (a zh flow) while the only agent is paused, and hear the offer every 5 s
(app_queue's periodic-announce: the zh prompt, the channel's language put into its absolute path by Asterisk). B
presses 1, hears their number read back and presses 1 to confirm; C presses 1, then 2, types another number
ending with #, hears it and confirms it. Their calls end as call-backs, not abandoned, and their places wait in the
queue — on the board as waiting call-backs, from when B and C joined, as Asterisk counts them. When the agent is
ready they get A first, then B's place — their phone first, then B's own number dialled over the trunk (the SIPp
customer answers) — then C's place, dialled at the number C typed. Never twice."""

from __future__ import annotations

import asyncio
import re
import subprocess
from typing import Any

import pytest

from callcenter.app import Stack
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, wait_for

CUSTOMER_PORT = free_udp_port("127.0.0.2")
A, B, C = "13500000001", "13500000002", "13500000003"
C_TYPED = "13900000009"  # the number C asks to be called back on
ZH_FLOW = {"start": "support", "language": "zh", "nodes": {
    "support": {"kind": "queue", "queue": "support", "max_wait_seconds": 300}}}


@pytest.mark.parametrize("stack_overrides", [{
    "asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
    "callbacks": {"queue": {"enabled": True, "key": "1", "offer_every_seconds": 5}}}])
async def test_a_queued_caller_is_called_back_in_their_turn_at_the_number_they_confirmed(
        stack: Stack, sipp: Sipp) -> None:
    flow = await stack.ivr.create_flow("zh", ZH_FLOW)
    await stack.ivr.publish(flow.id, by="test")
    await stack.ivr.set_entry_point("*", flow.id)
    prompts = stack.settings.data_dir / "prompts"
    # only the zh offer: if Asterisk did not put the channel's language into the path, nothing would be played
    (prompts / "en" / "cc-callback-offer-1.wav").unlink()
    assert (prompts / "zh" / "cc-callback-offer-1.wav").is_file() and not (prompts / "cc-callback-offer-1.wav").exists()
    user = await agent_user(stack, "qcb", {"support": "senior"}, "1001")  # logged in, paused: callers wait
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port, calls=3)
    customer_dir = sipp.workdir / "customer"
    customer_dir.mkdir()
    (customer_dir / "pcap").symlink_to(sipp.workdir / "pcap")  # the scenario plays pcap/g711a.pcap
    customer = subprocess.Popen(  # the customers' phones out on the trunk: answer the two call-backs
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_answer.xml"), "-i", "127.0.0.2",
         "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "2", "-nostdin", "-trace_msg"],
        cwd=customer_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer)
    connected: list[str] = []  # who the agent was put through to, in order (the caller's number / a call-back)
    seen: set[str] = set()

    def watch(st: Any) -> None:
        if st.answered_at is not None and st.uniqueid not in seen:
            seen.add(st.uniqueid)
            connected.append(st.caller_number if st.direction == "inbound" else f"callback:{st.caller_number}")

    stack.tracker.watch(watch)

    def board() -> dict[str, Any]:
        return stack.board.queue_figures(stack.clock.now())[0]["support"]  # type: ignore[no-any-return]

    def inbound(number: str) -> Any:
        return next((c for c in stack.tracker.active.values()
                     if c.caller_number == number and c.direction == "inbound"), None)

    desk = stack.callbacks.queue

    async def placed(n: int) -> bool:
        await desk.flush()
        return len([r for r in await desk.requests() if r.state == "placed"]) == n

    sipp.call_pressing([], hold=90.0, caller=A)
    await wait_for(lambda: board()["waiting"] == 1, 15, "A to wait in the queue")
    a_joined = inbound(A).queued_at
    # B: the key during the offer (said after 5 s), then 1 while their number is read back
    sipp.call_pressing([(7.0, "1"), (4.0, "1")], hold=40.0, caller=B)
    await wait_for(lambda: board()["waiting"] == 2, 15, "B to wait behind A")
    b_joined = inbound(B).queued_at
    await wait_for(lambda: placed(1), 30, "B's call-back to be confirmed and its place taken")
    await wait_for(lambda: board()["callbacks_waiting"] == 1, 10, "B's place on the board")
    # C: the key, then 2 (another number), types it ending with #, and 1 when it is read back
    sipp.call_pressing([(7.0, "1"), (4.0, "2"), (3.0, f"{C_TYPED}#"), (3.0, "1")], hold=60.0, caller=C)
    await wait_for(lambda: inbound(C) is not None and inbound(C).queued_at is not None, 15, "C to join")
    c_joined = inbound(C).queued_at
    await wait_for(lambda: placed(2), 60, "C's call-back at the number C typed")
    await wait_for(lambda: board()["callbacks_waiting"] == 2, 10, "C's place on the board")
    reqs = {r.call_uniqueid: r for r in await desk.requests()}
    by_number = {r.number: r for r in reqs.values()}
    assert set(by_number) == {B, C_TYPED}  # only confirmed numbers: B's own, the one C typed (not C's own)
    assert (by_number[B].position, by_number[C_TYPED].position) == (2, 3)  # behind A; C behind B
    assert by_number[B].queued_at == b_joined and by_number[C_TYPED].queued_at == c_joined
    # the board: A and the two places waiting, as Asterisk counts its callers; the wait since A joined
    now = board()
    assert (now["waiting"], now["callbacks_waiting"]) == (3, 2) and now["oldest_queued_at"] == a_joined
    assert now["windows"]["today"]["offered"] == 3 and now["windows"]["today"]["abandoned"] == 0
    [summary] = [e for e in await stack.ami.queue_summary("support") if e.name == "QueueSummary"]
    assert int(summary["Callers"]) == 3
    full = (stack.layout.log / "full").read_text(errors="replace")
    offer = str(prompts / "cc-callback-offer-1")
    # the offer was said, in zh: found only as prompts/zh/cc-callback-offer-1 (Asterisk logs the name it was given)
    assert [ln for ln in full.splitlines() if f"Playing '{offer}." in ln and "(language 'zh')" in ln]
    assert not [ln for ln in full.splitlines() if "cc-callback-offer-1" in ln and "does not exist" in ln]

    async def press_ready() -> None:
        while True:
            a = stack.acd.agents[user.id]
            if a.state in ("wrapup", "paused"):
                await stack.acd.ready(user)
            await asyncio.sleep(0.1)

    async def hang_up_agent() -> None:
        await asyncio.sleep(1.0)
        agent = stack.acd.agents[user.id]
        assert agent.state == "on_call" and agent.channel
        await stack.ami.hangup(agent.channel)

    presser = asyncio.get_running_loop().create_task(press_ready())
    try:
        await wait_for(lambda: connected[:1] == [A], 20, "the agent to get A first")
        await hang_up_agent()
        await wait_for(lambda: len(connected) >= 2, 25, "the agent's second call")
        assert connected[1] == f"callback:{B}"  # B's place, at B's number
        out = next(c for c in stack.tracker.active.values() if c.direction == "outbound" and c.answered_at)
        assert out.agent_extension == "1001" and out.caller_number == B
        await hang_up_agent()
        await wait_for(lambda: len(connected) >= 3, 25, "the agent's third call")
        assert connected[2] == f"callback:{C_TYPED}"  # C's place, at the number C typed
        await hang_up_agent()
    finally:
        presser.cancel()
    await wait_for(lambda: board()["waiting"] == 0 and board()["callbacks_waiting"] == 0, 10, "an empty line")
    # the customer's phone was called at the confirmed numbers, in turn
    await wait_for(lambda: customer.poll() is not None, 15, "the customers' phone to end its two calls")
    log = "".join(p.read_text(errors="replace") for p in customer_dir.glob("*_messages.log"))
    assert re.findall(r"^\s*INVITE sip:([^@\s]+)@", log, re.M) == [B, C_TYPED], sorted(customer_dir.iterdir())
    # the customer's phone may have its BYE before the tracker has the leg's Hangup: the calls end, then are read
    await wait_for(lambda: not any(c.direction == "outbound" for c in stack.tracker.active.values()), 10,
                   "the call-backs' calls to end")
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search(limit=50)
    by = {(c.caller_number, c.direction): c for c in calls}
    for number in (B, C):
        assert (by[(number, "inbound")].outcome, by[(number, "inbound")].end_reason) == \
            ("callback", "callback_requested")
    assert by[(B, "outbound")].outcome == by[(C_TYPED, "outbound")].outcome == "answered"
    assert (C, "outbound") not in by
    assert len(await desk.requests()) == 2  # never twice
