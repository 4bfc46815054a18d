"""Call tracking from AMI traces recorded from the real Asterisk (tests/fixtures/*.jsonl)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.asterisk.ami import AmiEvent, EventDispatcher
from callcenter.asterisk.trace import load_trace, replay
from callcenter.calls import events as call_events
from callcenter.calls.models import Call
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallTracker, interface_extension
from callcenter.clock import FakeClock
from callcenter.db import make_engine, make_sessionmaker
from tests.helpers import FIXTURES

pytestmark = pytest.mark.db


class Harness:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.repo = CallRepository(self.engine, make_sessionmaker(self.engine))
        self.clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
        self.tracker = CallTracker(self.repo, self.clock, "from-trunk")
        self.dispatcher = EventDispatcher()
        self.dispatcher.register_map(call_events.handlers(self.tracker))

    async def calls(self) -> list[Call]:
        rows, _ = await self.repo.search(limit=1000)
        return rows


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = Harness(db_url)
    yield harness
    await harness.engine.dispose()


def _event_time(events: list[AmiEvent], name: str) -> datetime:
    ev = next(e for e in events if e.name == name)
    assert ev.timestamp is not None
    return datetime.fromtimestamp(ev.timestamp, UTC)


async def test_answered_call_from_real_trace(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    await replay(h.dispatcher, events)
    [c] = await h.calls()
    assert c.outcome == "answered"
    assert c.end_reason == "completed"
    assert c.queue == "support"
    assert c.agent_extension == "1001" and c.agent_interface == "PJSIP/1001" and c.agent_name == "Agent 1001"
    assert c.caller_number == "sipp" and c.dialled_number == "4000"
    assert c.channel and c.channel.startswith("PJSIP/trunk-")
    assert c.uniqueid == c.linkedid
    assert c.arrived_at == _event_time(events, "Newchannel")
    assert c.queued_at == _event_time(events, "QueueCallerJoin")
    assert c.ringing_at == _event_time(events, "AgentCalled")
    assert c.answered_at == _event_time(events, "AgentConnect")
    assert c.ended_at is not None and c.answered_at is not None and c.queued_at is not None
    assert c.arrived_at < c.queued_at <= c.ringing_at < c.answered_at < c.ended_at
    assert c.wait_seconds == pytest.approx((c.answered_at - c.queued_at).total_seconds())
    assert c.talk_seconds == pytest.approx((c.ended_at - c.answered_at).total_seconds(), abs=1.0)
    assert h.tracker.active == {}
    assert h.dispatcher.errors == 0


async def test_abandoned_in_queue_from_real_trace(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_abandoned_in_queue.jsonl")
    await replay(h.dispatcher, events)
    [c] = await h.calls()
    assert c.outcome == "abandoned" and c.end_reason == "caller_hangup_in_queue"
    assert c.ringing_at is not None and c.answered_at is None and c.agent_extension is None
    assert c.wait_seconds is not None and c.ended_at is not None and c.queued_at is not None
    assert c.wait_seconds == pytest.approx((c.ended_at - c.queued_at).total_seconds())


async def test_hangup_in_ivr_from_real_trace(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_hangup_in_ivr.jsonl")
    await h.tracker.ivr_entered(next(e for e in events if e.name == "Newchannel")["Uniqueid"], {"agi_callerid": "sipp"})
    await replay(h.dispatcher, events)
    [c] = await h.calls()
    assert c.outcome == "abandoned" and c.end_reason == "caller_hangup_in_ivr"
    assert c.queue is None and c.queued_at is None


async def test_replaying_a_trace_twice_changes_nothing(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    await replay(h.dispatcher, events)
    [first] = await h.calls()
    snapshot = {k: getattr(first, k) for k in Call.__table__.columns.keys()}
    # a fresh tracker (service restarted) and the same one both ignore the replay
    await replay(h.dispatcher, events)
    h2 = CallTracker(h.repo, h.clock, "from-trunk")
    d2 = EventDispatcher()
    d2.register_map(call_events.handlers(h2))
    await replay(d2, events)
    rows = await h.calls()
    assert len(rows) == 1
    assert {k: getattr(rows[0], k) for k in snapshot} == snapshot
    assert h2.active == {}


async def test_agi_before_newchannel_is_merged(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    uid = next(e for e in events if e.name == "Newchannel")["Uniqueid"]
    h.clock.set(_event_time(events, "Newchannel") + timedelta(seconds=0.2))
    await h.tracker.ivr_entered(uid, {"agi_channel": "PJSIP/trunk-x", "agi_callerid": "sipp"})
    await replay(h.dispatcher, events)
    [c] = await h.calls()
    assert c.arrived_at == _event_time(events, "Newchannel")  # the earlier of the two
    assert c.linkedid == uid and c.ivr_entered_at is not None


async def test_events_of_other_contexts_are_ignored(h: Harness) -> None:
    await h.dispatcher.dispatch(AmiEvent(Event="Newchannel", Uniqueid="1.1", Linkedid="1.1", Context="agents",
                                         Channel="PJSIP/1001-01", Timestamp="1795438582.0"))
    # an agent leg (Linkedid of the caller) in the inbound context is not a new call either
    await h.dispatcher.dispatch(AmiEvent(Event="Newchannel", Uniqueid="1.3", Linkedid="1.2", Context="from-trunk"))
    await h.dispatcher.dispatch(AmiEvent(Event="Hangup", Uniqueid="9.9"))
    assert await h.calls() == []


async def test_queue_timeout_is_failed(h: Harness) -> None:
    t = "1795438600.0"
    for ev in (
        AmiEvent(Event="Newchannel", Uniqueid="5.1", Linkedid="5.1", Context="from-trunk", Exten="4000",
                 CallerIDNum="13800000000", Timestamp=t),
        AmiEvent(Event="QueueCallerJoin", Uniqueid="5.1", Queue="support", Timestamp="1795438602.0"),
        AmiEvent(Event="QueueCallerLeave", Uniqueid="5.1", Queue="support", Timestamp="1795438902.0"),
        AmiEvent(Event="Hangup", Uniqueid="5.1", Cause="16", Timestamp="1795438902.5"),
    ):
        await h.dispatcher.dispatch(ev)
    [c] = await h.calls()
    assert (c.outcome, c.end_reason) == ("failed", "queue_timeout")
    assert c.wait_seconds == pytest.approx(300.5)


async def test_resync_closes_calls_lost_while_disconnected_and_picks_up_live_ones(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    connect = next(i for i, e in enumerate(events) if e.name == "AgentConnect")
    await replay(h.dispatcher, events[: connect + 1])  # AMI link drops right after the answer
    uid = next(e for e in events if e.name == "Newchannel")["Uniqueid"]
    assert uid in h.tracker.active
    [open_call] = await h.repo.open_calls()
    assert open_call.uniqueid == uid

    h.clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    live = [{"Event": "CoreShowChannel", "Uniqueid": "7.1", "Linkedid": "7.1", "Context": "from-trunk",
             "Channel": "PJSIP/trunk-00000009", "CallerIDNum": "02112345678", "Exten": "4000",
             "Duration": "00:00:42"},
            {"Event": "CoreShowChannel", "Uniqueid": "7.2", "Linkedid": "7.1", "Context": "agents"}]
    entries = [{"Event": "QueueEntry", "Queue": "support", "Uniqueid": "7.1", "Wait": "30"}]
    result = await h.tracker.resync(live, entries)
    assert result == {"closed": 1, "picked_up": 1}

    lost = await h.repo.get_by_uniqueid(uid)
    assert lost is not None
    assert (lost.outcome, lost.end_reason) == ("answered", "lost_during_disconnect")
    assert lost.ended_at == h.clock.now()
    picked = await h.repo.get_by_uniqueid("7.1")
    assert picked is not None and picked.ended_at is None
    assert picked.arrived_at == h.clock.now() - timedelta(seconds=42)
    assert picked.queue == "support" and picked.queued_at == h.clock.now() - timedelta(seconds=30)
    assert set(h.tracker.active) == {"7.1"}


async def test_service_restart_reloads_open_calls(h: Harness) -> None:
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    connect = next(i for i, e in enumerate(events) if e.name == "AgentConnect")
    await replay(h.dispatcher, events[: connect + 1])
    fresh = CallTracker(h.repo, h.clock, "from-trunk")
    assert await fresh.load_open_calls() == 1
    d = EventDispatcher()
    d.register_map(call_events.handlers(fresh))
    await replay(d, events[connect + 1:])
    [c] = await h.calls()
    assert c.outcome == "answered" and c.ended_at is not None and c.answered_at is not None


def test_interface_extension() -> None:
    assert interface_extension("PJSIP/1001") == "1001"
    assert interface_extension("Local/1002@agents/n") == "1002"
    assert interface_extension("PJSIP/1003-0000000a") == "1003"
    assert interface_extension(None) is None


async def test_write_behind_stores_everything_by_the_time_it_stops(h: Harness) -> None:
    """The running service writes call records behind; stopping it waits for the batch being written."""
    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    real = h.repo.upsert_many
    in_write = asyncio.Event()

    async def slow_upsert_many(rows: list[dict[str, Any]]) -> None:
        in_write.set()
        await asyncio.sleep(0.2)  # a slow disk: stop_writer arrives while this batch is in flight
        await real(rows)

    h.repo.upsert_many = slow_upsert_many  # type: ignore[method-assign]
    h.tracker.start_writer()
    await replay(h.dispatcher, events)
    await in_write.wait()
    await h.tracker.stop_writer()
    [c] = await h.calls()
    assert c.outcome == "answered" and c.ended_at is not None and c.agent_extension == "1001"
    assert h.tracker.writes >= 1


# --- the resync and events racing (issue 12 item 7) ------------------------------------------------------------
# On a first start against an Asterisk that booted seconds earlier, an agent left in wrap-up answered the first
# queue call, Asterisk bridged it, yet the desktop stayed "ready" with no pop and the call was stored as
# abandoned / caller_hangup_in_queue with no agent. The AMI resync reads its snapshots (CoreShowChannels, then
# QueueStatus) while the dispatcher keeps handling events: events that arrive between the reads and the apply
# were dropped (a call the resync had not picked up yet) or undone (a call missing from the older channel list).


class RacingAmi:
    """The two snapshots the resync asks for, with the recorded events of the call delivered to the dispatcher
    at a chosen point of the resync, as the real AMI client does (a separate task keeps dispatching)."""

    def __init__(self, dispatcher: EventDispatcher, channels: list[dict[str, str]],
                 entries: list[dict[str, str]], during: dict[str, list[AmiEvent]]) -> None:
        self.dispatcher, self.channels, self.entries, self.during = dispatcher, channels, entries, during

    async def _deliver(self, point: str) -> None:
        for ev in self.during.get(point, []):
            await self.dispatcher.dispatch(ev)

    async def core_show_channels(self) -> list[AmiEvent]:
        snapshot = [AmiEvent(Event="CoreShowChannel", **c) for c in self.channels]
        await self._deliver("after_channels")  # arrive after Asterisk answered the channel list
        return snapshot

    async def queue_status(self) -> list[AmiEvent]:
        snapshot = [AmiEvent(Event="QueueEntry", **e) for e in self.entries]
        await self._deliver("after_queue_status")  # arrive before the resync applies what it read
        return snapshot


@pytest.mark.parametrize("window", ["after_channels", "after_queue_status"])
async def test_a_call_answered_while_the_first_resync_runs_is_answered_by_the_agent(
        db_url: str, workdir: Any, window: str) -> None:
    from callcenter.realtime.notify import agent_topic
    from tests.unit.wired import close_wired, wired_stack

    events = load_trace(FIXTURES / "ami_answered_call.jsonl")
    calls = [e for e in events if e.name in ("Newchannel", "QueueCallerJoin", "AgentCalled", "QueueCallerLeave",
                                             "AgentConnect", "BridgeEnter", "Hangup")]
    uid = calls[0]["Uniqueid"]
    clock = FakeClock(_event_time(events, "Newchannel") - timedelta(seconds=5))
    # the service ran before: the agent took a call and was left in wrap-up when it stopped
    first, _ = await wired_stack(db_url, workdir, clock)
    user = await first.auth.create_user("li", "test-password-1", ["agent"], "Li")
    await first.directory_repo.set_skill(user.id, "support", "senior")
    await first.acd.login(user, "1001")
    await first.acd.ready(user)
    old = {"Uniqueid": "1795438500.7", "Linkedid": "1795438500.7", "Interface": "PJSIP/1001", "Queue": "support",
           "DestChannel": "PJSIP/1001-00000000"}
    for name in ("AgentCalled", "AgentConnect", "AgentComplete"):
        await first.dispatcher.dispatch(AmiEvent(Event=name, **old))
    assert first.acd.agents[user.id].state == "wrapup"
    await close_wired(first)

    clock.advance(3)
    stack, _ = await wired_stack(db_url, workdir, clock)  # the first start against the freshly booted Asterisk
    try:
        assert stack.acd.agents[user.id].state == "wrapup"
        sent: list[dict[str, Any]] = []

        async def send(text: str) -> None:
            import json

            sent.append(json.loads(text))

        async def close(code: int, reason: str) -> None:
            pass

        stack.hub.register(send, close, {agent_topic("li")}, label="desk")
        answer = [e for e in calls if e.name != "Hangup"]
        if window == "after_channels":  # the call arrives while the channel list is read: not in it
            channels: list[dict[str, str]] = []
            entries: list[dict[str, str]] = []
            during = {window: answer}
        else:  # it was queued before we connected (in both snapshots); answered before they are applied
            channels = [{"Uniqueid": uid, "Linkedid": uid, "Context": "from-trunk", "Channel": calls[0]["Channel"],
                         "CallerIDNum": "sipp", "Exten": "4000", "Duration": "00:00:02", "BridgeId": ""}]
            entries = [{"Queue": "support", "Uniqueid": uid, "Wait": "1", "CallerIDNum": "sipp"}]
            during = {window: [e for e in answer if e.name not in ("Newchannel", "QueueCallerJoin")]}
        clock.set(_event_time(events, "AgentConnect"))
        await stack._resync(RacingAmi(stack.dispatcher, channels, entries, during))  # type: ignore[arg-type]
        await stack.pop.idle()

        agent = stack.acd.agents[user.id]
        assert (agent.state, agent.call_uniqueid) == ("on_call", uid)
        pop = stack.pop.current["li"]
        assert pop["call_uniqueid"] == uid and pop["phase"] == "active"
        assert any(m["type"] == "pop" and m["pop"]["call_uniqueid"] == uid for m in sent)
        assert sent[-1]["type"] != "pop_cleared"
        assert await stack.customer_access.handling_calls("li") == {uid}  # the customer access rule: the call is li's

        for ev in (e for e in calls if e.name == "Hangup"):
            await stack.dispatcher.dispatch(ev)
        c = await stack.calls_repo.get_by_uniqueid(uid)
        assert c is not None
        assert (c.outcome, c.end_reason, c.agent_extension) == ("answered", "completed", "1001")
        assert c.answered_at == _event_time(events, "AgentConnect")
        assert stack.acd.agents[user.id].state == "wrapup"  # the agent's leg hung up: the call's wrap-up
        assert stack.dispatcher.errors == 0
    finally:
        await close_wired(stack)


# outbound calls (issue 15, "1. Outbound calls are calls") ----------------------------------------------------------
OUT = "1764000000.900000001"


async def _outbound(h: Harness, *steps: dict[str, str]) -> Call:
    """An outbound call placed by agent li at 1001 for customer 7, then the AMI events ``steps`` (each with its
    Event; the first leg's fields filled in), ending with the first leg's hang-up."""
    await h.tracker.outbound_started(OUT, "13800138000", agent_username="li", agent_extension="1001",
                                     agent_interface="PJSIP/1001", agent_name="Li", customer_id=7, caller_id="4000")
    [c] = await h.calls()
    assert (c.direction, c.outcome, c.ended_at, c.customer_id, c.agent_username) == ("outbound", None, None, 7, "li")
    assert c.ringing_at == c.arrived_at == h.clock.now()
    leg = {"Uniqueid": OUT, "Linkedid": OUT, "Channel": "PJSIP/1001-0000000a"}
    for step in (*steps, {"Event": "Hangup", "Cause": "16"}):
        h.clock.advance(5)
        ts = str(h.clock.now().timestamp())
        await h.dispatcher.dispatch(AmiEvent({**leg, "Timestamp": ts, **step}))
    [c] = await h.calls()
    assert c.ended_at is not None and h.tracker.active == {}
    return c


DIAL = {"Event": "DialBegin", "DestChannel": "PJSIP/trunk-0000000b", "DestUniqueid": "1764000000.12"}


ORIGINATE_DIAL = {"Uniqueid": "", "Linkedid": "", "Channel": "", "DestChannel": "PJSIP/1001-0000000a",
                  "DestUniqueid": OUT}


def _dial_end(status: str) -> dict[str, str]:
    return {**DIAL, "Event": "DialEnd", "DialStatus": status}


async def test_an_answered_outbound_call_is_stored_with_its_talk_time(h: Harness) -> None:
    c = await _outbound(h, DIAL, _dial_end("ANSWER"), {"Event": "Newstate"})
    assert (c.outcome, c.end_reason, c.caller_number, c.dialled_number) == (
        "answered", "completed", "13800138000", "13800138000")
    assert c.agent_extension == "1001" and c.channel == "PJSIP/1001-0000000a" and c.queue is None
    assert c.answered_at is not None and c.arrived_at is not None
    assert (c.answered_at - c.arrived_at).total_seconds() == pytest.approx(10) == c.wait_seconds
    assert c.talk_seconds == pytest.approx(10)


@pytest.mark.parametrize(("steps", "outcome", "reason"), [
    ([DIAL, _dial_end("NOANSWER")], "no_answer", "customer_no_answer"),
    ([DIAL, _dial_end("BUSY")], "busy", "customer_busy"),
    ([DIAL, {"Event": "Hangup", "Uniqueid": "1764000000.12", "Channel": "PJSIP/trunk-0000000b", "Cause": "21"},
      _dial_end("CHANUNAVAIL")], "rejected", "customer_rejected"),
    ([DIAL, {"Event": "Hangup", "Uniqueid": "1764000000.12", "Channel": "PJSIP/trunk-0000000b", "Cause": "19"},
      _dial_end("CHANUNAVAIL")], "no_answer", "customer_no_answer"),  # a SIP 480 from the customer's network
    ([DIAL, _dial_end("CONGESTION")], "failed", "dial_congestion"),
    ([DIAL, _dial_end("CANCEL")], "failed", "agent_hung_up"),
    ([DIAL], "failed", "agent_hung_up"),
    ([], "failed", "agent_no_answer"),
    # the Originate's own Dial of the agent's phone (no caller channel; the agent's leg as its destination): its
    # ANSWER is the agent taking the phone, not the customer answering
    ([{**ORIGINATE_DIAL, "Event": "DialBegin"}, {**ORIGINATE_DIAL, "Event": "DialEnd", "DialStatus": "ANSWER"},
      DIAL, _dial_end("NOANSWER")], "no_answer", "customer_no_answer"),
])
async def test_an_unanswered_outbound_call_says_why(h: Harness, steps: list[dict[str, str]], outcome: str,
                                                    reason: str) -> None:
    c = await _outbound(h, *steps)
    assert (c.outcome, c.end_reason, c.answered_at, c.talk_seconds) == (outcome, reason, None, None)


async def test_an_outbound_call_that_could_not_be_placed_is_failed(h: Harness) -> None:
    await h.tracker.outbound_started(OUT, "13800138000", agent_username="li", agent_extension="1001",
                                     agent_interface="PJSIP/1001", agent_name="Li", customer_id=None)
    await h.tracker.outbound_failed(OUT, "originate_failed")
    [c] = await h.calls()
    assert (c.outcome, c.end_reason, c.direction) == ("failed", "originate_failed", "outbound")


async def test_the_resync_keeps_an_outbound_calls_agent_and_the_customers_side_it_knew(h: Harness) -> None:
    """After a disconnect: an outbound call found bridged with the customer is answered (the customer's leg is not
    the agent: the call keeps the agent who placed it); one found gone after the customer was busy stays busy
    (only the end reason says its end was not seen)."""
    await h.tracker.outbound_started(OUT, "13800138000", agent_username="li", agent_extension="1001",
                                     agent_interface="PJSIP/1001", agent_name="Li", customer_id=7)
    leg = {"Uniqueid": OUT, "Linkedid": OUT, "Channel": "PJSIP/1001-0000000a"}
    await h.dispatcher.dispatch(AmiEvent({**leg, **DIAL}))  # the link drops while the customer's phone rings
    h.clock.advance(20)
    live = [{"Event": "CoreShowChannel", **leg, "BridgeId": "b1", "Duration": "00:00:20"},
            {"Event": "CoreShowChannel", "Uniqueid": "1764000000.12", "Linkedid": OUT, "BridgeId": "b1",
             "Channel": "PJSIP/trunk-0000000b", "Duration": "00:00:08"}]
    assert (await h.tracker.resync(live, [])) == {"closed": 0, "picked_up": 0, "answered": 1}
    c = await h.repo.get_by_uniqueid(OUT)
    assert c is not None and c.answered_at == h.clock.now() - timedelta(seconds=8)
    assert (c.agent_interface, c.agent_extension, c.agent_username) == ("PJSIP/1001", "1001", "li")
    h.clock.advance(30)
    await h.dispatcher.dispatch(AmiEvent({**leg, "Event": "Hangup", "Cause": "16"}))
    c = await h.repo.get_by_uniqueid(OUT)
    assert c is not None and (c.outcome, c.end_reason, c.talk_seconds) == ("answered", "completed", 38.0)

    second = "1764000000.900000002"
    await h.tracker.outbound_started(second, "13800138001", agent_username="li", agent_extension="1001",
                                     agent_interface="PJSIP/1001", agent_name="Li", customer_id=7)
    leg = {"Uniqueid": second, "Linkedid": second, "Channel": "PJSIP/1001-0000000c"}
    await h.dispatcher.dispatch(AmiEvent({**leg, **DIAL, "DestUniqueid": "1764000000.14"}))
    await h.dispatcher.dispatch(AmiEvent({**leg, **_dial_end("BUSY"), "DestUniqueid": "1764000000.14"}))
    assert (await h.tracker.resync([], [])) == {"closed": 1, "picked_up": 0}  # its Hangup was missed
    c = await h.repo.get_by_uniqueid(second)
    assert c is not None and (c.outcome, c.end_reason) == ("busy", "lost_during_disconnect")


async def test_a_trunk_leg_dialled_for_an_inbound_call_is_an_outbound_call_of_its_agent(h: Harness) -> None:
    """A blind transfer to an outside number: the caller's channel dials the trunk. The leg is stored under its own
    uniqueid, tied to the caller's call, with that call's agent; its end and outcome are its own."""
    caller = {"Uniqueid": "1764000000.1", "Linkedid": "1764000000.1", "Channel": "PJSIP/trunk-00000001"}
    leg = {"DestUniqueid": "1764000000.5", "DestChannel": "PJSIP/trunk-00000005"}
    events = [
        {**caller, "Event": "Newchannel", "Context": h.tracker.inbound_context, "CallerIDNum": "13700137000",
         "Exten": "4000"},
        {**caller, "Event": "QueueCallerJoin", "Queue": "support"},
        {**caller, "Event": "AgentConnect", "Queue": "support", "Interface": "PJSIP/1001", "MemberName": "Li"},
        {**caller, **leg, "Event": "DialBegin", "DialString": "trunk/sip:13900139000@127.0.0.2:5060"},
        {**caller, **leg, "Event": "DialEnd", "DialStatus": "ANSWER"},
        {"Event": "Hangup", "Uniqueid": "1764000000.5", "Linkedid": "1764000000.1",
         "Channel": "PJSIP/trunk-00000005", "Cause": "16"},
    ]
    for ev in events:
        h.clock.advance(2)
        await h.dispatcher.dispatch(AmiEvent({"Timestamp": str(h.clock.now().timestamp()), **ev}))
    calls = {c.uniqueid: c for c in await h.calls()}
    out = calls["1764000000.5"]
    assert (out.direction, out.caller_number, out.linkedid, out.agent_extension, out.agent_name, out.outcome) == (
        "outbound", "13900139000", "1764000000.1", "1001", "Li", "answered")
    assert out.ended_at is not None and out.answered_at is not None
    assert calls["1764000000.1"].direction == "inbound" and calls["1764000000.1"].ended_at is None
    # a dial of a seat (not the trunk), or a dial string that names no number, is no call of its own
    for other in ({**caller, "Event": "DialBegin", "DestUniqueid": "1764000000.6", "DestChannel": "PJSIP/1002-6",
                   "DialString": "1002"},
                  {**caller, "Event": "DialBegin", "DestUniqueid": "1764000000.7",
                   "DestChannel": "PJSIP/trunk-00000007", "DialString": "trunk/sip:x@h"}):
        await h.dispatcher.dispatch(AmiEvent(other))
    assert set(h.tracker.active) == {"1764000000.1"}


# ---- a conference's party legs (issue 15, parts 1 and 5) ---------------------------------------------------------

CALL = "1764000000.1"  # the conference's call (an inbound caller)
LEG = "1764000000.900000005"  # the party leg's originated channel (Originate ChannelId)
HALF = "1764000000.900000006"  # an expert's queued Local half (OtherChannelId)
PLACER = {"agent_username": "li", "agent_extension": "1001", "agent_interface": "PJSIP/1001", "agent_name": "Li"}


async def _the_call(h: Harness) -> None:
    caller = {"Uniqueid": CALL, "Linkedid": CALL, "Channel": "PJSIP/trunk-00000001"}
    for ev in ({**caller, "Event": "Newchannel", "Context": h.tracker.inbound_context, "CallerIDNum": "13700137000",
                "Exten": "4000"},
               {**caller, "Event": "QueueCallerJoin", "Queue": "support"},
               {**caller, "Event": "AgentConnect", "Queue": "support", "Interface": "PJSIP/1001", "MemberName": "Li"}):
        await h.dispatcher.dispatch(AmiEvent(ev))


async def _events(h: Harness, *events: dict[str, str]) -> None:
    for ev in events:
        h.clock.advance(5)
        await h.dispatcher.dispatch(AmiEvent({"Timestamp": str(h.clock.now().timestamp()), **ev}))


SEAT_LEG = {"Uniqueid": LEG, "Linkedid": LEG, "Channel": "PJSIP/1002-0000000c", "Context": "cc-conference",
            "Exten": "party"}


def _response(ok: bool, reason: str = "4", uid: str = LEG) -> dict[str, str]:
    return {"Event": "OriginateResponse", "ActionID": f"cc-originate-{uid}", "Response": "Success" if ok else "Failure",
            "Reason": reason, "Channel": "PJSIP/1002-0000000c" if ok else "PJSIP/1002"}


async def test_a_seat_partys_leg_is_an_outbound_call_of_the_placer_answered_when_the_phone_is_taken(
        h: Harness) -> None:
    await _the_call(h)
    st = await h.tracker.party_leg_started(LEG, CALL, "1002", **PLACER)
    stored = await h.repo.get_by_uniqueid(LEG)  # stored before anything rings
    assert stored is not None and (stored.direction, stored.linkedid, stored.dialled_number, stored.caller_number,
                                   stored.agent_username, stored.agent_extension, stored.ended_at) == (
        "outbound", CALL, "1002", "13700137000", "li", "1001", None)
    assert st.queued_at is None and st.queue is None
    await _events(h, _response(True), {**SEAT_LEG, "Event": "BridgeEnter", "BridgeUniqueid": "conf-1"},
                  {**SEAT_LEG, "Event": "Hangup", "Cause": "16"})
    c = await h.repo.get_by_uniqueid(LEG)
    assert c is not None and (c.outcome, c.end_reason, c.talk_seconds, c.wait_seconds) == (
        "answered", "completed", 10.0, 5.0)
    assert c.channel == "PJSIP/1002-0000000c" and c.answered_at is not None and c.ended_at is not None
    assert set(h.tracker.active) == {CALL}  # the customer's call goes on, unchanged
    call = h.tracker.active[CALL]
    assert (call.agent_extension, call.outcome, call.direction) == ("1001", None, "inbound")


HUNG_UP = {**SEAT_LEG, "Event": "Hangup", "Channel": "PJSIP/1002-0000000c"}


@pytest.mark.parametrize(("steps", "outcome", "reason"), [
    # the dial API hangs the phone's channel up, then the OriginateResponse says why (its Reason)
    ([{**HUNG_UP, "Cause": "17"}, _response(False, "5")], "busy", "party_busy"),
    ([{**HUNG_UP, "Cause": "16"}, _response(False, "3")], "no_answer", "party_no_answer"),
    ([{**HUNG_UP, "Cause": "21"}, _response(False, "8")], "rejected", "party_rejected"),
    ([{**HUNG_UP, "Cause": "19"}, _response(False, "1")], "no_answer", "party_no_answer"),
    ([{**HUNG_UP, "Cause": "38"}, _response(False, "8")], "failed", "dial_congestion"),
    ([{**HUNG_UP, "Cause": "16"}, _response(False, "1")], "failed", "party_hung_up"),
    # the other order: the response first, the Hangup finds it over
    ([_response(False, "3"), {**HUNG_UP, "Cause": "16"}], "no_answer", "party_no_answer"),
    ([_response(False, "5"), {**HUNG_UP, "Cause": "17"}], "busy", "party_busy"),
    # no channel at all (no phone registered at the seat): only the response comes
    ([_response(False, "0")], "failed", "originate_failed"),
])
async def test_an_unanswered_seat_leg_says_why(h: Harness, steps: list[dict[str, str]], outcome: str,
                                                reason: str) -> None:
    await _the_call(h)
    await h.tracker.party_leg_started(LEG, CALL, "1002", **PLACER)
    await _events(h, *steps)
    c = await h.repo.get_by_uniqueid(LEG)
    assert c is not None and (c.outcome, c.end_reason, c.answered_at, c.talk_seconds) == (outcome, reason, None, None)
    assert c.ended_at is not None and c.arrived_at is not None
    # ended when the phone's leg hung up (the first step), not when the response came after it
    assert (c.ended_at - c.arrived_at).total_seconds() == 5.0
    assert set(h.tracker.active) == {CALL}


async def test_a_seat_leg_whose_originate_is_refused_is_failed(h: Harness) -> None:
    await _the_call(h)
    await h.tracker.party_leg_started(LEG, CALL, "1002", **PLACER)
    await h.tracker.outbound_failed(LEG, "originate_failed")
    c = await h.repo.get_by_uniqueid(LEG)
    assert c is not None and (c.outcome, c.end_reason, c.direction) == ("failed", "originate_failed", "outbound")


EXPERT_HALF = {"Uniqueid": HALF, "Linkedid": LEG, "Channel": "Local/q-consultation@cc-conference-queue-0000000d;2",
               "Context": "cc-conference-queue", "Exten": "q-consultation", "Queue": "consultation"}


async def test_an_experts_leg_is_answered_by_the_expert_and_never_a_queue_call(h: Harness) -> None:
    """The queued Local half's app_queue events: no call of its own (not offered to, nor answered in, the queue:
    no queued_at anywhere), the party leg takes the expert who answered as its agent's seat and name, its placer
    stays ``agent_username``."""
    await _the_call(h)
    await h.tracker.party_leg_started(LEG, CALL, "consultation", queue="consultation", queued_half=HALF, **PLACER)
    expert = {"Interface": "PJSIP/1003", "MemberName": "Zhao", "DestChannel": "PJSIP/1003-0000000e"}
    await _events(h, {**EXPERT_HALF, "Event": "Newchannel"}, {**EXPERT_HALF, "Event": "QueueCallerJoin"},
                  {**EXPERT_HALF, **expert, "Event": "AgentCalled"},
                  {**EXPERT_HALF, "Event": "DialBegin", "DestUniqueid": "1764000000.20", "DialString": "1003",
                   "DestChannel": "PJSIP/1003-0000000e"},
                  {**EXPERT_HALF, **expert, "Event": "AgentConnect", "HoldTime": "5"},
                  _response(True, uid=LEG),
                  {**EXPERT_HALF, **expert, "Event": "AgentComplete", "TalkTime": "9"},
                  {**EXPERT_HALF, "Event": "Hangup", "Cause": "16"},
                  {"Event": "Hangup", "Uniqueid": LEG, "Linkedid": LEG, "Context": "cc-conference", "Exten": "party",
                   "Channel": "Local/q-consultation@cc-conference-queue-0000000d;1", "Cause": "16"})
    calls = {c.uniqueid: c for c in await h.calls()}
    assert set(calls) == {CALL, LEG}  # the queued half is no call
    c = calls[LEG]
    assert (c.direction, c.linkedid, c.queue, c.queued_at, c.dialled_number, c.caller_number) == (
        "outbound", CALL, "consultation", None, "consultation", "13700137000")
    assert (c.agent_username, c.agent_extension, c.agent_interface, c.agent_name) == (
        "li", "1003", "PJSIP/1003", "Zhao")
    assert (c.outcome, c.end_reason, c.wait_seconds, c.talk_seconds) == ("answered", "completed", 25.0, 20.0)
    assert h.tracker._queue_halves == {}

    # nobody of the queue takes it: the Originate gives up (its Local half leaves the queue), no answer
    second, half = "1764000000.900000007", "1764000000.900000008"
    await h.tracker.party_leg_started(second, CALL, "consultation", queue="consultation", queued_half=half, **PLACER)
    waiting = {**EXPERT_HALF, "Uniqueid": half, "Linkedid": second}
    await _events(h, {**waiting, "Event": "QueueCallerJoin"}, {**waiting, "Event": "QueueCallerAbandon"},
                  {**waiting, "Event": "Hangup", "Cause": "16"}, _response(False, "1", uid=second))
    c2 = await h.repo.get_by_uniqueid(second)
    assert c2 is not None and (c2.outcome, c2.end_reason, c2.queued_at, c2.agent_extension) == (
        "no_answer", "expert_no_answer", None, "1001")
    assert await h.repo.get_by_uniqueid(half) is None
    assert h.tracker._queue_halves == {} and set(h.tracker.active) == {CALL}


async def test_an_originated_half_that_never_dials_the_trunk_is_forgotten(h: Harness) -> None:
    """``expect_leg`` is undone when the Originate is refused (``forget_leg``) and when the half hangs up without
    dialling (the outside numbers' gate refused the number): nothing is kept for a channel that is gone."""
    await _the_call(h)
    h.tracker.expect_leg("1764000000.900000010", CALL)
    h.tracker.forget_leg("1764000000.900000010")
    assert h.tracker._leg_origins == {}
    h.tracker.expect_leg("1764000000.900000012", CALL)
    await _events(h, {"Event": "Hangup", "Uniqueid": "1764000000.900000012", "Linkedid": "1764000000.900000011",
                      "Channel": "Local/13900139000@cc-transfer-outside-0000000f;2", "Cause": "16"})
    assert h.tracker._leg_origins == {}
    # one that dials: its trunk leg is the call's agent's outbound call, and nothing is left behind either
    h.tracker.expect_leg("1764000000.900000014", CALL)
    half = {"Uniqueid": "1764000000.900000014", "Linkedid": "1764000000.900000013",
            "Channel": "Local/13900139000@cc-transfer-outside-00000010;2"}
    await _events(h, {**half, "Event": "DialBegin", "DestUniqueid": "1764000000.30",
                      "DestChannel": "PJSIP/trunk-00000011", "DialString": "trunk/sip:13900139000@127.0.0.2:5060"},
                  {**half, "Event": "Hangup", "Cause": "16"})
    assert h.tracker._leg_origins == {}
    out = h.tracker.active["1764000000.30"]
    assert (out.linkedid, out.agent_extension, out.direction) == (CALL, "1001", "outbound")
