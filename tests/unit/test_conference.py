"""The conference on a call (callcenter/acd/conference.py) on a fake AMI: the refusals (no call, a bad target, not a
conference, leaving a call the agent placed) send nothing; the exact actions sent to start it (one Redirect of the
customer's channel with the agent's as ExtraChannel, then the party's Originate), to add more, to leave, to end, to
join from the board; the customer's hang-up ends it; the routes and the Recorder's view of an expert's queue leg."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.acd.conference import Conferences, member_view
from callcenter.app import Stack, create_app
from callcenter.asterisk.errors import AmiActionError, AmiNotConnected
from callcenter.asterisk.events import AgentConnect, Hangup
from callcenter.auth.models import AuditEntry, User
from callcenter.clock import FakeClock
from callcenter.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unavailable
from callcenter.outside_numbers import OutsideUse
from callcenter.settings import AgentPhone
from tests.helpers import bearer, stack_settings
from tests.unit.wired import FakeAmi

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UID = "1772442000.7"  # the call: the caller's uniqueid, Asterisk's <epoch>.<sequence>
AGENT_LEG = "PJSIP/1001-00000008"
CUSTOMER = "PJSIP/trunk-00000007"
SEATS = [AgentPhone(extension=e, password=f"agent{e}-dev", name=f"Agent {e}") for e in ("1001", "1002", "1003")]
OUTSIDE = OutsideUse(allowed=["13900139000", "138XXXXXXXX"], caller_id="4008")


class ConfAmi(FakeAmi):
    """The fake AMI with Asterisk's answers the conference reads: the live channels and the conference's members
    (which follow a Redirect into it, as Asterisk's would)."""

    def __init__(self) -> None:
        super().__init__()
        self.chans: list[dict[str, str]] = []
        self.members: dict[str, list[dict[str, str]]] = {}
        self.redirect_lands = True
        self.error_kick = False

    async def core_show_channels(self) -> list[dict[str, str]]:
        if self.down:
            raise AmiNotConnected("AMI is not connected")
        return [dict(c) for c in self.chans]

    async def confbridge_list(self, conference: str) -> list[dict[str, str]]:
        if self.down:
            raise AmiNotConnected("AMI is not connected")
        return [dict(m) for m in self.members.get(conference, [])]

    async def redirect(self, channel: str, context: str, exten: str, priority: int = 1, *,
                       extra_channel: str | None = None, extra_exten: str | None = None) -> None:
        self.sent.append(("redirect", {"args": (channel, context, exten), "extra_channel": extra_channel,
                                       "extra_exten": extra_exten}))
        if self.redirect_lands:
            by_name = {c["Channel"]: c for c in self.chans}
            self.members[f"cc-{UID}"] = [
                {**by_name[channel], "Exten": exten, "MarkedUser": "No", "EndMarked": "Yes", "Muted": "No"},
                {**by_name[extra_channel or ""], "Exten": extra_exten or "", "MarkedUser": "Yes", "Muted": "No"}]

    async def confbridge_kick(self, conference: str, channel: str) -> None:
        self.sent.append(("confbridge_kick", {"args": (conference, channel)}))
        if self.error_kick:
            raise AmiActionError("ConfbridgeKick", "No Conference by that name found.")
        if self.down:
            raise AmiNotConnected("AMI is not connected")

    def bridged_call(self, outbound: bool = False) -> None:
        """The agent's leg and the customer's channel in one bridge, as CoreShowChannels lists them (a click-to-call:
        the agent's leg is the call's first channel, the customer's the dialled one)."""
        agent_uid = UID if outbound else "1772442000.8"
        customer_uid = "1772442000.9" if outbound else UID
        self.chans = [
            {"Channel": CUSTOMER, "Uniqueid": customer_uid, "Linkedid": UID, "BridgeId": "b-1",
             "Application": "Queue", "CallerIDNum": "13800138000"},
            {"Channel": AGENT_LEG, "Uniqueid": agent_uid, "Linkedid": UID, "BridgeId": "b-1",
             "Application": "AppQueue", "CallerIDNum": "1001"},
            {"Channel": "PJSIP/1003-00000001", "Uniqueid": "1772441000.1", "Linkedid": "1772441000.1",
             "BridgeId": "b-other"}]


class Env:
    def __init__(self, stack: Stack, ami: ConfAmi) -> None:
        self.stack = stack
        self.ami = ami
        self.conf: Conferences = stack.acd.conference
        self.conf.sleep = self._no_wait

    @staticmethod
    async def _no_wait(_: float) -> None:
        return None

    async def agent(self, name: str, seat: str, skills: Mapping[str, str] | None = None) -> User:
        user = await self.stack.auth.create_user(name, "test-password-1", ["agent"], name.title())
        for q, lvl in (skills or {"support": "senior"}).items():
            await self.stack.directory_repo.set_skill(user.id, q, lvl)
        await self.stack.acd.login(user, seat)
        await self.stack.acd.ready(user)
        return user

    async def on_call(self, user: User, uid: str = UID, channel: str = AGENT_LEG) -> None:
        ev = {"Interface": f"PJSIP/{self.stack.acd.agents[user.id].extension}", "Uniqueid": uid, "Linkedid": uid,
              "Queue": "support", "DestChannel": channel}
        await self.stack.acd.reactions.on_agent_connect(AgentConnect.parse(ev))
        assert self.stack.acd.agents[user.id].state == "on_call"
        self.ami.take()


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    ami = ConfAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", agents=SEATS), clock=FakeClock(T0), run_migrations=False,
                  ami=ami)  # type: ignore[arg-type]
    await stack.load_directory()
    try:
        yield Env(stack, ami)
    finally:
        for a in stack.acd.agents.values():
            if a.wrapup_task is not None:
                a.wrapup_task.cancel()
        await stack.pop.close()
        await stack.engine.dispose()


