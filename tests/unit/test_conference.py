"""The conference on a call (callcenter/acd/conference.py) on a fake AMI: the refusals (no call, a bad target, not a
conference, leaving a call the agent placed) send nothing; the exact actions sent to start it (one Redirect of the
customer's channel with the agent's as ExtraChannel, then the party's Originate), to add more, to leave, to end, to
join from the board; the customer's hang-up ends it; the routes and the Recorder's view of an expert's queue leg.
Every party is a call: a seat's leg and an expert's leg are outbound calls stored before their Originate, the agent
at an added seat rings, takes it and wraps up (or goes back to their pause), an expert is on the call and wraps up
outside the queue's figures, and nothing is left behind for an Originate refused or an outside number the gate
refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.acd.conference import Conferences, member_view
from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiEvent
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
        self.refuse_originate = False
        self.on_originate: Any = None  # called with the Originate's fields as it is sent

    async def originate(self, *args: Any, **kwargs: Any) -> None:
        if self.on_originate is not None:
            self.on_originate(kwargs)
        if self.down or self.refuse_originate:
            raise AmiActionError("Originate", "Originate failed")
        self.sent.append(("originate", {"args": args, **kwargs}))

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
    seat_leg = env.ami.sent[1][1].get("channel_id")  # the seat's leg: a call of its own, under a uniqueid we gave
    assert env.ami.take() == [
        # the customer and the agent together, so neither is left alone in the old bridge
        ("redirect", {"args": (CUSTOMER, "cc-conference", "customer"), "extra_channel": AGENT_LEG,
                      "extra_exten": "agent"}),
        ("originate", {"args": ("PJSIP/1002", "cc-conference", "party"), "caller_id": "conference <8613800138000>",
                       "variables": {"CC_CONF": UID}, "channel_id": seat_leg}),
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
    expert_leg, queued_half = sent[0][1].pop("channel_id"), sent[0][1].pop("other_channel_id")
    assert len({seat_leg, expert_leg, queued_half, first, second}) == 5
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



# ---- every party is a call (issue 15, parts 1 and 5) -------------------------------------------------------------

async def _inbound_call(env: Env, user: User) -> None:
    """The customer's call as the tracker has it (an inbound caller), the agent on it, the two bridged."""
    await env.stack.ami.dispatcher.dispatch(AmiEvent({
        "Event": "Newchannel", "Uniqueid": UID, "Linkedid": UID, "Channel": CUSTOMER, "Context": "from-trunk",
        "CallerIDNum": "13800138000", "Exten": "4000"}))
    await env.on_call(user)
    env.ami.bridged_call()


def _originated(env: Env) -> dict[str, Any]:
    [(name, fields)] = [x for x in env.ami.take() if x[0] == "originate"]
    return fields


async def _ami(env: Env, fields: dict[str, str]) -> None:
    await env.stack.ami.dispatcher.dispatch(AmiEvent(fields))


def _seat_leg(uid: str, **more: str) -> dict[str, str]:
    return {"Uniqueid": uid, "Linkedid": uid, "Channel": "PJSIP/1002-0000000a", "Context": "cc-conference",
            "Exten": "party", **more}


def _response(uid: str, ok: bool, reason: str = "4") -> dict[str, str]:
    return {"Event": "OriginateResponse", "ActionID": f"cc-originate-{uid}", "Response": "Success" if ok else "Failure",
            "Reason": reason, "Uniqueid": uid if ok else "<null>",
            "Channel": "PJSIP/1002-0000000a" if ok else "PJSIP/1002"}


