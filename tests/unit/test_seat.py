"""Seat discipline on an injected clock through the real wiring (agent states, AMI events, the wallboard, the
hub, the HTTP API) with a fake AMI: away episodes and their thresholds at the boundaries, the phone counting as
away, leave-seat consent; restart = a second Stack on the same database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
from callcenter.auth.models import AuditEntry, User
from callcenter.clock import FakeClock
from callcenter.errors import Conflict, Forbidden
from callcenter.realtime.notify import BOARD_TOPIC, agent_topic
from callcenter.seat.models import AwayEpisode, LeaveRequest
from callcenter.settings import SettingsError, load_settings
from tests.helpers import bearer, wait_for
from tests.unit.test_acd_service import FakeAmi
from tests.unit.wired import close_wired, wired_stack

pytestmark = pytest.mark.db
# 09:00 in the centre's timezone (Asia/Shanghai, UTC+8)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MIN = 60


class Inbox:
    """A websocket client of one hub topic (the agent's desktop or a board): every message it was sent."""

    def __init__(self, stack: Stack, topic: str) -> None:
        self.stack = stack
        self.messages: list[dict[str, Any]] = []

        async def send(text: str) -> None:
            self.messages.append(json.loads(text))

        async def close(code: int, reason: str) -> None:
            pass

        self.client = stack.hub.register(send, close, {topic}, label=topic)

    async def kinds(self, n: int) -> list[str]:
        """The ``kind`` of the ``discipline`` messages, once at least ``n`` have arrived."""
        await wait_for(lambda: len(self.discipline()) >= n, 5, f"{n} discipline messages")
        return [m["kind"] for m in self.discipline()]

    def discipline(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "discipline"]


class Env:
    def __init__(self, stack: Stack, ami: FakeAmi, clock: FakeClock) -> None:
        self.stack = stack
        self.ami = ami
        self.clock = clock
        self.seat = stack.seat
        self.board = stack.board

    async def ev(self, name: str, **fields: str) -> None:
        await self.stack.dispatcher.dispatch(AmiEvent(Event=name, Timestamp=f"{self.clock.now().timestamp():.6f}",
                                                      **fields))

    async def contact(self, status: str, ext: str = "1001", uri: str = "sip:1001@127.0.0.1:5070") -> None:
        await self.ev("ContactStatus", AOR=ext, EndpointName=ext, URI=uri, ContactStatus=status)

    async def agent(self, name: str, ext: str = "1001", ready: bool = True, roles: tuple[str, ...] = ("agent",)
                    ) -> User:
        user = await self.stack.auth.create_user(name, "test-password-1", list(roles), name.title())
        await self.stack.directory_repo.set_skill(user.id, "support", "senior")
        await self.stack.acd.login(user, ext)
        if ready:
            await self.stack.acd.ready(user)
        return user

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.seat.check()

    async def rows(self, username: str | None = None) -> list[AwayEpisode]:
        q = select(AwayEpisode).order_by(AwayEpisode.id)
        if username:
            q = q.where(AwayEpisode.username == username)
        async with self.stack.sessions() as s:
            return list((await s.execute(q)).scalars())

    async def row(self, username: str = "li") -> AwayEpisode:
        [r] = await self.rows(username)
        return r

    def app(self) -> httpx.AsyncClient:
        app = create_app(self.stack.settings, stack=self.stack, manage_stack=False)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    stack, ami = await wired_stack(db_url, workdir, clock)
    try:
        yield Env(stack, ami, clock)
    finally:
        await close_wired(stack)


async def test_warning_and_violation_at_their_thresholds_recorded_and_pushed_at_once(env: Env) -> None:
    user = await env.agent("li")
    desk = Inbox(env.stack, agent_topic("li"))
    env.board.tick()
    await env.stack.acd.pause(user, "away")
    assert (await env.row()).started_at == T0 and (await env.row()).source == "pause"
    await env.advance(15 * MIN - 1)  # 14:59
    assert (await env.row()).warning_at is None
    await env.advance(1)  # 15:00
    assert (await env.row()).warning_at == T0 + timedelta(minutes=15)
    assert await desk.kinds(2) == ["away_started", "away_warning"]
    assert env.board.tick()["agents"]["li"]["away_level"] == "warning"  # type: ignore[index]
    await env.advance(5 * MIN - 1)  # 19:59
    r = await env.row()
    assert r.violation_at is None and "away:li" not in env.board.alerts
    env.board.tick()
    assert "away:li" not in env.board.alerts
    await env.advance(1)  # 20:00: recorded now, while the agent is still away
    r = await env.row()
    assert (r.violation_at, r.ended_at, r.limit_minutes, r.reason) == (T0 + timedelta(minutes=20), None, 20.0,
                                                                        "away")
    assert await desk.kinds(3) == ["away_started", "away_warning", "away_violation"]
    push = desk.discipline()[-1]
    assert push["minutes"] == 20 and push["limit_minutes"] == 20 and push["episode"]["violation"] is True
    delta = env.board.tick()
    assert delta is not None and delta["agents"]["li"]["away_level"] == "violation"
    [alert] = delta["alerts_raised"]
    assert (alert["id"], alert["kind"], alert["username"]) == ("away:li", "away", "li")
    assert alert["detail"]["violation"] is True and alert["detail"]["level"] == "violation"
    assert (alert["detail"]["minutes"], alert["detail"]["reason"], alert["detail"]["sources"]) == (20, "away",
                                                                                                  ["pause"])
    # back at the desk 25 minutes in: one episode, the violation stays on it
    await env.advance(5 * MIN)
    await env.stack.acd.ready(user)
    r = await env.row()
    assert (r.ended_at, r.end_reason, r.violation_at) == (T0 + timedelta(minutes=25), "back",
                                                          T0 + timedelta(minutes=20))
    assert await desk.kinds(4) == ["away_started", "away_warning", "away_violation", "away_ended"]
    delta = env.board.tick()
    assert delta is not None and delta["alerts_cleared"] == ["away:li"] and delta["agents"]["li"]["away"] is False
    await env.stack.hub.unregister(desk.client)


async def test_an_episode_across_midnight_is_one_episode_of_its_start_day(env: Env) -> None:
    env.clock.set(datetime(2026, 3, 2, 15, 50, tzinfo=UTC))  # 23:50 local
    user = await env.agent("li")
    await env.stack.acd.pause(user, "meal")
    await env.advance(10 * MIN)  # midnight
    await env.advance(10 * MIN)  # 00:10: the violation, on the next day
    await env.advance(5 * MIN)
    await env.stack.acd.ready(user)
    r = await env.row()
    assert r.started_at == datetime(2026, 3, 2, 15, 50, tzinfo=UTC)
    assert r.violation_at == datetime(2026, 3, 2, 16, 10, tzinfo=UTC)
    assert r.ended_at == datetime(2026, 3, 2, 16, 15, tzinfo=UTC)
    on_start_day = await env.seat.views.episodes("li", date(2026, 3, 2), date(2026, 3, 2))
    assert [(e["id"], e["local_date"], e["duration_seconds"], e["violation"]) for e in on_start_day] == [
        (r.id, "2026-03-02", 25 * 60.0, True)]
    assert await env.seat.views.episodes("li", date(2026, 3, 3), date(2026, 3, 3)) == []


async def test_an_open_episode_is_resumed_after_a_restart_or_closed_at_the_logout(env: Env, db_url: str,
                                                                                   workdir: Path) -> None:
    li = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    await env.stack.acd.pause(li, "away")
    await env.stack.acd.pause(wang, "away")
    await env.advance(5 * MIN)
    # wang logs out while this instance no longer sees it (it stopped listening): only the agent state is stored
    env.stack.acd._listeners.remove(env.seat.away.on_agent)
    await env.stack.acd.logout(wang)
    await env.advance(2 * MIN)
    again, _ = await wired_stack(db_url, workdir, env.clock)
    try:
        [li_row] = await Env(again, FakeAmi(), env.clock).rows("li")
        assert again.seat.away.open["li"].id == li_row.id and li_row.ended_at is None
        wang_row = (await env.rows("wang"))[0]
        assert (wang_row.ended_at, wang_row.end_reason) == (T0 + timedelta(minutes=5), "logout")
        renv = Env(again, FakeAmi(), env.clock)
        await renv.advance(13 * MIN - 1)  # 19:59
        assert (await renv.row("li")).violation_at is None
        await renv.advance(1)  # 20:00 since the pause before the restart
        r = await renv.row("li")
        assert (r.id, r.violation_at, r.ended_at) == (li_row.id, T0 + timedelta(minutes=20), None)
        assert again.board.tick() is not None and "away:li" in again.board.alerts
    finally:
        await close_wired(again)


async def test_an_unreachable_or_unregistered_phone_counts_as_away_until_it_is_back(env: Env) -> None:
    await env.contact("Created")
    await env.contact("Reachable")
    await env.agent("li")
    assert await env.rows() == []
    env.clock.advance(30)
    await env.contact("Unreachable")  # qualify: the phone stopped answering OPTIONS
    ep = await env.row()
    assert (ep.started_at, ep.source, ep.reason, ep.active_sources) == (T0 + timedelta(seconds=30), "phone",
                                                                        "phone_unreachable", "phone")
    assert env.board.tick()["agents"]["li"]["away_sources"] == ["phone"]  # type: ignore[index]
    env.clock.advance(60)
    await env.contact("Reachable")
    ep = await env.row()
    assert (ep.ended_at, ep.end_reason) == (T0 + timedelta(seconds=90), "back")
    # unregistered (Removed), then back through the device state
    env.clock.advance(60)
    await env.contact("Removed")
    env.clock.advance(60)
    await env.ev("DeviceStateChange", Device="PJSIP/1001", State="NOT_INUSE")
    first, second = await env.rows()
    assert (second.reason, second.started_at, second.ended_at) == ("phone_unregistered", T0 + timedelta(minutes=2.5),
                                                                   T0 + timedelta(minutes=3.5))
    # another seat's phone does not concern li; an unavailable device (DeviceStateChange) does
    await env.contact("Unreachable", ext="1002", uri="sip:1002@127.0.0.1:5071")
    await env.ev("DeviceStateChange", Device="PJSIP/1001", State="UNAVAILABLE")
    assert len(await env.rows()) == 3 and env.seat.views.away_status("li")["active_sources"] == ["phone"]  # type: ignore
    await env.advance(20 * MIN)
    assert (await env.rows())[2].violation_at == T0 + timedelta(minutes=23.5)


async def test_the_device_state_may_come_before_the_contact_status_that_explains_it(env: Env) -> None:
    await env.contact("Reachable")
    await env.agent("li")
    await env.ev("QueueMemberStatus", Interface="PJSIP/1001", StateInterface="PJSIP/1001", Status="5")
    await env.ev("DeviceStateChange", Device="PJSIP/1001", State="UNAVAILABLE")
    await env.contact("Unreachable")
    ep = await env.row()
    assert (ep.source, ep.reason, len(ep.changes)) == ("phone", "phone_unreachable", 1)


async def test_the_agent_row_the_board_and_seat_discipline_read_one_phone(env: Env, db_url: str,
                                                                          workdir: Path) -> None:
    """One fact: the phone unreachable (a ContactStatus, with no device state event yet) is the device state the
    agent row, the desktop and the board show and the away reason, together; so after a restart. (With the
    phone tracked twice, the agent row said "not_inuse" from QueueMemberStatus while away: phone unreachable.)"""
    await env.contact("Reachable")
    await env.agent("li")
    await env.ev("QueueMemberStatus", Interface="PJSIP/1001", StateInterface="PJSIP/1001", Status="1")
    desk = Inbox(env.stack, agent_topic("li"))
    agent, user = env.stack.acd.by_ext["1001"], await _user(env, "li")
    assert agent.device == "not_inuse" and env.seat.views.away_status("li") is None
    env.board.tick()

    def shown() -> tuple[Any, ...]:
        """The agent row's device, the board row's device and away fields, the away reason, the desktop's phone."""
        row = (env.board.tick() or {}).get("agents", {}).get("li") or env.board.agent_row(agent, env.clock.now())
        away = env.seat.views.away_status("li")
        return (agent.public()["device"], row["device"], row["away"], row.get("away_sources"),
                away["reason"] if away else None, env.seat.views.me(user)["phone"]["reachable"])

    env.clock.advance(30)
    await env.contact("Unreachable")  # qualify: the phone stopped answering OPTIONS
    assert shown() == ("unavailable", "unavailable", True, ["phone"], "phone_unreachable", False)
    await wait_for(lambda: any(m["type"] == "state" and m["agent"]["device"] == "unavailable"
                               for m in desk.messages), 5, "the desktop told of the phone")
    assert await desk.kinds(1) == ["away_started"]
    # the device state that follows says the same: nothing changes, nobody is told again
    told = len(desk.messages)
    await env.ev("DeviceStateChange", Device="PJSIP/1001", State="UNAVAILABLE")
    await env.ev("QueueMemberStatus", Interface="PJSIP/1001", StateInterface="PJSIP/1001", Status="5")
    assert shown() == ("unavailable", "unavailable", True, ["phone"], "phone_unreachable", False)
    await asyncio.sleep(0.2)  # the hub delivers in the background: time for a message that should not come
    assert len(desk.messages) == told and len((await env.row()).changes) == 1
    # a restart: the phone's last known state holds, for the agent row as for seat discipline
    again, _ = await wired_stack(db_url, workdir, env.clock)
    try:
        row = again.board.agent_row(again.acd.by_ext["1001"], env.clock.now())
        away = again.seat.away_status("li") or {}
        assert (row["device"], row["away"], row["away_sources"], away.get("reason")) == (
            "unavailable", True, ["phone"], "phone_unreachable")
    finally:
        await close_wired(again)
    # back: the contact answers before any device state says so; the row no longer says unavailable
    env.clock.advance(30)
    await env.contact("Reachable")
    assert shown() == ("unknown", "unknown", False, [], None, True)
    await env.ev("QueueMemberStatus", Interface="PJSIP/1001", StateInterface="PJSIP/1001", Status="1")
    assert shown() == ("not_inuse", "not_inuse", False, [], None, True)


async def test_paused_away_then_the_phone_drops_then_ready_is_one_episode(env: Env) -> None:
    user = await env.agent("li")
    await env.stack.acd.pause(user, "away")
    env.clock.advance(5 * MIN)
    await env.contact("Unreachable")
    env.clock.advance(5 * MIN)
    await env.stack.acd.ready(user)  # at the desk, but the phone is still down: still away
    ep = await env.row()
    assert ep.ended_at is None and (ep.source, ep.active_sources, ep.reason) == ("pause,phone", "phone",
                                                                                "away,phone_unreachable")
    await env.advance(10 * MIN)  # 20 minutes since the pause
    assert (await env.row()).violation_at == T0 + timedelta(minutes=20)
    await env.ev("QueueMemberStatus", Interface="PJSIP/1001", StateInterface="PJSIP/1001", Status="1")
    ep = await env.row()
    assert ep.ended_at == T0 + timedelta(minutes=20) and [c["sources"] for c in ep.changes] == [
        ["pause"], ["pause", "phone"], ["phone"]]


async def test_the_auto_pause_after_unanswered_rings_counts_as_away(env: Env) -> None:
    await env.agent("li")
    ring = {"Interface": "PJSIP/1001", "Uniqueid": "c1", "Queue": "support"}
    await env.ev("AgentCalled", **ring)
    env.clock.advance(15)
    await env.ev("AgentRingNoAnswer", **ring)
    assert env.stack.acd.by_ext["1001"].reason == "no_answer"
    ep = await env.row()
    assert (ep.source, ep.reason, ep.started_at) == ("no_answer", "no_answer", T0 + timedelta(seconds=15))
    await env.advance(20 * MIN)
    assert (await env.row()).violation_at == T0 + timedelta(minutes=20, seconds=15)


async def test_a_phone_unregistered_at_login_counts_from_the_login(env: Env) -> None:
    await env.contact("Removed")
    env.clock.advance(60)
    li = await env.agent("li", ready=False)
    ep = await env.row()
    # not ready after the login counts as away too (issue 12 item 14): both causes from the login
    assert (ep.started_at, ep.source, ep.reason) == (T0 + timedelta(minutes=1), "pause,phone",
                                                     "not_ready,phone_unregistered")
    env.clock.advance(60)
    await env.stack.acd.logout(li)
    ep = await env.row()
    assert (ep.ended_at, ep.end_reason) == (T0 + timedelta(minutes=2), "logout")


async def _user(env: Env, name: str) -> User:
    async with env.stack.sessions() as s:
        return (await s.execute(select(User).where(User.username == name))).scalar_one()


async def test_an_approved_absence_is_no_violation_within_its_length_and_one_past_it(env: Env) -> None:
    li = await env.agent("li", "1001")
    lead = await env.stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    desk = Inbox(env.stack, agent_topic("li"))
    req = await env.seat.leave.request_leave(li, "doctor downstairs", 30)
    env.clock.advance(60)
    approved = await env.seat.leave.approve(req["id"], lead)
    assert (approved["status"], approved["approved_minutes"], approved["used_from"]) == ("approved", 30, None)
    assert await desk.kinds(1) == ["leave_approved"]
    env.clock.advance(4 * MIN)  # the agent leaves 5 minutes after asking: the approved 30 minutes start now
    gone_at = env.clock.now()
    await env.stack.acd.pause(li, "away")
    await env.advance(20 * MIN)  # the normal threshold: no violation under the approval
    ep = await env.row()
    assert ep.violation_at is None and ep.approved_request_id == req["id"]
    assert env.board.tick() is not None and "away:li" not in env.board.alerts
    assert env.seat.views.away_status("li")["level"] == "ok"  # type: ignore[index]
    await env.advance(5 * MIN)  # 25:00: the warning, 5 minutes before the approved time ends
    assert (await env.row()).warning_at == gone_at + timedelta(minutes=25)
    await env.advance(5 * MIN - 1)  # 29:59
    assert (await env.row()).violation_at is None
    await env.advance(1)  # 30:00: past the approved length
    ep = await env.row()
    assert (ep.violation_at, ep.limit_minutes) == (gone_at + timedelta(minutes=30), 30.0)
    env.board.tick()
    assert env.board.alerts["away:li"]["detail"]["approved_request_id"] == req["id"]
    await env.stack.acd.ready(li)
    async with env.stack.sessions() as s:
        stored = await s.get(LeaveRequest, req["id"])
    assert stored is not None and (stored.episode_id, stored.used_from, stored.closed_at) == (
        ep.id, gone_at, gone_at + timedelta(minutes=30))
    # used once: the next absence needs a new request (the normal 20 minutes again)
    await env.stack.acd.pause(li, "away")
    await env.advance(20 * MIN)
    assert (await env.rows("li"))[1].violation_at is not None
    await env.stack.hub.unregister(desk.client)


async def test_a_short_approval_keeps_the_normal_threshold_and_one_given_while_away_counts_from_then(
        env: Env) -> None:
    li = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    lead = await env.stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    await env.seat.leave.approve((await env.seat.leave.request_leave(li, "water", 10))["id"], lead)
    await env.stack.acd.pause(li, "away")
    # wang is away already when the lead approves 25 minutes, 10 minutes in: covered until 35 minutes in
    await env.stack.acd.pause(wang, "away")
    await env.advance(5 * MIN)
    req = await env.seat.leave.request_leave(wang, "the bank", 20)
    await env.advance(5 * MIN)
    await env.seat.leave.approve(req["id"], lead, minutes=25)
    await env.advance(10 * MIN - 1)
    assert [r.violation_at for r in await env.rows()] == [None, None]
    await env.advance(1)  # 20:00
    li_ep, wang_ep = await env.rows()
    assert (li_ep.violation_at, li_ep.limit_minutes) == (T0 + timedelta(minutes=20), 20.0)  # 10 < 20: normal
    assert wang_ep.violation_at is None
    await env.advance(15 * MIN - 1)
    assert (await env.rows("wang"))[0].violation_at is None
    await env.advance(1)
    assert (await env.rows("wang"))[0].violation_at == T0 + timedelta(minutes=35)


async def test_a_rejected_request_is_no_consent(env: Env) -> None:
    li = await env.agent("li")
    lead = await env.stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    desk = Inbox(env.stack, agent_topic("li"))
    board = Inbox(env.stack, BOARD_TOPIC)
    req = await env.seat.leave.request_leave(li, "smoke", 15)
    delta = env.board.tick()
    assert delta is not None and delta["leave_requests"][str(req["id"])]["reason"] == "smoke"
    assert [a["id"] for a in delta["alerts_raised"]] == [f"leave:{req['id']}"]
    assert env.board.snapshot()["leave_requests"][str(req["id"])]["minutes"] == 15
    rejected = await env.seat.leave.reject(req["id"], lead, "not during the peak")
    assert (rejected["status"], rejected["decided_by"], rejected["note"]) == ("rejected", "lead",
                                                                            "not during the peak")
    assert await desk.kinds(1) == ["leave_rejected"] and desk.discipline()[0]["note"] == "not during the peak"
    delta = env.board.tick()
    assert delta is not None and delta["leave_requests_gone"] == [str(req["id"])]
    assert delta["alerts_cleared"] == [f"leave:{req['id']}"]
    await wait_for(lambda: any(m["type"] == "notice" for m in board.messages), 5, "the notice on the board")
    notice = next(m for m in board.messages if m["type"] == "notice")
    assert (notice["action"], notice["agent"], notice["by"]) == ("seat.leave_reject", "li", "lead")
    with pytest.raises(Conflict):
        await env.seat.leave.approve(req["id"], lead)
    await env.stack.acd.pause(li, "away")
    await env.advance(20 * MIN)
    assert (await env.row()).violation_at == T0 + timedelta(minutes=20)
    await env.stack.hub.unregister(desk.client)
    await env.stack.hub.unregister(board.client)


async def test_requests_lapse_at_logout_and_approvals_not_used_in_time(env: Env) -> None:
    li = await env.agent("li")
    lead = await env.stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    r1 = await env.seat.leave.request_leave(li, "a", 5)
    await env.stack.acd.logout(li)
    await env.stack.acd.login(li, "1001")
    await env.stack.acd.ready(li)  # (staying not ready would be away, and would use the approval)
    r2 = await env.seat.leave.request_leave(li, "b", 5)  # the first one lapsed at the logout
    await env.seat.leave.approve(r2["id"], lead)
    await env.advance(30 * MIN)  # approval_valid_minutes: not used (never went away) in 30 minutes
    statuses = {r["id"]: r["status"] for r in await env.seat.views.list_requests(username="li")}
    assert statuses == {r1["id"]: "lapsed", r2["id"]: "lapsed"}
    r3 = await env.seat.leave.request_leave(li, "c", 5)
    cancelled = await env.seat.leave.cancel(r3["id"], li)
    assert cancelled["status"] == "cancelled" and env.seat.views.me(li)["requests"] == []


async def test_the_api_checks_roles_and_audits_decisions(env: Env) -> None:
    li = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    lead_both = await env.stack.auth.create_user("boss", "test-password-1", ["agent", "supervisor"], "Boss")
    agent_h = await bearer(env.stack, ("agent",), "li")
    wang_h = await bearer(env.stack, ("agent",), "wang")
    lead_h = await bearer(env.stack, ("supervisor",), "lead")
    boss_h = await bearer(env.stack, ("agent", "supervisor"), "boss")
    qc_h = await bearer(env.stack, ("qc",), "inspector")
    async with env.app() as c:
        assert (await c.post("/api/seat/leave-requests", json={"reason": "x", "minutes": 5})).status_code == 401
        r = await c.post("/api/seat/leave-requests", json={"reason": "x", "minutes": 5}, headers=lead_h)
        assert r.status_code == 403  # a supervisor without the agent role does not ask
        for minutes in (0, 121):
            r = await c.post("/api/seat/leave-requests", json={"reason": "x", "minutes": minutes}, headers=agent_h)
            assert r.status_code == 400 and "minutes" in r.text
        r = await c.post("/api/seat/leave-requests", json={"reason": "toilet", "minutes": 5}, headers=boss_h)
        assert r.status_code == 409 and "log in at a seat" in r.text
        r = await c.post("/api/seat/leave-requests", json={"reason": "toilet", "minutes": 5}, headers=agent_h)
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert r.json()["status"] == "pending" and r.json()["extension"] == "1001"
        r = await c.post("/api/seat/leave-requests", json={"reason": "again", "minutes": 5}, headers=agent_h)
        assert r.status_code == 409 and "already" in r.text
        # listing: leads see all, an agent their own only, others nothing
        assert [x["id"] for x in (await c.get("/api/seat/leave-requests?status=pending", headers=lead_h)).json()
                ] == [rid]
        assert (await c.get("/api/seat/leave-requests", headers=wang_h)).json() == []
        assert (await c.get("/api/seat/leave-requests?username=li", headers=wang_h)).status_code == 403
        assert (await c.get("/api/seat/leave-requests", headers=qc_h)).status_code == 403
        assert (await c.get("/api/seat/leave-requests?status=bogus", headers=lead_h)).status_code == 400
        # deciding: team leads only, never the requester, once
        assert (await c.post(f"/api/seat/leave-requests/{rid}/approve", json={}, headers=wang_h)).status_code == 403
        assert (await c.post(f"/api/seat/leave-requests/{rid}/reject", json={"note": ""}, headers=lead_h)
                ).status_code == 400
        assert (await c.post("/api/seat/leave-requests/9999/approve", json={}, headers=lead_h)).status_code == 404
        r = await c.post(f"/api/seat/leave-requests/{rid}/approve", json={"minutes": 8, "note": "ok"}, headers=lead_h)
        assert r.status_code == 200 and (r.json()["status"], r.json()["approved_minutes"]) == ("approved", 8)
        r = await c.post(f"/api/seat/leave-requests/{rid}/reject", json={"note": "no"}, headers=lead_h)
        assert r.status_code == 409 and "approved" in r.text
        me = (await c.get("/api/seat/me", headers=agent_h)).json()
        assert me["logged_in"] and me["away"] is None and [x["id"] for x in me["requests"]] == [rid]
        assert me["settings"]["away_violation_minutes"] == 20 and me["phone"]["reachable"] is True
        await env.stack.acd.logout(wang)
        await env.stack.acd.login(lead_both, "1002")
        r = await c.post("/api/seat/leave-requests", json={"reason": "mine", "minutes": 5}, headers=boss_h)
        own = r.json()["id"]
        r = await c.post(f"/api/seat/leave-requests/{own}/approve", json={}, headers=boss_h)
        assert r.status_code == 403 and "own" in r.text
        r = await c.post(f"/api/seat/leave-requests/{own}/reject", json={"note": "busy"}, headers=lead_h)
        assert r.status_code == 200
        # episodes: leads see anyone's, an agent only their own
        await env.stack.acd.pause(li, "away")
        env.clock.advance(60)
        me = (await c.get("/api/seat/me", headers=agent_h)).json()
        assert me["away"]["level"] == "ok" and me["away"]["minutes"] == 1 and me["away"]["sources"] == ["pause"]
        assert me["away"]["approved_request_id"] == rid
        eps = (await c.get("/api/seat/episodes?username=li&date_from=2026-03-02&date_to=2026-03-02",
                           headers=lead_h)).json()
        assert [(e["username"], e["open"], e["approved_request_id"]) for e in eps] == [("li", True, rid)]
        assert [e["username"] for e in (await c.get("/api/seat/episodes", headers=agent_h)).json()] == ["li"]
        assert (await c.get("/api/seat/episodes", headers=wang_h)).json() == []
        assert (await c.get("/api/seat/episodes?username=li", headers=wang_h)).status_code == 403
        assert (await c.get("/api/seat/episodes?date_from=2026-03-03&date_to=2026-03-02", headers=lead_h)
                ).status_code == 400
        assert (await c.get("/api/seat/me", headers=lead_h)).status_code == 403
    async with env.stack.sessions() as s:
        audit = list((await s.execute(select(AuditEntry).where(AuditEntry.action.like("seat.%"))
                                      .order_by(AuditEntry.id))).scalars())
    assert [(a.username, a.action, a.target) for a in audit] == [
        ("li", "seat.leave_request", "agent:li"), ("lead", "seat.leave_approve", "agent:li"),
        ("boss", "seat.leave_request", "agent:boss"), ("lead", "seat.leave_reject", "agent:boss")]
    assert audit[1].detail is not None and (audit[1].detail["request_id"], audit[1].detail["approved_minutes"],
                                            audit[1].detail["note"]) == (rid, 8, "ok")
    with pytest.raises(Forbidden):
        await env.seat.leave.cancel(rid, await _user(env, "wang"))


async def test_phone_states_are_asked_of_asterisk_after_a_reconnect(env: Env) -> None:
    await env.agent("li", "1001")
    await env.agent("wang", "1002")
    await env.contact("Unreachable", ext="1002", uri="sip:1002@127.0.0.1:5071")

    class Ami:
        async def list_action(self, name: str, **_: Any) -> list[dict[str, str]]:
            assert name == "DeviceStateList"  # class call: PJSIPShowEndpoints would need system
            return [{"Event": "DeviceStateChange", "Device": "PJSIP/1001", "State": "UNAVAILABLE"},
                    {"Event": "DeviceStateChange", "Device": "PJSIP/1002", "State": "NOT_INUSE"},
                    {"Event": "DeviceStateChange", "Device": "PJSIP/trunk", "State": "UNAVAILABLE"},
                    {"Event": "DeviceStateChange", "Device": "Queue:support_avail", "State": "INUSE"}]

    env.clock.advance(60)
    await env.stack.acd.phones.resync(Ami())  # registered on the AMI connect by wire_acd
    li, wang = await env.rows("li"), await env.rows("wang")
    assert (li[0].ended_at, li[0].source, li[0].reason) == (None, "phone", "phone_unavailable")
    assert wang[0].ended_at == T0 + timedelta(minutes=1)


def test_the_away_thresholds_are_one_pair_for_the_rule_and_the_board() -> None:
    s = load_settings(seat={"away_warning_minutes": 5, "away_violation_minutes": 10})
    assert (s.seat.away_warning_minutes, s.seat.away_violation_minutes) == (5, 10)  # the board's too (test_wallboard)
    with pytest.raises(SettingsError, match=r"set seat.away_violation_minutes \(CALLCENTER_SEAT__AWAY_VIOLATION"):
        load_settings(wallboard={"away_violation_minutes": 30})  # the older name is refused, naming the new one
    with pytest.raises(SettingsError, match="seat.away_warning_minutes"):
        load_settings(seat={"away_warning_minutes": 25})
    with pytest.raises(SettingsError, match="seat.check_interval_seconds"):
        load_settings(seat={"check_interval_seconds": 0})
    with pytest.raises(SettingsError, match="seat.qualify_frequency_seconds"):
        load_settings(seat={"qualify_frequency_seconds": -1})



# issue 12 item 14: every logged-in non-working state counts, unapproved short absences are recorded -------------
async def test_not_ready_after_login_counts_and_is_a_violation_at_20_minutes(env: Env) -> None:
    assert {"not_ready", "meeting", "acw"} <= env.stack.acd.away_reasons()  # seeded flags, migration 0014
    await env.agent("li", ready=False)  # logged in: not ready
    ep = await env.row()
    assert (ep.started_at, ep.source, ep.reason) == (T0, "pause", "not_ready")
    await env.advance(20 * MIN - 1)
    assert (await env.row()).violation_at is None
    await env.advance(1)
    ep = await env.row()
    assert (ep.violation_at, ep.finding) == (T0 + timedelta(minutes=20), "violation")


@pytest.mark.parametrize("reason", ["meeting", "acw"])
async def test_a_meeting_or_after_call_work_pause_is_a_violation_at_20_minutes(env: Env, reason: str) -> None:
    li = await env.agent("li")
    await env.stack.acd.pause(li, reason)
    await env.advance(20 * MIN)
    ep = await env.row()
    assert (ep.reason, ep.violation_at, ep.finding) == (reason, T0 + timedelta(minutes=20), "violation")


async def test_a_pause_the_centre_marks_not_away_does_not_count(env: Env) -> None:
    admin_h = await bearer(env.stack, ("admin",), "boss")
    async with env.app() as c:
        for code in ("meeting", "not_ready"):
            r = await c.patch(f"/api/admin/pause-reasons/{code}", json={"away": False}, headers=admin_h)
            assert r.status_code == 200 and r.json()["away"] is False
    li = await env.agent("li", ready=False)
    await env.advance(25 * MIN)  # not ready, marked not away: no episode
    await env.stack.acd.ready(li)
    await env.stack.acd.pause(li, "meeting")
    await env.advance(25 * MIN)
    assert await env.rows("li") == []
    await env.stack.acd.pause(li, "away")  # still counts
    await env.advance(20 * MIN)
    assert (await env.row()).violation_at is not None


async def test_a_short_pause_without_consent_is_an_unapproved_absence_not_a_violation(env: Env) -> None:
    li = await env.agent("li")
    lead_h = await bearer(env.stack, ("supervisor",), "lead")
    await env.stack.acd.pause(li, "meal")
    await env.advance(5 * MIN)
    await env.stack.acd.ready(li)
    ep = await env.row()
    assert (ep.ended_at, ep.violation_at, ep.finding) == (T0 + timedelta(minutes=5), None, "unapproved_absence")
    async with env.app() as c:
        [e] = (await c.get("/api/seat/episodes", headers=lead_h)).json()
        assert (e["finding"], e["unapproved_absence"], e["violation"]) == ("unapproved_absence", True, False)
        assert [x["id"] for x in (await c.get("/api/seat/episodes?finding=unapproved_absence",
                                              headers=lead_h)).json()] == [e["id"]]
        assert (await c.get("/api/seat/episodes?finding=violation", headers=lead_h)).json() == []
        assert (await c.get("/api/seat/episodes?finding=bogus", headers=lead_h)).status_code == 400


async def test_a_short_approved_pause_is_no_finding(env: Env) -> None:
    li = await env.agent("li")
    lead = await env.stack.auth.create_user("lead", "test-password-1", ["supervisor"], "Lead")
    req = await env.seat.leave.request_leave(li, "toilet", 10)
    await env.seat.leave.approve(req["id"], lead)
    await env.stack.acd.pause(li, "away")
    await env.advance(5 * MIN)
    await env.stack.acd.ready(li)
    ep = await env.row()
    assert (ep.approved_request_id, ep.violation_at, ep.finding) == (req["id"], None, "")


async def test_a_moment_between_states_is_not_an_unapproved_absence(env: Env) -> None:
    li = await env.agent("li", ready=False)
    await env.advance(30)  # under seat.unapproved_absence_min_seconds (60)
    await env.stack.acd.ready(li)
    ep = await env.row()
    assert (ep.ended_at, ep.finding) == (T0 + timedelta(seconds=30), "")