async def _refused(kind: type[DomainError], code: str, coro: Any) -> DomainError:
    with pytest.raises(kind) as ei:
        await coro
    assert ei.value.code == code, (ei.value.code, ei.value.message)
    return ei.value


async def test_no_call_and_bad_targets_are_refused_before_anything_is_sent(env: Env) -> None:
    u = await env.agent("li", "1001")
    env.ami.take()
    env.ami.bridged_call()
    acd = env.stack.acd
    await _refused(Conflict, "acd.conference_needs_call", acd.conference_add(u, "seat", "1002"))
    await _refused(Conflict, "acd.not_in_conference", _on_call_then(env, u, acd.conference_leave(u)))
    await _refused(Conflict, "acd.not_in_conference", acd.conference_end(u))
    for target_type, target, kind, code in [
        ("seat", "10x2", InvalidInput, "acd.extension_not_digits"),
        ("seat", "1&Local/listen@cc-spy", InvalidInput, "acd.extension_not_digits"),
        ("seat", "1", InvalidInput, "acd.extension_not_digits"),
        ("seat", "1001", InvalidInput, "acd.conference_own_seat"),
        ("seat", "4999", NotFound, "acd.seat_not_found"),
        ("queue", "nope", InvalidInput, "acd.unknown_queue"),
        ("queue", "support,,,tT", InvalidInput, "acd.unknown_queue"),
        ("outside", "13700137000", Forbidden, "acd.outside_number_not_allowed"),  # not an entry
        ("outside", "139001390001", Forbidden, "acd.outside_number_not_allowed"),  # a digit over
        ("outside", "139&Local/x", InvalidInput, "acd.number_not_digits"),
        ("pager", "1002", InvalidInput, "acd.conference_unknown_target_type"),
    ]:
        await _refused(kind, code, acd.conference_add(u, target_type, target, "13800138000", OUTSIDE))
    # nothing allowed (no outside_numbers.transfer): refused too
    await _refused(Forbidden, "acd.outside_number_not_allowed", acd.conference_add(u, "outside", "13900139000"))
    # a seat whose agent is on a call is busy
    other = await env.agent("wang", "1002")
    await env.on_call(other, "1772442100.1", "PJSIP/1002-00000011")
    e = await _refused(Conflict, "acd.conference_seat_busy", acd.conference_add(u, "seat", "1002"))
    assert e.messages["zh-CN"] == "座席 1002 正忙：wang 当前为通话中"
    assert env.ami.take() == []  # not one action for any of them
    assert acd.agents[u.id].state == "on_call"


async def _on_call_then(env: Env, user: User, coro: Any) -> Any:
    await env.on_call(user)
    return await coro


