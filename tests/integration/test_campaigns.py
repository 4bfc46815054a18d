"""A progressive campaign on a real Asterisk (issue 15, "4. Campaigns"): two agents with SIPp phones that answer,
ten numbers whose SIPp customer behind the trunk never answers (180, then 480); the pacer places each call —
the agent's phone first, then the customer — never more than two in flight (the ready agents), and dials each
number by its retry rule (two attempts, the second no sooner than the no-answer spacing after the first), so
twenty calls in all; every number ends exhausted. The agents press "ready" after each call, as on the desktop."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from typing import Any

import pytest

from callcenter.app import Stack
from tests.helpers import SIPP_DIR, Sipp, agent_user, free_media_port, free_udp_port, wait_for

CUSTOMER_PORT = free_udp_port("127.0.0.2")
NUMBERS = [f"1390000{i:04d}" for i in range(10)]
SPACING_MINUTES = 0.05  # 3 s between a number's two attempts


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"outbound_host": f"127.0.0.2:{CUSTOMER_PORT}"},
                                              "campaigns": {"tick_seconds": 0.1}}])
async def test_a_progressive_campaign_never_has_more_calls_in_flight_than_ready_agents(
        stack: Stack, sipp: Sipp) -> None:
    users = []
    for name, seat in (("pc1", "1001"), ("pc2", "1002")):
        users.append(await agent_user(stack, name, {"support": "senior"}, seat, ready=True))
        port = free_udp_port()
        spec = next(a for a in stack.settings.agents if a.extension == seat)
        sipp.register(spec.extension, spec.password, port)
        sipp.answer(spec.extension, port, calls=20, ring_ms=100)
    customer = subprocess.Popen(
        [Sipp.binary(), sipp.target, "-sf", str(SIPP_DIR / "customer_unanswered.xml"), "-s", "customer",
         "-i", "127.0.0.2", "-p", str(CUSTOMER_PORT), "-mp", str(free_media_port()), "-m", "20", "-nostdin"],
        cwd=sipp.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sipp.procs.append(customer)

    in_flight: list[int] = []

    def watch(_: Any) -> None:
        in_flight.append(sum(1 for c in stack.tracker.active.values() if c.direction == "outbound"))

    stack.tracker.watch(watch)

    async def agents_press_ready() -> None:  # after each call, as the desktop's "ready" (F4) does
        while True:
            for u in users:
                if stack.acd.agents[u.id].state == "wrapup":
                    await stack.acd.ready(u)
            await asyncio.sleep(0.05)

    presser = asyncio.get_running_loop().create_task(agents_press_ready())
    svc = stack.campaigns.campaigns
    try:
        c = await svc.create("lead", {"name": "renewals", "mode": "progressive", "agents": ["pc1", "pc2"],
                                      "hours_from": "00:00", "hours_to": "23:59", "days": [1, 2, 3, 4, 5, 6, 7],
                                      "retry": {"busy": 10, "no_answer": SPACING_MINUTES, "failed": 30},
                                      "max_attempts": 2, "script": ""})
        await svc.import_csv("lead", c.id, "number\n" + "\n".join(NUMBERS) + "\n")
        await svc.transition("lead", c.id, "start")

        async def all_exhausted() -> bool:
            rows, _ = await svc.repo.numbers(c.id, None, 100, 0)
            return all(n.state == "exhausted" for n in rows)

        await wait_for(all_exhausted, 90, "every number to be tried twice")
    finally:
        presser.cancel()
    rows, _ = await svc.repo.numbers(c.id, None, 100, 0)
    assert sorted(n.number for n in rows) == NUMBERS
    assert {(n.attempts, n.last_outcome) for n in rows} == {(2, "no_answer")}
    assert max(in_flight) == 2  # both agents busy at once, never a third call
    # each number's two calls, stored as outbound calls of the campaign's agents, spaced by the retry rule
    await stack.tracker.flush()
    calls, _ = await stack.calls_repo.search(limit=100)
    outbound = [x for x in calls if x.direction == "outbound"]
    assert len(outbound) == 20 and {x.outcome for x in outbound} == {"no_answer"}
    assert {x.agent_username for x in outbound} == {"pc1", "pc2"}
    for number in NUMBERS:
        first, second = sorted((x for x in outbound if x.caller_number == number), key=lambda x: x.arrived_at)
        assert first.ended_at is not None and second.arrived_at is not None
        assert second.arrived_at - first.ended_at >= timedelta(minutes=SPACING_MINUTES) - timedelta(seconds=0.5)
    assert customer.wait(10) == 0, "the SIPp customer's scenario failed"
