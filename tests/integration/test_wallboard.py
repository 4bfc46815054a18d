"""The wallboard on a real Asterisk with SIPp callers and phones: a burst of calls with some abandoned, the
board's figures (pushed over /ws/board) equal Asterisk's own QueueSummary/QueueStatus within 1 s, and survive an
Asterisk restart (which resets Asterisk's own counters); supervisor
listen rings the supervisor's seat into a ChanSpy on the agent's call."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import pytest
import websockets

from callcenter.app import Stack
from callcenter.reports.intervals import Request
from tests.exactness import assert_matches_asterisk, asterisk_figures
from tests.helpers import Served, Sipp, agent_user, free_udp_port, route_all_calls_to, set_queue, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _phone(stack: Stack, sipp: Sipp, extension: str, calls: int = 1) -> Any:
    seat = next(a for a in stack.settings.agents if a.extension == extension)
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    return sipp.answer(seat.extension, port, calls=calls)


class BoardView:
    """A board client: the snapshot, then every delta applied, as the page does."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.queues: dict[str, Any] = {}
        self.agents: dict[str, Any] = {}
        self.messages = 0
        self._task = asyncio.create_task(self._read())

    def close(self) -> None:
        self._task.cancel()

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            self.messages += 1
            if msg["type"] == "snapshot":
                self.queues, self.agents = msg["queues"], msg["agents"]
            elif msg["type"] == "delta":
                self.queues.update(msg.get("queues", {}))
                self.agents.update(msg.get("agents", {}))
                for u in msg.get("agents_gone", []):
                    self.agents.pop(u, None)

    def figures(self, queue: str) -> dict[str, int]:
        q = self.queues[queue]
        today = q["windows"]["today"]
        return {"waiting": q["waiting"], "logged_in": q["agents"]["logged_in"], "completed": today["completed"],
                "abandoned": today["abandoned"]}


async def test_board_figures_equal_asterisks_after_a_burst_with_abandons(stack: Stack, sipp: Sipp) -> None:
    since = stack.clock.now() - timedelta(seconds=1)
    await route_all_calls_to(stack, "support")
    await set_queue(stack, "support", wrapup_seconds=0)
    await agent_user(stack, "solo", {"support": "senior"}, "1001", ready=True)
    _phone(stack, sipp, "1001", calls=2)
    token, _ = await stack.auth.login(*(await _supervisor(stack)), "t")
    async with Served(stack) as srv, websockets.connect(
            f"{srv.ws_base}/ws/board", additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        view = BoardView(ws)
        await wait_for(lambda: "support" in view.queues, 5, "the snapshot")
        try:
            # one agent: A is answered and talks ~7 s; meanwhile B and C give up waiting (2.5 s, 3 s) and D waits
            # until A is done, then is answered
            a = sipp.call_pressing([], hold=8, caller="13800000001")
            await wait_for(lambda: view.agents.get("solo", {}).get("state") == "on_call", 15, "the agent on A")
            others = [sipp.call_pressing([], hold=h, caller=f"1380000000{i}") for i, h in ((2, 2.5), (3, 3), (4, 16))]
            await wait_for(lambda: view.queues["support"]["waiting"] == 3, 10, "three callers waiting on the board")
            await assert_matches_asterisk(stack, "support", since)  # mid-burst too
            for p in (a, *others):
                assert await asyncio.to_thread(p.wait, 30) == 0
            last_event = time.monotonic()
            theirs = await asterisk_figures(stack, "support")
            assert theirs["completed"] == 2 and theirs["abandoned"] == 2, theirs
            await wait_for(lambda: view.figures("support") == theirs, 1.0,
                           "the board (websocket) to show Asterisk's figures within 1 s of the last event")
            lag = time.monotonic() - last_event
            assert await assert_matches_asterisk(stack, "support", since, within=0) == theirs
            today = view.queues["support"]["windows"]["today"]
            assert (today["offered"], today["answered"], today["abandoned"]) == (4, 2, 2)
            assert view.agents["solo"]["calls_today"] == 2
            # the interval report's "today" counts the same calls the same way (docs/reports.md)
            await stack.reports.rollups.tick()
            start, end = stack.reports.intervals.span(None, None, "day", stack.clock.now())
            rep = await stack.reports.intervals.report(Request("queue", start, end, "day", ("support",)))
            for k in ("offered", "answered", "abandoned", "timed_out", "answered_in_sl", "service_level", "asa"):
                assert rep["totals"][k] == today[k], (k, rep["totals"], today)
            # Asterisk restarts: its own counters start again from 0, today's figures on the board do not
            before = stack.ami.status.connects
            assert stack.asterisk_process is not None
            await stack.asterisk_process.rx("core restart now")
            await wait_for(lambda: stack.ami.status.connects > before and stack.ami.ready, 40, "reconnect + resync")
            assert (await asterisk_figures(stack, "support"))["completed"] == 0
            await asyncio.sleep(0.6)  # a couple of pushes
            today = view.queues["support"]["windows"]["today"]
            assert (today["offered"], today["answered"], today["abandoned"]) == (4, 2, 2)
            assert view.agents["solo"]["calls_today"] == 2 and view.queues["support"]["agents"]["logged_in"] == 1
        finally:
            view.close()
    print(f"board caught up with Asterisk {lag * 1000:.0f} ms after the last caller hung up")


async def _supervisor(stack: Stack) -> tuple[str, str]:
    await stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    return "lead", "test-password-1"


async def test_supervisor_listen_rings_their_seat_into_chanspy_on_the_agents_call(stack: Stack,
                                                                                  sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    await agent_user(stack, "li", {"support": "senior"}, "1001", ready=True)
    _phone(stack, sipp, "1001")
    _phone(stack, sipp, "1002")  # the supervisor's phone
    sipp.call_pressing([], hold=15, caller="13800138000")
    await wait_for(lambda: stack.acd.by_ext["1001"].state == "on_call", 15, "the agent to answer")
    user, password = await _supervisor(stack)
    token, _ = await stack.auth.login(user, password, "t")
    agent_token, _ = await stack.auth.login("li", "test-password-1", "t")
    async with Served(stack) as srv:
        import httpx

        async with httpx.AsyncClient(base_url=srv.base, headers={"Authorization": f"Bearer {token}"}) as c:
            r = await c.post("/api/board/agents/li/spy", json={"mode": "listen", "seat": "1002"})
            assert r.status_code == 200, r.text
        agent_channel = stack.acd.by_ext["1001"].channel
        assert agent_channel and agent_channel.startswith("PJSIP/1001-")

        async def spying() -> list[dict[str, str]]:
            return [c for c in await stack.ami.core_show_channels()
                    if c.get("Channel", "").startswith("PJSIP/1002-") and c.get("Application") == "ChanSpy"]

        await wait_for(lambda: _nonempty(spying), 15, "a ChanSpy channel at the supervisor's seat")
        [chan] = await spying()
        assert chan["ApplicationData"].startswith(f"{agent_channel},q")
        # the board's socket is for supervisors only
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as refused:
            async with websockets.connect(f"{srv.ws_base}/ws/board",
                                          additional_headers={"Authorization": f"Bearer {agent_token}"}) as ws:
                await ws.recv()
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403


async def _nonempty(f: Any) -> bool:
    return bool(await f())