async def test_the_first_party_moves_the_call_into_its_conference_then_rings_the_seat(env: Env) -> None:
    u = await env.agent("li", "1001")
    await env.on_call(u)
    env.ami.bridged_call()
    res = await env.stack.acd.conference_add(u, "seat", "1002", "+86 138-0013-8000")
    assert res == {"call_uniqueid": UID, "conference": f"cc-{UID}", "target_type": "seat", "target": "1002",
                   "started": True}
    assert env.ami.take() == [
        # the customer and the agent together, so neither is left alone in the old bridge
        ("redirect", {"args": (CUSTOMER, "cc-conference", "customer"), "extra_channel": AGENT_LEG,
                      "extra_exten": "agent"}),
        ("originate", {"args": ("PJSIP/1002", "cc-conference", "party"), "caller_id": "conference <8613800138000>",
                       "variables": {"CC_CONF": UID}}),
    ]
    a = env.stack.acd.agents[u.id]
    assert a.state == "on_call" and a.call_uniqueid == UID  # still on the call while in the conference
    # in the conference now: more parties are only rung, the queue's expert through its Local channel
    res = await env.stack.acd.conference_add(u, "queue", "consultation", "13800138000")
    assert res["started"] is False
    res = await env.stack.acd.conference_add(u, "outside", "139 0013 9000", None, OUTSIDE)
    assert res["target"] == "13900139000"
    sent = env.ami.take()
    # the outside party's Local channel gets uniqueids the service chose: the half that dials the trunk is
    # known to the tracker as this call's, so the trunk leg it dials is an outbound call of the agent's
    second = sent[1][1].pop("other_channel_id")
    first = sent[1][1].pop("channel_id")
    assert sent == [
        ("originate", {"args": ("Local/q-consultation@cc-conference-queue/n", "cc-conference", "party"),
                       "caller_id": "conference <13800138000>", "variables": {"CC_CONF": UID}}),
        ("originate", {"args": ("Local/13900139000@cc-transfer-outside/n", "cc-conference", "party"),
                       "caller_id": "conference <1001>", "variables": {"CC_CONF": UID}}),
    ]
    assert first != second and env.stack.tracker._leg_origins[second] == UID
    view = await env.stack.acd.conference_state(u)
    assert view["active"] and [(m["role"], m["kind"], m["who"], m["you"]) for m in view["members"]] == [
        ("customer", "customer", "13800138000", False), ("agent", "seat", "1001", True)]
    assert [(p["kind"], p["target"], p["by"]) for p in view["added"]] == [
        ("seat", "1002", "li"), ("queue", "consultation", "li"), ("outside", "13900139000", "li")]


async def test_a_call_that_is_not_two_parties_or_does_not_arrive_is_refused(env: Env) -> None:
    u = await env.agent("li", "1001")
    await env.on_call(u)
    env.ami.bridged_call()
    env.ami.chans[2]["BridgeId"] = "b-1"  # a third channel in the call's bridge
    await _refused(Conflict, "acd.conference_not_two_party", env.stack.acd.conference_add(u, "seat", "1002"))
    env.ami.bridged_call()
    env.ami.chans[0]["Linkedid"] = "1772442000.3"  # the channels are not one call's
    await _refused(Conflict, "acd.conference_not_two_party", env.stack.acd.conference_add(u, "seat", "1002"))
    assert env.ami.take() == []
    env.ami.bridged_call()
    env.ami.redirect_lands = False  # Asterisk took the Redirect but the call never shows up in the conference
    await _refused(Unavailable, "acd.conference_did_not_start", env.stack.acd.conference_add(u, "seat", "1002"))
    assert [n for n, _ in env.ami.take()] == ["redirect"]  # no party rung into a conference that is not there
    env.ami.down = True
    e = await _refused(Unavailable, "acd.asterisk_action_failed", env.stack.acd.conference_add(u, "seat", "1002"))
    assert "reading the conference" in e.message


