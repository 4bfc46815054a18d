"""The running campaigns' figures on the board (issue 15, "Live campaign figures on the board"): the campaigns
service owns them and says when they change, the board's snapshot carries each running campaign's totals (and
only those), a delta follows each change — started, a number dialled by the pacer, its call answered — and a
campaign paused leaves the board; GET /api/board answers the same. Through the real wiring (a whole Stack, a fake
AMI, the fake clock), the board's own campaign loop running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import callcenter.wallboard.campaigns as board_campaigns
from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.clock import FakeClock
from tests.helpers import bearer, wait_for
from tests.unit.wired import FakeAmi, close_wired, wired_stack

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in the centre's timezone (Asia/Shanghai)
TEN = "number,name\n" + "".join(f"1390000{i:04d},Customer {i}\n" for i in range(10))


@dataclass
class Env:
    stack: Stack
    ami: FakeAmi
    client: httpx.AsyncClient
    lead: dict[str, str]

    async def ok(self, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        r = await self.client.request(method, url, headers=self.lead, **kw)
        assert r.status_code == status, r.text
        return r.json() if r.content else None

    async def pushed(self) -> dict[str, Any] | None:
        """The change was told to the board (the service's watcher), whose loop reads the figures again; the next
        push is the delta."""
        part = self.stack.board.campaigns
        told = part.marked
        await wait_for(lambda: part.read_upto >= told, 5, "the board to read the campaigns' figures again")
        return self.stack.board.tick()


@pytest.fixture
async def env(db_url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Env]:
    monkeypatch.setattr(board_campaigns, "MIN_INTERVAL", 0.02)
    stack, ami = await wired_stack(db_url, workdir, FakeClock(T0))
    stack.board.campaigns.start()
    try:
        agent = await stack.auth.create_user("li", "test-password-1", ["agent"], "Li")
        await stack.acd.login(agent, "1001")
        await stack.acd.ready(agent)
        ami.take()
        lead = await bearer(stack, ("supervisor",), "lead")
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield Env(stack, ami, client, lead)
    finally:
        await stack.board.campaigns.stop()
        await stack.campaigns.campaigns.flush()
        await close_wired(stack)


async def test_the_board_carries_each_running_campaigns_totals_and_a_delta_follows_each_change(env: Env) -> None:
    board = env.stack.board
    board.tick()
    assert board.snapshot()["campaigns"] == {}
    c = await env.ok("POST", "/api/campaigns", 201, json={
        "name": "Renewals", "mode": "progressive", "agents": ["li"], "hours_from": "00:00", "hours_to": "23:59"})
    await env.ok("POST", f"/api/campaigns/{c['id']}/numbers", json={"csv": TEN})
    await env.pushed()
    assert board.snapshot()["campaigns"] == {}  # a draft is not on the board: running campaigns only
    key = str(c["id"])

    # started: on the board, its totals only
    await env.ok("POST", f"/api/campaigns/{c['id']}/start")
    delta = await env.pushed()
    totals = {"id": c["id"], "name": "Renewals", "mode": "progressive", "numbers": 10, "dialled": 0,
              "connected": 0, "remaining": 10, "by_outcome": {}}
    assert delta is not None and delta["campaigns"] == {key: totals}
    assert board.snapshot()["campaigns"] == {key: totals}
    snap = await env.ok("GET", "/api/board")  # the same over HTTP (SnapshotOut)
    assert snap["campaigns"] == {key: totals}
    assert board.tick() is None  # nothing changed since

    # the pacer dials the first number for the ready agent: dialled 1, still remaining (on a call)
    assert await env.stack.campaigns.campaigns.tick() == 1
    [(_, fields)] = [a for a in env.ami.take() if a[0] == "originate"]
    uid = fields["channel_id"]
    delta = await env.pushed()
    assert delta is not None and delta["campaigns"][key] == {**totals, "dialled": 1}

    # the customer answers and the call ends: connected 1, remaining 9, by outcome
    leg = {"Uniqueid": uid, "Linkedid": uid, "Channel": "PJSIP/1001-0001"}
    for ev in ({**leg, "Event": "DialBegin"}, {**leg, "Event": "DialEnd", "DialStatus": "ANSWER"},
               {**leg, "Event": "Hangup", "Cause": "16"}):
        await env.stack.ami.dispatcher.dispatch(AmiEvent(ev))
    await env.stack.campaigns.campaigns.flush()
    delta = await env.pushed()
    after = {**totals, "dialled": 1, "connected": 1, "remaining": 9, "by_outcome": {"answered": 1}}
    assert delta is not None and delta["campaigns"] == {key: after}
    figures = await env.ok("GET", f"/api/campaigns/{c['id']}")  # one owner: the same as the campaign's figures
    assert {k: figures[k] for k in ("dialled", "connected", "remaining", "by_outcome")} == {
        k: after[k] for k in ("dialled", "connected", "remaining", "by_outcome")}

    # paused: gone from the board
    await env.ok("POST", f"/api/campaigns/{c['id']}/pause")
    delta = await env.pushed()
    assert delta is not None and delta["campaigns_gone"] == [key] and "campaigns" not in delta
    assert board.snapshot()["campaigns"] == {}
    assert (await env.ok("GET", "/api/board"))["campaigns"] == {}
