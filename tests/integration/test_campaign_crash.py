"""Asterisk killed mid-campaign (issue 15, "Bad input and faults": "Asterisk restarting mid-campaign: the campaign
resumes without dialling anyone twice inside the retry spacing"), on a real Asterisk: a progressive campaign with
one agent (a SIPp phone that answers) and two numbers whose SIPp customer behind the trunk lets it ring for 4 s and
then gives up (480). While the first number's customer is ringing, the managed Asterisk is killed (``kill -9``);
the supervisor starts it again, the call tracker's resync ends the lost call, and the campaign counts it as an
attempt of that number (the customer's phone did ring). The campaign then goes on by itself: the second number is
dialled at once, the first only after its retry spacing from the lost call — never sooner — and each number's
calls are stored as outbound calls, the lost one with its end reason."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from typing import Any

import pytest

from callcenter.app import Stack
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, kill_asterisk, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]

CUSTOMER_PORT = free_udp_port("127.0.0.2")
FIRST, SECOND = "13900001111", "13900002222"
FAILED_SPACING_MINUTES = 0.25  # 15 s after a failed (lost) attempt
NO_ANSWER_SPACING_MINUTES = 30.0  # the second number, not answered, waits longer than the test


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
                                              "campaigns": {"tick_seconds": 0.1, "agent_missed_retry_seconds": 1}}])
async def test_asterisk_killed_mid_campaign_resumes_without_dialling_inside_the_spacing(
        stack: Stack, sipp: Sipp) -> None:
    user = await agent_user(stack, "crashc", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    phone = sipp.answer(seat.extension, port, calls=3, ring_ms=100)
    customer = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_rings.xml"), "-s", "customer",
         "-i", "127.0.0.2", "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "3", "-d", "4000",
         "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer)
    agent = stack.acd.agents[user.id]

    async def press_ready() -> None:  # after each call, as the desktop's "ready" (F4) does
        while True:
            if agent.state == "wrapup":
                await stack.acd.ready(user)
            await asyncio.sleep(0.05)

    presser = asyncio.get_running_loop().create_task(press_ready())
    svc = stack.campaigns.campaigns
    try:
        c = await svc.create("lead", {"name": "crash", "mode": "progressive", "agents": ["crashc"],
                                      "hours_from": "00:00", "hours_to": "23:59", "days": [1, 2, 3, 4, 5, 6, 7],
                                      "retry": {"busy": 10, "no_answer": NO_ANSWER_SPACING_MINUTES,
                                                "failed": FAILED_SPACING_MINUTES},
                                      "max_attempts": 2, "script": ""})
        await svc.import_csv("lead", c.id, f"number\n{FIRST}\n{SECOND}\n")
        await svc.transition("lead", c.id, "start")

        def ringing_customer() -> Any:  # the first number's call, the customer's phone ringing (DialBegin seen)
            return next((x for x in stack.tracker.active.values() if x.direction == "outbound"
                         and x.caller_number == FIRST and x.dial_status == "DIALLING"), None)

        await wait_for(ringing_customer, 30, "the first number's customer to ring")
        lost_uid = ringing_customer().uniqueid
        await kill_asterisk(stack)
        # the phone's registration died with Asterisk (kill -9: nothing written): the phone registers again, as a
        # real one does when its registration is refused or expires; meanwhile no call is placed to that seat
        phone.kill()
        phone.wait(5)
        sipp.register(seat.extension, seat.password, port)
        sipp.answer(seat.extension, port, calls=2, ring_ms=100)

        async def numbers() -> dict[str, Any]:
            rows, _ = await svc.repo.numbers(c.id, None, 10, 0)
            return {n.number: n for n in rows}

        async def first_settled() -> bool:
            n = (await numbers())[FIRST]
            return n.state == "pending" and n.last_outcome is not None

        await wait_for(first_settled, 30, "the lost call to be counted on its number")
        lost = (await numbers())[FIRST]
        assert (lost.attempts, lost.last_outcome) == (1, "failed")  # the customer rang: one attempt, not zero
        assert lost.next_at is not None and lost.last_at is not None
        assert lost.next_at - lost.last_at >= timedelta(minutes=FAILED_SPACING_MINUTES) - timedelta(seconds=0.5)

        async def both_tried() -> bool:
            n = await numbers()
            return n[FIRST].state == "exhausted" and n[SECOND].attempts == 1 and n[SECOND].state == "pending"

        await wait_for(both_tried, 60, "the second number dialled and the first one again after its spacing")
    finally:
        presser.cancel()
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search(limit=100)
    outbound = sorted((x for x in calls if x.direction == "outbound"), key=lambda x: x.arrived_at)
    assert [x.caller_number for x in outbound] == [FIRST, SECOND, FIRST]  # nobody dialled twice in a row
    first, second_number, again = outbound
    assert first.uniqueid == lost_uid and first.ended_at is not None
    assert (first.outcome, first.end_reason) == ("failed", "lost_during_disconnect")
    assert (second_number.outcome, again.outcome) == ("no_answer", "no_answer")
    # the first number's second call no sooner than its spacing after the call the crash cut
    assert again.arrived_at - first.ended_at >= timedelta(minutes=FAILED_SPACING_MINUTES) - timedelta(seconds=0.5)
    n = (await numbers())[SECOND]
    assert n.next_at is not None and n.next_at - n.last_at >= timedelta(minutes=NO_ANSWER_SPACING_MINUTES - 0.1)