async def test_leave_end_and_the_customers_hang_up(env: Env) -> None:
    u = await env.agent("li", "1001")
    await env.on_call(u)
    env.ami.bridged_call()
    await env.stack.acd.conference_add(u, "seat", "1002")
    env.ami.take()
    assert await env.stack.acd.conference_leave(u) == {"call_uniqueid": UID, "conference": f"cc-{UID}",
                                                        "left": True, "ended": False}
    assert await env.stack.acd.conference_end(u) == {"call_uniqueid": UID, "conference": f"cc-{UID}",
                                                      "left": False, "ended": True}
    assert env.ami.take() == [("confbridge_kick", {"args": (f"cc-{UID}", AGENT_LEG)}),
                              ("confbridge_kick", {"args": (f"cc-{UID}", "all")})]
    # Asterisk's news: the agent's leg of an inbound call leaving changes nothing for the others
    leg = {"Context": "cc-conference", "Linkedid": UID, "Cause": "16"}
    await env.conf.on_hangup(Hangup.parse({**leg, "Exten": "agent", "Uniqueid": "1772442000.8",
                                           "Channel": AGENT_LEG}))
    await env.conf.on_hangup(Hangup.parse({**leg, "Exten": "party", "Uniqueid": "1772442001.1",
                                           "Channel": "PJSIP/1002-0000000a"}))
    await env.conf.on_hangup(Hangup.parse({"Context": "from-carrier", "Exten": "4000", "Uniqueid": UID,
                                           "Linkedid": UID, "Channel": CUSTOMER}))
    assert env.ami.take() == []
    # the customer gone: the conference ends for everyone (a conference already over answers with an error)
    env.ami.error_kick = True
    await env.conf.on_hangup(Hangup.parse({**leg, "Exten": "customer", "Uniqueid": UID, "Channel": CUSTOMER}))
    assert env.ami.take() == [("confbridge_kick", {"args": (f"cc-{UID}", "all")})]
    assert UID not in env.conf.live
    # a call id the dialplan would not have named a conference after: nothing
    await env.conf.on_hangup(Hangup.parse({**leg, "Linkedid": "x", "Exten": "customer", "Uniqueid": "x"}))
    assert env.ami.take() == []


async def test_a_click_to_calls_conference_cannot_be_left_and_ends_with_the_agents_leg(env: Env) -> None:
    u = await env.agent("li", "1001")
    await env.on_call(u)  # the agent's call's uniqueid is UID (here: their own leg's)
    env.ami.bridged_call(outbound=True)
    await env.stack.acd.conference_add(u, "seat", "1002")
    env.ami.take()
    assert (await env.stack.acd.conference_state(u))["outbound"] is True
    e = await _refused(Conflict, "acd.conference_leave_outbound", env.stack.acd.conference_leave(u))
    assert "end the conference" in e.message
    assert env.ami.take() == []
    await env.conf.on_hangup(Hangup.parse({"Context": "cc-conference", "Exten": "agent", "Uniqueid": UID,
                                           "Linkedid": UID, "Channel": AGENT_LEG}))
    assert env.ami.take() == [("confbridge_kick", {"args": (f"cc-{UID}", "all")})]


async def test_a_supervisor_joins_listening_or_talking_from_their_own_seat(env: Env) -> None:
    u = await env.agent("li", "1001")
    acd = env.stack.acd
    await _refused(Conflict, "acd.agent_not_on_call", acd.join_conference("li", "listen", "1003", by="boss"))
    await env.on_call(u)
    env.ami.bridged_call()
    e = await _refused(Conflict, "acd.agent_not_in_conference", acd.join_conference("li", "listen", "1003", by="boss"))
    assert e.messages["zh-CN"] == "li 的通话不是电话会议"
    await acd.conference_add(u, "seat", "1002")
    env.ami.take()
    await _refused(InvalidInput, "acd.spy_seat_is_agents", acd.join_conference("li", "listen", "1001", by="boss"))
    await _refused(InvalidInput, "acd.spy_seat_not_found", acd.join_conference("li", "listen", "4999", by="boss"))
    await _refused(InvalidInput, "acd.unknown_join_mode", acd.join_conference("li", "barge", "1003", by="boss"))
    await _refused(Conflict, "acd.agent_not_logged_in", acd.join_conference("nobody", "listen", "1003", by="boss"))
    assert env.ami.take() == []
    res = await acd.join_conference("li", "listen", "1003", by="boss")
    assert res == {"mode": "listen", "seat": "1003", "agent": "li", "call_uniqueid": UID, "conference": f"cc-{UID}"}
    await acd.join_conference("li", "talk", "1003", by="boss")
    assert env.ami.take() == [
        ("originate", {"args": ("PJSIP/1003", "cc-conference", "listen"), "caller_id": "listen <1001>",
                       "variables": {"CC_CONF": UID}}),
        ("originate", {"args": ("PJSIP/1003", "cc-conference", "talk"), "caller_id": "talk <1001>",
                       "variables": {"CC_CONF": UID}}),
    ]