async def test_a_seat_partys_leg_is_a_call_and_the_agent_there_rings_takes_it_and_wraps_up(env: Env) -> None:
    u = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    await _inbound_call(env, u)
    seen: dict[str, Any] = {}

    def at_send(fields: dict[str, Any]) -> None:  # what the service had done when the Originate went out
        uid = fields.get("channel_id", "")
        seen.update(tracked=env.stack.tracker.call(uid), state=env.stack.acd.agents[wang.id].state)

    env.ami.on_originate = at_send
    await env.stack.acd.conference_add(u, "seat", "1002", "13800138000")
    leg = _originated(env)["channel_id"]
    assert seen["tracked"] is not None and seen["state"] == "ringing"  # stored and ringing before it was sent
    stored = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert stored is not None and (stored.direction, stored.linkedid, stored.dialled_number, stored.caller_number,
                                   stored.agent_username, stored.agent_extension, stored.ended_at) == (
        "outbound", UID, "1002", "13800138000", "li", "1001", None)
    b = env.stack.acd.agents[wang.id]
    assert (b.state, b.call_uniqueid, b.call_queue) == ("ringing", leg, None)
    env.stack.clock.advance(3)  # type: ignore[attr-defined]
    await _ami(env, _response(leg, True))  # the seat's phone is taken
    assert (b.state, b.call_uniqueid, b.channel) == ("on_call", leg, "PJSIP/1002-0000000a")
    a = env.stack.acd.agents[u.id]
    assert (a.state, a.call_uniqueid) == ("on_call", UID)  # the agent who added them: unchanged
    env.stack.clock.advance(20)  # type: ignore[attr-defined]
    await _ami(env, _seat_leg(leg, Event="Hangup", Cause="16"))  # kicked out, or hung up
    assert (b.state, b.call_uniqueid) == ("wrapup", leg)
    await env.stack.tracker.flush()
    c = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert c is not None and (c.outcome, c.end_reason, c.wait_seconds, c.talk_seconds) == (
        "answered", "completed", 3.0, 20.0)
    assert env.stack.tracker.call(UID) is not None  # the customer's call goes on
    assert env.conf.seat_legs == {}
    # the board shows it through the agent's row, as any call: on a call counted today
    assert env.stack.board.agent_row(b, env.stack.clock.now())["calls_today"] == 1


async def test_a_paused_agent_at_the_seat_goes_back_to_their_pause_after_the_leg(env: Env) -> None:
    u = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    await env.stack.acd.pause(wang, "meal")
    await _inbound_call(env, u)
    b = env.stack.acd.agents[wang.id]
    await env.stack.acd.conference_add(u, "seat", "1002")
    leg = _originated(env)["channel_id"]
    assert (b.state, b.paused_before) == ("ringing", "meal")
    await _ami(env, _response(leg, True))
    assert b.state == "on_call"
    await _ami(env, _seat_leg(leg, Event="Hangup", Cause="16"))
    assert (b.state, b.reason, b.call_uniqueid) == ("paused", "meal", None)
    assert [n for n, _ in env.ami.take()] == []  # no wrap-up pause, no unpause: the member stayed paused

    # rung again and busy (a second line): back to the pause, the leg busy
    await env.stack.acd.conference_add(u, "seat", "1002")
    leg = _originated(env)["channel_id"]
    await _ami(env, _seat_leg(leg, Event="Hangup", Cause="17"))
    assert (b.state, b.reason) == ("paused", "meal")
    await _ami(env, _response(leg, False, "5"))
    await env.stack.tracker.flush()
    c = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert c is not None and (c.outcome, c.end_reason) == ("busy", "party_busy")

    # a ready agent whose phone rings out: ready again, the leg not answered
    await env.stack.acd.ready(wang)
    await env.stack.acd.conference_add(u, "seat", "1002")
    leg = _originated(env)["channel_id"]
    assert b.state == "ringing"
    await _ami(env, _response(leg, False, "3"))
    assert (b.state, b.call_uniqueid) == ("ready", None)
    await env.stack.tracker.flush()
    c = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert c is not None and (c.outcome, c.end_reason) == ("no_answer", "party_no_answer")
    assert env.conf.seat_legs == {}


