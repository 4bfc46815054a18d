"""The wallboard's figures, alerts and pushes from scripted AMI events on an injected clock, through the real
wiring (call tracker, agent states, board) with a fake AMI; restart = a second Stack on the same database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.auth.models import AuditEntry, User
from callcenter.clock import FakeClock
from callcenter.errors import Conflict, InvalidInput
from callcenter.realtime.notify import BOARD_TOPIC, agent_topic
from callcenter.wallboard.figures import FactLog, _vec, shift_start
from tests.helpers import bearer, wait_for
from tests.unit.test_acd_service import FakeAmi
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
# 09:00 in the centre's timezone (Asia/Shanghai, UTC+8)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Env:
    def __init__(self, stack: Stack, ami: FakeAmi, clock: FakeClock) -> None:
        self.stack = stack
        self.ami = ami
        self.clock = clock
        self.board = stack.board
        self.user: User | None = None

    async def ev(self, name: str, **fields: str) -> None:
        ev = AmiEvent(Event=name, Timestamp=f"{self.clock.now().timestamp():.6f}", **fields)
        await self.stack.dispatcher.dispatch(ev)

    async def agent(self, name: str, ext: str, queue: str = "support", ready: bool = True) -> User:
        user = await self.stack.auth.create_user(name, "test-password-1", ["agent"], name.title())
        await self.stack.directory_repo.set_skill(user.id, queue, "senior")
        await self.stack.acd.login(user, ext)
        self.user = user
        if ready:
            await self.stack.acd.ready(user)
        return user

    async def arrive(self, uid: str, number: str = "13800000000", queue: str = "support") -> None:
        await self.ev("Newchannel", Uniqueid=uid, Linkedid=uid, Context="from-trunk", Channel=f"PJSIP/trunk-{uid}",
                      CallerIDNum=number, Exten="4000")
        await self.ev("QueueCallerJoin", Uniqueid=uid, Queue=queue, Position="1", CallerIDNum=number)

    async def answer(self, uid: str, ext: str = "1001", queue: str = "support") -> None:
        agent = {"Uniqueid": uid, "Queue": queue, "Interface": f"PJSIP/{ext}", "Channel": f"PJSIP/trunk-{uid}",
                 "DestChannel": f"PJSIP/{ext}-{uid}", "MemberName": "x"}
        await self.ev("AgentCalled", **agent)
        await self.ev("QueueCallerLeave", Uniqueid=uid, Queue=queue)
        await self.ev("AgentConnect", **agent, HoldTime="0")

    async def hang_up(self, uid: str, ext: str = "1001", queue: str = "support", talk: int = 0) -> None:
        await self.ev("AgentComplete", Uniqueid=uid, Queue=queue, Interface=f"PJSIP/{ext}", TalkTime=str(talk),
                      Reason="caller")
        await self.ev("Hangup", Uniqueid=uid, Channel=f"PJSIP/trunk-{uid}", Cause="16")

    async def abandon(self, uid: str, queue: str = "support") -> None:
        await self.ev("QueueCallerAbandon", Uniqueid=uid, Queue=queue)
        await self.ev("QueueCallerLeave", Uniqueid=uid, Queue=queue)
        await self.ev("Hangup", Uniqueid=uid, Channel=f"PJSIP/trunk-{uid}", Cause="16")

    async def time_out(self, uid: str, queue: str = "support") -> None:
        await self.ev("QueueCallerLeave", Uniqueid=uid, Queue=queue)
        await self.ev("Hangup", Uniqueid=uid, Channel=f"PJSIP/trunk-{uid}", Cause="16")

    def q(self, queue: str = "support") -> dict[str, Any]:
        queues, _ = self.board.queue_figures(self.clock.now())
        return queues[queue]

    def w(self, window: str, queue: str = "support") -> dict[str, Any]:
        return self.q(queue)["windows"][window]  # type: ignore[no-any-return]


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock)
    try:
        yield Env(stack, ami, clock)
    finally:
        await close_wired(stack)


async def _script_morning(env: Env) -> None:
    """09:00 local: c1 waits 10 s, talks 60 s, 20 s of wrap-up; c2 waits 30 s (over the 20 s threshold) and talks
    120 s; c3 hangs up after 5 s in the queue; c4 leaves the queue unanswered after 40 s; c5 is still waiting."""
    await env.agent("li", "1001")
    await env.arrive("c1")
    env.clock.advance(10)
    await env.answer("c1")
    env.clock.advance(60)
    await env.hang_up("c1", talk=60)
    env.clock.advance(20)  # 20 s of wrap-up
    await env.stack.acd.ready(env.user)
    await env.arrive("c2")
    env.clock.advance(30)
    await env.answer("c2")
    env.clock.advance(120)
    await env.hang_up("c2", talk=120)
    await env.arrive("c3")
    env.clock.advance(5)
    await env.abandon("c3")
    await env.arrive("c4")
    env.clock.advance(40)
    await env.time_out("c4")
    await env.arrive("c5", number="13900000005")
    env.clock.advance(12)


async def test_each_figure_from_a_scripted_morning(env: Env) -> None:
    await _script_morning(env)
    q = env.q()
    assert (q["waiting"], q["longest_wait"]) == (1, 12.0)
    today = env.w("today")
    assert {k: today[k] for k in ("offered", "answered", "abandoned", "timed_out", "answered_in_sl", "completed")
            } == {"offered": 5, "answered": 2, "abandoned": 1, "timed_out": 1, "answered_in_sl": 1, "completed": 2}
    assert today["service_level"] == 33.3  # 1 in 20 s of (2 answered + 1 abandoned)
    assert today["abandon_rate"] == 33.3
    assert today["asa"] == 20.0  # (10 + 30) / 2
    assert today["att"] == 90.0  # talk: (60 + 120) / 2
    assert today["acw"] == 10.0  # wrap-up: 20 s after c1 (c2's has not ended yet) / 2 calls
    assert today["aht"] == 100.0  # talk + wrap-up
    assert today["start"] == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # local midnight
    assert env.w("hour") == {k: v for k, v in today.items() if k != "start"}
    assert env.w("shift")["name"] == "day" and env.w("shift")["start"] == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    # the other queues saw nothing; the totals add the queues up
    assert env.w("today", "complaints")["offered"] == 0 and env.w("today", "complaints")["service_level"] is None
    _, totals = env.board.queue_figures(env.clock.now())
    assert totals["windows"]["today"]["offered"] == 5 and totals["waiting"] == 1
    assert q["agents"] == {"logged_in": 1, "ready": 0, "ringing": 0, "on_call": 0, "wrapup": 1, "paused": 0}
    # the 60-minute window slides: an hour later only the still-waiting c5's entry... is gone too
    env.clock.advance(3600)
    assert env.w("hour")["offered"] == 0 and env.w("hour")["asa"] is None
    assert env.w("today")["offered"] == 5


async def test_calls_spanning_midnight_count_on_the_day_of_each_event(env: Env) -> None:
    env.clock.set(datetime(2026, 3, 2, 15, 59, 50, tzinfo=UTC))  # 23:59:50 local
    await env.agent("li", "1001")
    await env.arrive("late")
    env.clock.advance(5)
    env.board.tick()
    before = env.w("today")
    assert (before["offered"], before["answered"]) == (1, 0)
    env.clock.advance(15)  # 00:00:10: answered after 20 s, within the threshold
    await env.answer("late")
    env.board.tick()
    after = env.w("today")
    assert after["start"] == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert (after["offered"], after["answered"], after["answered_in_sl"], after["asa"]) == (0, 1, 1, 20.0)
    assert env.board.calls_today == {"li": 1}  # answered on the new day
    env.clock.advance(60)
    await env.hang_up("late", talk=60)
    assert env.w("today")["aht"] == 60.0
    # the shift: the night shift started at 20:00 local the day before
    assert env.w("shift")["name"] == "night"
    assert env.w("shift")["start"] == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert env.w("shift")["offered"] == 1  # within the shift, across midnight


async def test_an_agents_calls_today_restart_at_midnight(env: Env) -> None:
    env.clock.set(datetime(2026, 3, 2, 15, 50, tzinfo=UTC))  # 23:50 local
    await env.agent("li", "1001")
    await env.arrive("c1")
    await env.answer("c1")
    await env.hang_up("c1", talk=5)
    env.board.tick()
    assert env.board.snapshot()["agents"]["li"]["calls_today"] == 1
    env.clock.advance(11 * 60)  # 00:01 local
    delta = env.board.tick()
    assert delta is not None and delta["agents"]["li"]["calls_today"] == 0
    assert delta["queues"]["support"]["windows"]["today"]["answered"] == 0


async def test_a_service_restart_mid_day_keeps_the_figures(env: Env, db_url: str, workdir: Path) -> None:
    await _script_morning(env)
    await env.stack.acd.ready(env.user)  # c2's wrap-up ends (57 s)
    env.board.tick()
    before = env.board.snapshot()
    assert before["queues"]["support"]["windows"]["today"]["acw"] == 38.5  # (20 + 57) / 2
    await env.stack.tracker.flush()
    await env.stack.acd.flush()
    again, _ = await wired_stack(db_url, workdir, env.clock)
    try:
        after = again.board.snapshot()
        for w in ("today", "hour", "shift"):
            assert after["queues"]["support"]["windows"][w] == before["queues"]["support"]["windows"][w]
        assert after["queues"]["support"]["waiting"] == 1  # c5 is still waiting (an open call in the DB)
        assert after["queues"]["support"]["oldest_queued_at"] == before["queues"]["support"]["oldest_queued_at"]
        assert after["agents"]["li"]["calls_today"] == 2
        assert after["agents"]["li"]["extension"] == "1001"
        # the chart is rebuilt from the stored calls: c4 was waiting at 09:04
        points = {p["at"]: p for p in after["series"]}
        assert points[T0 + timedelta(minutes=4)]["queues"]["support"]["waiting"] == 1
        assert points[T0 + timedelta(minutes=2)]["waiting"] == 0
        # the waiting caller is then answered after the restart: counted once
        renv = Env(again, FakeAmi(), env.clock)
        await renv.answer("c5")
        assert renv.w("today")["offered"] == 5 and renv.w("today")["answered"] == 3
    finally:
        await close_wired(again)


async def test_the_chart_is_rebuilt_from_stored_calls(env: Env) -> None:
    await env.agent("li", "1001")
    await env.arrive("a")
    await env.arrive("b")
    env.clock.advance(120)  # both wait 2 minutes
    await env.answer("a")
    await env.abandon("b")
    env.clock.advance(120)
    await env.hang_up("a", talk=120)
    env.board.chart.backfill([*await env.stack.calls_repo.queued_since(T0 - timedelta(hours=1))],
                             env.clock.now())
    points = {p["at"]: p for p in env.board.series}
    assert points[T0 + timedelta(minutes=1)]["waiting"] == 2
    assert points[T0 + timedelta(minutes=1)]["queues"]["support"]["waiting"] == 2
    assert points[T0 + timedelta(minutes=3)]["waiting"] == 0
    # service level over the 15 minutes before each point: a answered after 120 s (late), b abandoned
    assert points[T0 + timedelta(minutes=3)]["service_level"] == 0.0
    assert points[T0]["service_level"] is None
    assert len(env.board.series) == 4 * 60  # the last 4 hours, one point a minute
    assert env.board.series[-1]["at"] == T0 + timedelta(minutes=4)


async def test_pushes_are_coalesced_deltas_of_what_changed(env: Env) -> None:
    sent: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    async def close(code: int, reason: str) -> None:
        pass

    await env.agent("li", "1001")
    env.board.tick()
    client = env.stack.hub.register(send, close, {BOARD_TOPIC}, label="t")
    env.stack.hub.send_one(client, env.board.snapshot())
    await env.arrive("c1")
    env.clock.advance(1)
    await env.arrive("c2")
    env.clock.advance(1)
    await env.answer("c1")
    assert env.board.tick() is not None
    assert env.board.tick() is None  # nothing changed since
    await wait_for(lambda: len(sent) >= 2, 5, "the snapshot and the delta to be sent")
    await env.stack.hub.unregister(client)
    snap, delta = sent[0], sent[1]
    assert len(sent) == 2 and snap["type"] == "snapshot" and delta["type"] == "delta"
    assert snap["queues"]["support"]["waiting"] == 0 and snap["agents"]["li"]["state"] == "ready"
    # one message for three calls' events: the queue that changed, the totals, the agent
    assert set(delta["queues"]) == {"support"}
    assert delta["queues"]["support"]["waiting"] == 1
    assert delta["queues"]["support"]["windows"]["today"]["offered"] == 2
    assert delta["totals"]["waiting"] == 1
    assert delta["agents"]["li"]["state"] == "on_call"
    assert delta["agents"]["li"]["caller_number"] == "13800000000" and delta["agents"]["li"]["calls_today"] == 1
    assert delta["src"] == [T0.timestamp(), T0.timestamp() + 2]  # the first and the last event folded in
    # boards connecting between two pushes share one serialised snapshot, as of the last push
    text = env.board.snapshot_text()
    await env.arrive("c3")
    assert env.board.snapshot_text() is text and json.loads(text)["queues"]["support"]["waiting"] == 1
    env.board.tick()
    assert json.loads(env.board.snapshot_text())["queues"]["support"]["waiting"] == 2


async def test_alerts_at_their_thresholds(env: Env) -> None:
    user = await env.agent("li", "1001")
    env.board.queues["support"]["max_wait_seconds"] = 60
    await env.arrive("c1")
    env.clock.advance(60)
    env.board.tick()
    assert "wait:c1" not in env.board.alerts  # at the maximum, not beyond it
    env.clock.advance(1)
    delta = env.board.tick()
    assert delta is not None and [a["id"] for a in delta["alerts_raised"]] == ["wait:c1"]
    assert delta["alerts_raised"][0]["detail"]["caller_number"] == "13800000000"
    # answered after 61 s: the wait alert clears, and the service level (0 of 1 in 20 s) is below 80 %
    await env.answer("c1")
    delta = env.board.tick()
    assert delta is not None and delta["alerts_cleared"] == ["wait:c1"]
    assert [a["id"] for a in delta["alerts_raised"]] == ["sl:support"]
    assert delta["alerts_raised"][0]["detail"] == {"service_level": 0.0, "target": 80, "minutes": 15}
    env.clock.advance(15 * 60 + 1)  # just over 15 minutes later the answer is out of the alert's span
    delta = env.board.tick()
    assert delta is not None and delta["alerts_cleared"] == ["sl:support"]
    await env.hang_up("c1", talk=1)
    # away: warning from 15 minutes, violation (and the alert) at 20:00, not at 19:59
    await env.stack.acd.pause(user, "away")
    env.board.tick()
    assert env.board.snapshot()["agents"]["li"]["away_level"] == "ok"
    env.clock.advance(15 * 60)
    delta = env.board.tick()
    assert delta is not None and delta["agents"]["li"]["away_level"] == "warning"
    env.clock.advance(4 * 60 + 59)
    env.board.tick()
    assert "away:li" not in env.board.alerts
    env.clock.advance(1)
    delta = env.board.tick()
    assert delta is not None and delta["agents"]["li"]["away_level"] == "violation"
    assert delta["alerts_raised"][0]["id"] == "away:li" and delta["alerts_raised"][0]["detail"]["minutes"] == 20
    # a non-away pause is not away; going ready clears the alert
    await env.stack.acd.ready(user)
    delta = env.board.tick()
    assert delta is not None and delta["alerts_cleared"] == ["away:li"] and delta["agents"]["li"]["away"] is False


async def test_the_board_shows_seat_disciplines_away_thresholds(db_url: str, workdir: Path) -> None:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock, seat={"away_warning_minutes": 5,
                                                                 "away_violation_minutes": 10})
    env = Env(stack, ami, clock)
    try:
        settings = env.board.snapshot()["settings"]
        assert (settings["away_warning_minutes"], settings["away_violation_minutes"]) == (5, 10)
        user = await env.agent("li", "1001")
        await env.stack.acd.pause(user, "away")
        env.board.tick()
        env.clock.advance(5 * 60)
        delta = env.board.tick()
        assert delta is not None and delta["agents"]["li"]["away_level"] == "warning"
        env.clock.advance(5 * 60)
        delta = env.board.tick()
        assert delta is not None and delta["agents"]["li"]["away_level"] == "violation"
        assert delta["alerts_raised"][0]["id"] == "away:li"
        assert delta["alerts_raised"][0]["detail"]["limit_minutes"] == 10
    finally:
        await close_wired(stack)


def test_fact_log_spans_inserts_out_of_order_and_prunes() -> None:
    log = FactLog()
    for t in (10.0, 20.0, 30.0):
        log.add(t, _vec(offered=1))
    log.add(15.0, _vec(offered=1, answered=1))  # an older event arriving late
    assert log.span(0)[0] == 4 and log.span(15, 30)[0] == 2 and log.span(15, 30)[1] == 1
    log.prune(16)
    assert log.span(0)[0] == 2 and log.span(20)[0] == 2 and log.span(25)[0] == 1


def test_the_current_shift_is_the_last_one_started() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    shifts = [("day", "08:00"), ("night", "20:00")]
    at = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 local: the day shift starts
    assert shift_start(at, tz, shifts) == ("day", at)
    assert shift_start(at - timedelta(seconds=1), tz, shifts)[0] == "night"
    assert shift_start(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), tz, shifts) == (
        "night", datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # 02:00 local: the night shift of the day before


async def test_supervisor_actions_are_checked_sent_and_audited(env: Env) -> None:
    user = await env.agent("li", "1001")
    h = await bearer(env.stack, ("supervisor",), "lead")
    agent_h = await bearer(env.stack, ("agent",), "li")
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/api/board")).status_code == 401
        assert (await c.get("/api/board", headers=agent_h)).status_code == 403
        assert (await c.post("/api/board/agents/li/pause", json={"reason": "meeting"}, headers=agent_h)
                ).status_code == 403
        snap = (await c.get("/api/board", headers=h)).json()
        assert snap["type"] == "snapshot" and "support" in snap["queues"]
        assert [s["taken_by"] for s in (await c.get("/api/board/seats", headers=h)).json()
                if s["extension"] == "1001"] == ["li"]
        # spy: only on a call, from a seat that is the supervisor's to use
        r = await c.post("/api/board/agents/li/spy", json={"mode": "listen", "seat": "1002"}, headers=h)
        assert r.status_code == 409 and "not on a call" in r.text
        await env.arrive("c1")
        await env.answer("c1")
        env.ami.take()
        for seat, why in (("1001", "own phone"), ("1999", "does not exist")):
            r = await c.post("/api/board/agents/li/spy", json={"mode": "listen", "seat": seat}, headers=h)
            assert r.status_code == 400 and why in r.text
        r = await c.post("/api/board/agents/li/spy", json={"mode": "shout", "seat": "1002"}, headers=h)
        assert r.status_code == 400 and "mode" in r.text
        r = await c.post("/api/board/agents/li/spy", json={"mode": "whisper", "seat": "1002"}, headers=h)
        assert r.status_code == 200, r.text
        assert env.ami.take() == [("originate", {"args": ("PJSIP/1002", "cc-spy", "whisper"),
                                                 "caller_id": "whisper <1001>",
                                                 "variables": {"CC_SPY": "PJSIP/1001-c1"}})]
        r = await c.post("/api/board/agents/li/pause", json={"reason": "meeting"}, headers=h)
        assert r.status_code == 409 and "on call" in r.text
        await env.hang_up("c1", talk=3)
        r = await c.post("/api/board/agents/li/pause", json={"reason": "no_answer"}, headers=h)
        assert r.status_code == 400 and "system" in r.text
        desktop: list[dict[str, Any]] = []

        async def to_desktop(text: str) -> None:
            desktop.append(json.loads(text))

        async def close(code: int, reason: str) -> None:
            pass

        client = env.stack.hub.register(to_desktop, close, {agent_topic("li")}, label="li's desktop")
        r = await c.post("/api/board/agents/li/pause", json={"reason": "meeting", "note": "1:1 now"}, headers=h)
        assert r.status_code == 200 and r.json()["state"] == "paused" and r.json()["reason"] == "meeting"
        # the agent's desktop is told who paused them, and why
        await wait_for(lambda: any(m["type"] == "notice" for m in desktop), 5, "the notice on the desktop")
        [notice] = [m for m in desktop if m["type"] == "notice"]
        assert (notice["action"], notice["by"], notice["note"]) == ("board.pause", "lead", "1:1 now")
        await env.stack.hub.unregister(client)
        assert ("queue_pause", {"args": ("PJSIP/1001", True, "meeting")}) in env.ami.take()
        r = await c.post("/api/board/agents/li/logout", json={"note": "shift over"}, headers=h)
        assert r.status_code == 200 and r.json()["state"] == "logged_out"
        r = await c.post("/api/board/agents/li/logout", json={}, headers=h)
        assert r.status_code == 409 and "not logged in" in r.text
    log = await env.stack.acd_repo.state_log(user.id)
    assert [(r.state, r.reason, r.source) for r in log[:2]] == [("logged_out", "", "supervisor"),
                                                                ("paused", "meeting", "supervisor")]
    async with env.stack.sessions() as s:
        audit = list((await s.execute(select(AuditEntry).where(AuditEntry.action.like("board.%"))
                                      .order_by(AuditEntry.id))).scalars())
    assert [(a.username, a.action, a.target) for a in audit] == [
        ("lead", "board.spy", "agent:li"), ("lead", "board.pause", "agent:li"), ("lead", "board.logout", "agent:li")]
    assert audit[1].detail == {"reason": "meeting", "note": "1:1 now", "extension": "1001"}


async def test_supervisor_action_errors_without_the_api(env: Env) -> None:
    await env.agent("li", "1001")
    with pytest.raises(Conflict):
        await env.stack.acd.force_logout("nobody", by="lead")
    with pytest.raises(InvalidInput):
        await env.stack.acd.force_pause("li", "no_such_reason", by="lead")


async def test_a_stalled_board_is_dropped_with_1013_and_never_holds_up_the_others(env: Env) -> None:
    hub = env.stack.hub
    hub.max_queue = 8
    stalled = asyncio.Event()
    closed: list[int] = []
    good: list[dict[str, Any]] = []

    async def never_sends(text: str) -> None:
        await stalled.wait()  # a browser that stopped reading: its send never completes

    async def close_stalled(code: int, reason: str) -> None:
        closed.append(code)

    async def send_good(text: str) -> None:
        good.append(json.loads(text))

    async def close_good(code: int, reason: str) -> None:
        raise AssertionError("the good board must not be closed")

    await env.agent("li", "1001")
    env.board.tick()
    slow = hub.register(never_sends, close_stalled, {BOARD_TOPIC}, label="stalled")
    fast = hub.register(send_good, close_good, {BOARD_TOPIC}, label="good")
    for i in range(30):  # 30 deltas: each tick publishes at once, never waiting for a browser
        await env.arrive(f"c{i}")
        env.clock.advance(1)
        assert env.board.tick() is not None
    await wait_for(lambda: closed == [1013], 5, "the stalled board to be closed with 1013")
    await wait_for(lambda: len(good) == 30, 5, "every delta at the good board")
    assert hub.subscribers(BOARD_TOPIC) == 1 and slow.dropped and not fast.dropped
    assert [m["queues"]["support"]["waiting"] for m in good] == list(range(1, 31))
    await hub.unregister(fast)


async def test_a_wrap_up_running_across_a_restart_counts_in_the_handle_time(env: Env, db_url: str,
                                                                             workdir: Path) -> None:
    await set_queue_wrapup(env.stack, 600)
    await env.agent("li", "1001")
    await env.arrive("c1")
    await env.answer("c1")
    env.clock.advance(30)
    await env.hang_up("c1", talk=30)
    env.clock.advance(40)  # 40 s into the wrap-up: the service restarts
    await env.stack.acd.flush()
    await env.stack.tracker.flush()
    again, _ = await wired_stack(db_url, workdir, env.clock)
    try:
        assert again.board.snapshot()["agents"]["li"]["state"] == "wrapup"
        env.clock.advance(20)
        await again.acd.ready(env.user)
        w = Env(again, FakeAmi(), env.clock).w("today")
        assert (w["att"], w["acw"], w["aht"]) == (30.0, 60.0, 90.0)
    finally:
        await close_wired(again)


async def set_queue_wrapup(stack: Stack, seconds: int) -> None:
    from callcenter.directory.models import QueueDef

    async with stack.sessions() as s:
        q = (await s.execute(select(QueueDef).where(QueueDef.name == "support"))).scalar_one()
        q.wrapup_seconds = seconds
        await s.commit()
    await stack.acd.reload_config()


async def test_a_queue_the_admin_disables_leaves_the_boards(env: Env) -> None:
    env.board.tick()
    from callcenter.directory.models import QueueDef

    async with env.stack.sessions() as s:
        q = (await s.execute(select(QueueDef).where(QueueDef.name == "business"))).scalar_one()
        q.active = False
        await s.commit()
    await env.board.reload_queues()
    delta = env.board.tick()
    assert delta is not None and delta["queues_gone"] == ["business"]
    assert "business" not in env.board.snapshot()["queues"]


async def test_queues_are_named_by_their_display_names_in_each_language_keyed_by_id(env: Env) -> None:
    """The seeded queues have display names (worded as the default IVR menu offers them); the board gets them, split
    by language, with the ids as keys (the page shows 业务办理 / Business handling, not ``business``)."""
    snap = env.board.snapshot()
    assert set(snap["queues"]) == {"support", "consultation", "business", "complaints"}
    business = snap["queues"]["business"]
    assert business["name"] == "business" and business["display_name"] == "Business handling / 业务办理"
    assert business["labels"] == {"zh": "业务办理", "en": "Business handling"}
    assert snap["queues"]["support"]["labels"] == {"zh": "人工服务", "en": "Human service"}