def test_members_are_shown_by_role_and_who_without_channel_names() -> None:
    rows = [{"Channel": "PJSIP/trunk-00000001", "Exten": "customer", "CallerIDNum": "13800138000", "Muted": "No"},
            {"Channel": "PJSIP/1001-00000002", "Exten": "agent", "CallerIDNum": "1001", "Muted": "No"},
            {"Channel": "Local/q-consultation@cc-conference-queue-0000000a;1", "Exten": "party", "Muted": "No"},
            {"Channel": "Local/13900139000@cc-transfer-outside-0000000b;1", "Exten": "party", "Muted": "No"},
            {"Channel": "PJSIP/1003-00000003", "Exten": "listen", "CallerIDNum": "listen", "Muted": "Yes"},
            {"Channel": "PJSIP/1004-00000004", "Exten": "odd", "Muted": "No"}]
    assert [member_view(r, "PJSIP/1001-00000002") for r in rows] == [
        {"role": "customer", "kind": "customer", "who": "13800138000", "muted": False, "you": False},
        {"role": "agent", "kind": "seat", "who": "1001", "muted": False, "you": True},
        {"role": "party", "kind": "queue", "who": "consultation", "muted": False, "you": False},
        {"role": "party", "kind": "outside", "who": "13900139000", "muted": False, "you": False},
        {"role": "listen", "kind": "seat", "who": "1003", "muted": True, "you": False},
        {"role": "party", "kind": "seat", "who": "1004", "muted": False, "you": False}]


async def test_the_routes(env: Env) -> None:
    u = await env.agent("li", "1001")
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    token, _ = await env.stack.auth.login("li", "test-password-1", "t")
    h = {"Authorization": f"Bearer {token}"}
    sup = await bearer(env.stack, ("supervisor",), "boss")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        party = {"target_type": "seat", "target": "1002"}
        assert (await c.post("/api/agent/conference/party", json=party)).status_code == 401
        assert (await c.post("/api/agent/conference/party", json=party, headers=sup)).status_code == 403
        r = await c.post("/api/agent/conference/party", json={"target_type": "phone", "target": "1002"}, headers=h)
        assert r.status_code == 400 and "target_type" in r.json()["message"]
        r = await c.post("/api/agent/conference/party", json=party, headers=h)
        assert r.status_code == 409 and r.json()["code"] == "acd.conference_needs_call"
        assert r.json()["messages"]["zh-CN"] == "电话会议需要一通进行中的通话；你当前为就绪"
        r = await c.get("/api/agent/conference", headers=h)
        assert r.status_code == 200 and r.json() == {"active": False, "call_uniqueid": None, "conference": None,
                                                     "outbound": False, "started_at": None, "members": [],
                                                     "added": []}
        await env.on_call(u)
        env.ami.bridged_call()
        r = await c.post("/api/agent/conference/party", json={"target_type": "outside", "target": "13700137000"},
                         headers=h)
        assert r.status_code == 403 and r.json()["code"] == "acd.outside_number_not_allowed"
        r = await c.post("/api/agent/conference/party", json=party, headers=h)
        assert r.status_code == 200 and r.json()["started"] is True
        r = await c.get("/api/agent/conference", headers=h)
        assert r.json()["active"] is True and len(r.json()["members"]) == 2
        join = {"mode": "listen", "seat": "1003"}
        assert (await c.post("/api/board/agents/li/join", json=join, headers=h)).status_code == 403
        r = await c.post("/api/board/agents/li/join", json={"mode": "whisper", "seat": "1003"}, headers=sup)
        assert r.status_code == 400
        r = await c.post("/api/board/agents/li/join", json=join, headers=sup)
        assert r.status_code == 200 and r.json()["conference"] == f"cc-{UID}"
        r = await c.post("/api/agent/conference/leave", headers=h)
        assert r.status_code == 200 and r.json()["left"] is True
        r = await c.post("/api/agent/conference/end", headers=h)
        assert r.status_code == 200 and r.json()["ended"] is True
        env.ami.down = True
        r = await c.post("/api/agent/conference/end", headers=h)
        assert r.status_code == 503
    async with env.stack.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert {"call.conference_add", "board.conference_join", "call.conference_leave", "call.conference_end"} <= set(
        actions)


async def test_the_recorder_leaves_an_experts_queue_leg_to_the_call_it_serves(env: Env) -> None:
    """The Local half that queues for a conference's expert is answered by an agent (AgentConnect) but is no call
    of its own: the call the conference belongs to records everyone; a row for it would end 'missing'."""
    rec = env.stack.recorder
    rec.settings = rec.settings.model_copy(update={"enabled": True})
    await rec.on_agent_connect(AgentConnect.parse({
        "Uniqueid": "1772442050.3", "Linkedid": "1772442050.2", "Context": "cc-conference-queue",
        "Channel": "Local/q-consultation@cc-conference-queue-00000001;2", "Interface": "PJSIP/1002",
        "Queue": "consultation"}))
    assert rec.live == {}