async def test_an_originate_refused_leaves_no_ringing_agent_no_open_leg_and_nothing_expected(env: Env) -> None:
    u = await env.agent("li", "1001")
    wang = await env.agent("wang", "1002")
    await env.stack.acd.pause(wang, "meeting")
    await _inbound_call(env, u)
    env.ami.refuse_originate = True  # the conference starts (the Redirect), the party's Originate is refused
    await _refused(Unavailable, "acd.asterisk_action_failed", env.stack.acd.conference_add(u, "seat", "1002"))
    b = env.stack.acd.agents[wang.id]
    assert (b.state, b.reason, b.call_uniqueid) == ("paused", "meeting", None)
    await _refused(Unavailable, "acd.asterisk_action_failed", env.stack.acd.conference_add(u, "queue", "consultation"))
    await _refused(Unavailable, "acd.asterisk_action_failed",
                   env.stack.acd.conference_add(u, "outside", "13900139000", None, OUTSIDE))
    await env.stack.tracker.flush()
    calls, _ = await env.stack.calls_repo.search()
    legs = [c for c in calls if c.direction == "outbound"]
    assert sorted((c.dialled_number, c.outcome, c.end_reason) for c in legs) == [  # the outside one: no leg yet
        ("1002", "failed", "originate_failed"), ("consultation", "failed", "originate_failed")]
    tracker = env.stack.tracker
    assert tracker._leg_origins == {} and tracker._queue_halves == {} and env.conf.seat_legs == {}
    assert set(tracker.active) == {UID}

    # accepted, but the outside numbers' gate refuses the number: its Local half hangs up without dialling
    env.ami.refuse_originate = False
    await env.stack.acd.conference_add(u, "outside", "13900139000", None, OUTSIDE)
    half = _originated(env)["other_channel_id"]
    assert set(tracker._leg_origins) == {half}
    await _ami(env, {"Event": "Hangup", "Uniqueid": half, "Linkedid": "1772442000.50", "Cause": "16",
                     "Channel": "Local/13900139000@cc-transfer-outside-00000001;2", "Context": "cc-transfer-outside"})
    assert tracker._leg_origins == {}


async def test_a_queues_expert_is_on_the_call_and_wraps_up_outside_the_queues_figures(env: Env) -> None:
    u = await env.agent("li", "1001")
    zhao = await env.agent("zhao", "1003", {"consultation": "senior"})
    await _inbound_call(env, u)
    await env.stack.acd.conference_add(u, "queue", "consultation", "13800138000")
    fields = _originated(env)
    leg, half = fields["channel_id"], fields["other_channel_id"]
    stored = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert stored is not None and (stored.direction, stored.linkedid, stored.queue, stored.agent_username) == (
        "outbound", UID, "consultation", "li")
    queued = {"Uniqueid": half, "Linkedid": leg, "Channel": "Local/q-consultation@cc-conference-queue-00000002;2",
              "Context": "cc-conference-queue", "Exten": "q-consultation", "Queue": "consultation",
              "CallerIDNum": "13800138000"}
    expert = {"Interface": "PJSIP/1003", "MemberName": "Zhao", "DestChannel": "PJSIP/1003-0000000b"}
    clock = env.stack.clock
    await _ami(env, {**queued, "Event": "QueueCallerJoin"})
    await _ami(env, {**queued, **expert, "Event": "AgentCalled"})
    z = env.stack.acd.agents[zhao.id]
    assert z.state == "ringing"
    clock.advance(2)  # type: ignore[attr-defined]
    await _ami(env, {**queued, **expert, "Event": "AgentConnect"})
    assert z.state == "on_call"
    await _ami(env, {**_response(leg, True), "Channel": "Local/q-consultation@cc-conference-queue-00000002;1"})
    clock.advance(30)  # type: ignore[attr-defined]
    await _ami(env, {**queued, **expert, "Event": "AgentComplete", "TalkTime": "30", "Reason": "caller"})
    assert (z.state, z.call_queue) == ("wrapup", None)  # the queue's wrap-up time, no wrap-up of a queue call
    await _ami(env, {**queued, "Event": "Hangup", "Cause": "16"})
    await _ami(env, {"Event": "Hangup", "Uniqueid": leg, "Linkedid": leg, "Context": "cc-conference",
                     "Exten": "party", "Channel": "Local/q-consultation@cc-conference-queue-00000002;1", "Cause": "16"})
    await env.stack.acd.ready(zhao)  # the wrap-up over
    await env.stack.tracker.flush()
    c = await env.stack.calls_repo.get_by_uniqueid(leg)
    assert c is not None and (c.outcome, c.agent_username, c.agent_extension, c.talk_seconds, c.queued_at) == (
        "answered", "li", "1003", 30.0, None)
    assert await env.stack.calls_repo.get_by_uniqueid(half) is None
    # the consultation queue was offered nothing, answered nothing, and had no wrap-up of a call of its own
    assert env.stack.board.figures.fig.span("consultation", T0 - timedelta(hours=1)) == (0.0,) * 9
