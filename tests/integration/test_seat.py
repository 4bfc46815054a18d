"""Seat discipline on a real Asterisk: the away threshold (set to seconds) records the violation in the database
and raises it on the supervisor's /ws/board at the threshold; a SIPp phone registered with qualify that stops
answering OPTIONS makes its agent away (source "phone") until it answers again."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from callcenter.app import Stack
from callcenter.seat.models import AwayEpisode
from tests.helpers import Served, Sipp, agent_user, free_udp_port, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]
# warning at 1.2 s, violation at 3 s of one away episode
FAST = {"away_warning_minutes": 0.02, "away_violation_minutes": 0.05, "check_interval_seconds": 0.2}


async def _episodes(stack: Stack, username: str) -> list[AwayEpisode]:
    """The agent's episodes, without the moment between the login (not ready, which counts as away too) and
    going ready that every test starts with."""
    async with stack.sessions() as s:
        return [e for e in (await s.execute(select(AwayEpisode).where(AwayEpisode.username == username)
                                            .order_by(AwayEpisode.id))).scalars() if e.reason != "not_ready"]


def _register(stack: Stack, sipp: Sipp, extension: str) -> int:
    seat = next(a for a in stack.settings.agents if a.extension == extension)
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    return port


class Socket:
    """Every message of a websocket, read in the background."""

    def __init__(self, ws: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        self._task = asyncio.create_task(self._read(ws))

    async def _read(self, ws: Any) -> None:
        async for raw in ws:
            self.messages.append(json.loads(raw))

    def close(self) -> None:
        self._task.cancel()

    def away_alerts(self, username: str) -> list[dict[str, Any]]:
        return [a for m in self.messages if m["type"] == "delta" for a in m.get("alerts_raised", [])
                if a["kind"] == "away" and a["username"] == username]


@pytest.mark.parametrize("stack_overrides", [{"seat": FAST}])
async def test_an_away_pause_is_a_violation_in_the_db_and_on_the_supervisors_board_at_the_threshold(
        stack: Stack, sipp: Sipp) -> None:
    _register(stack, sipp, "1001")  # the phone is there: only the pause counts
    await agent_user(stack, "li", {"support": "senior"}, "1001", ready=True)
    await stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    lead, _ = await stack.auth.login("lead", "test-password-1", "t")
    agent, _ = await stack.auth.login("li", "test-password-1", "t")
    async with Served(stack) as srv, \
            websockets.connect(f"{srv.ws_base}/ws/board", additional_headers={"Authorization": f"Bearer {lead}"}
                               ) as board_ws, \
            websockets.connect(f"{srv.ws_base}/ws/agent", additional_headers={"Authorization": f"Bearer {agent}"}
                               ) as desk_ws:
        board, desk = Socket(board_ws), Socket(desk_ws)
        try:
            await wait_for(lambda: board.messages and desk.messages, 5, "the snapshot and the hello")
            async with httpx.AsyncClient(base_url=srv.base, headers={"Authorization": f"Bearer {agent}"}) as c:
                r = await c.post("/api/agent/pause", json={"reason": "away"})
                assert r.status_code == 200, r.text
            await wait_for(lambda: board.away_alerts("li"), 15, "the away alert on the supervisor's board")
            [alert] = board.away_alerts("li")
            assert alert["detail"]["violation"] is True and alert["detail"]["sources"] == ["pause"]
            await wait_for(lambda: any(m.get("kind") == "away_violation" for m in desk.messages), 5,
                           "the violation on the agent's desktop")
            [ep] = await _episodes(stack, "li")
            # recorded at the threshold, while the agent is still away (not when the episode ends)
            assert ep.ended_at is None and ep.violation_at == ep.started_at + timedelta(seconds=3)
            assert (ep.source, ep.reason, ep.warning_at) == ("pause", "away", ep.started_at + timedelta(seconds=1.2))
        finally:
            board.close()
            desk.close()


@pytest.mark.parametrize("stack_overrides", [{"seat": {**FAST, "qualify_frequency_seconds": 1}}])
async def test_a_phone_that_stops_answering_options_makes_its_agent_away(stack: Stack, sipp: Sipp) -> None:
    port = _register(stack, sipp, "1001")
    phone = sipp.answer_options("1001", port)
    await wait_for(lambda: getattr(stack.seat.phones.get("1001"), "status", "") == "Reachable", 20,
                   "Asterisk's qualify to find the phone reachable")
    await agent_user(stack, "li", {"support": "senior"}, "1001", ready=True)
    assert stack.seat.away_status("li") is None
    phone.kill()  # unplugged: OPTIONS go unanswered
    await asyncio.to_thread(phone.wait)

    async def away() -> bool:
        return any(e.ended_at is None for e in await _episodes(stack, "li"))

    await wait_for(away, 20, "the agent to count as away")
    [ep] = await _episodes(stack, "li")
    assert (ep.source, ep.reason) == ("phone", "phone_unreachable")
    await wait_for(lambda: (stack.seat.away_status("li") or {}).get("level") == "violation", 10, "the violation")
    sipp.answer_options("1001", port)  # plugged in again

    async def back() -> bool:
        return all(e.ended_at is not None for e in await _episodes(stack, "li"))

    await wait_for(back, 20, "the agent to be back")
    [ep] = await _episodes(stack, "li")
    assert ep.end_reason == "back" and ep.violation_at == ep.started_at + timedelta(seconds=3)
