"""The queued caller's call-back that keeps their place (issue 15, "6."; callcenter/callbacks/queue.py): rendered
into queues.conf and the dialplan only when on and only for the queues that offer it, the spoken offer with them;
the number confirmed on the phone (the FastAGI dialogue with a scripted caller: confirm, another number, bad input,
silence, anonymous) — only a confirmed number is called, else the caller is back at their place; the caller's
call ends as a call-back (not abandoned); the place's position counts who joined before; the place's agent is the
outbound call's agent; the board shows the place as that contact waiting. The whole path on a real Asterisk:
tests/integration/test_queue_callback.py."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.asterisk.ami import AmiEvent, EventDispatcher
from callcenter.asterisk.config import render_config
from callcenter.callbacks.config import QueueCallbackSettings
from callcenter.callbacks.queue import QueueCallbacks
from callcenter.calls import events as call_events
from callcenter.calls.repository import CallRepository
from callcenter.calls.service import CallState, CallTracker
from callcenter.clock import FakeClock
from callcenter.db import make_engine, make_sessionmaker
from tests.helpers import wait_for
from tests.unit.test_config_render import _conf, _new_dir, _settings

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def tmpdirs() -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


def _exit_context(tmpdirs: list[Path], **queue: Any) -> tuple[dict[str, str], str]:
    contexts, plan, _ = _rendered(tmpdirs, **queue)
    return contexts, plan


def _rendered(tmpdirs: list[Path], **queue: Any) -> tuple[dict[str, str], str, dict[str, dict[str, list[str]]]]:
    s = _settings(_new_dir(tmpdirs) / "data", callbacks={"queue": queue},
                  queues=[{"name": "support"}, {"name": "sales"}])
    layout = render_config(s)
    queues = dict(_conf(layout, "queues.conf"))
    contexts = {name: opts.get("context", [""])[0] for name, opts in queues.items()}
    return contexts, (layout.etc / "extensions.conf").read_text(), queues


def test_the_key_is_rendered_only_when_on_and_only_for_the_queues_that_offer_it(tmpdirs: list[Path]) -> None:
    contexts, plan = _exit_context(tmpdirs)
    assert contexts.get("support") == "" and "exten => 1,1" not in plan.split("[cc-queue-exit]")[1].split("[")[0]
    contexts, plan = _exit_context(tmpdirs, enabled=True, key="7", queues=["support"])
    assert (contexts["support"], contexts.get("sales")) == ("cc-queue-exit", "")
    exit_ctx = plan.split("[cc-queue-exit]\n")[1].split("\n[")[0]
    assert re.findall(r"^exten => (\S+?),", exit_ctx, re.M) == ["7"]  # one digit, nothing else leaves the queue
    # the new contexts are internal: nothing includes them
    assert not re.search(r"include\s*=>\s*cc-(queue|callback)", plan)


def test_a_bad_key_is_refused_at_startup() -> None:
    with pytest.raises(ValueError):
        QueueCallbackSettings(enabled=True, key="1&Local/x")


def test_the_offer_is_said_only_in_the_queues_that_offer_it_naming_the_key(tmpdirs: list[Path]) -> None:
    _, _, queues = _rendered(tmpdirs, enabled=True, key="7", queues=["support"], offer_every_seconds=45)
    support, sales = queues["support"], queues["sales"]
    [offer] = support["periodic-announce"]
    # an absolute path without language: Asterisk plays <data_dir>/prompts/<the channel's language>/cc-callback-offer-7
    assert offer.startswith("/") and offer.endswith("/prompts/cc-callback-offer-7") and "," not in offer
    assert support["periodic-announce-frequency"] == ["45"]
    assert "periodic-announce" not in sales and sales["periodic-announce-frequency"] == ["0"]
    _, _, off = _rendered(tmpdirs)  # the call-back off: no queue says it
    assert all("periodic-announce" not in off[n] and off[n]["periodic-announce-frequency"] == ["0"]
               for n in ("support", "sales"))
    _, _, silent = _rendered(tmpdirs, enabled=True, offer_every_seconds=0)  # the key without the words
    assert "periodic-announce" not in silent["support"] and silent["support"]["context"] == ["cc-queue-exit"]


def test_the_offers_frequency_is_refused_out_of_range() -> None:
    for bad in (3, -1, 3601):
        with pytest.raises(ValueError, match="0 .*or 5 to 3600"):
            QueueCallbackSettings(enabled=True, offer_every_seconds=bad)
    assert QueueCallbackSettings(offer_every_seconds=0).offer_every_seconds == 0


def test_the_seeded_prompts_name_the_configured_key(tmp_path: Path) -> None:
    from callcenter.ivr.seed import callback_prompts

    prompts = callback_prompts("7")
    assert [n for n in prompts if n.startswith("cc-callback-offer-")] == ["cc-callback-offer-7"]
    assert "7" in prompts["cc-callback-offer-7"]["zh"] and "press 7" in prompts["cc-callback-offer-7"]["en"]
    assert {f"cc-digit-{d}" for d in "0123456789"} <= set(prompts)


@pytest.fixture
async def tracker(db_url: str) -> Any:
    engine = make_engine(db_url)
    t = CallTracker(CallRepository(engine, make_sessionmaker(engine)), FakeClock(T0), "from-trunk")
    yield t
    await engine.dispose()


def _queued(uid: str, at: datetime, **kw: Any) -> CallState:
    return CallState(uniqueid=uid, linkedid=uid, caller_number=uid, queue="support", queued_at=at, arrived_at=at,
                     **kw)


@pytest.mark.db
async def test_the_place_goes_behind_who_joined_before_and_ahead_of_who_came_later(tracker: CallTracker) -> None:
    for st in (_queued("a", T0), _queued("c", T0 + timedelta(seconds=20)),
               _queued("x", T0 + timedelta(seconds=1), answered_at=T0 + timedelta(seconds=30))):  # answered
        tracker.active[st.uniqueid] = st
    q = QueueCallbacks(None, QueueCallbackSettings(enabled=True), FakeClock(T0), tracker, None,  # type: ignore[arg-type]
                       lambda: "u", "4000", FakePrompts())
    assert q.position_for("support", T0 + timedelta(seconds=10)) == 2  # behind a; c and the answered x not
    for uid, taken in (("p", None), ("t", T0 + timedelta(seconds=9))):  # call-backs' places of callers who joined
        tracker.active[uid] = CallState(uniqueid=uid, direction="outbound", queue="support",  # earlier: one still
                                        queued_at=T0 + timedelta(seconds=5), callback_of=f"{uid}-caller",  # in line
                                        arrived_at=T0 + timedelta(seconds=8), taken_at=taken)  # one taken
    assert q.position_for("support", T0 + timedelta(seconds=10)) == 3
    assert q.position_for("sales", T0 + timedelta(seconds=10)) == 1


@pytest.mark.db
async def test_a_caller_who_asked_is_a_callback_and_the_places_agent_is_the_outbound_calls(
        tracker: CallTracker) -> None:
    d = EventDispatcher()
    d.register_map(call_events.handlers(tracker))
    st = _queued("1764000000.5", T0)
    tracker.active[st.uniqueid] = st
    tracker.callback_requested(st.uniqueid)
    await d.dispatch(AmiEvent({"Event": "Hangup", "Uniqueid": st.uniqueid, "Linkedid": st.uniqueid,
                               "Channel": "PJSIP/trunk-1", "Cause": "16"}))
    [c] = (await tracker.repo.search(limit=10))[0]
    assert (c.outcome, c.end_reason) == ("callback", "callback_requested")  # not abandoned
    out = "1764000001.900000001"
    await tracker.outbound_started(out, "13500000002", agent_username="", agent_extension="", agent_interface="",
                                   agent_name=None, customer_id=None)
    tracker.link_place("1764000001.900000002", out)
    await d.dispatch(AmiEvent({"Event": "AgentConnect", "Uniqueid": "1764000001.900000002", "Queue": "support",
                               "Interface": "PJSIP/1001", "MemberName": "Li",
                               "Linkedid": out, "Channel": "Local/cbq-000001@cc-callback-queue-0;2"}))
    live = tracker.call(out)
    assert live is not None and (live.agent_extension, live.agent_name, live.queue) == ("1001", "Li", "support")
    assert tracker.call("1764000001.900000002") is None  # the place itself is no call of its own


def test_a_caller_who_asked_for_a_call_back_is_offered_not_abandoned_nor_timed_out_on_the_board() -> None:
    from callcenter.wallboard.figures import Figures

    f = Figures("Asia/Shanghai", [("day", "00:00")], lambda _: 20)
    st = _queued("1764000000.7", T0)
    f.observe(st)
    st.left_queue, st.ended_at, st.outcome, st.end_reason = True, T0 + timedelta(seconds=40), "callback", \
        "callback_requested"
    f.observe(st)
    got = f.queue_figures("support", T0 + timedelta(minutes=1))["windows"]["today"]
    assert (got["offered"], got["abandoned"], got["timed_out"], got["answered"]) == (1, 0, 0, 0)
    assert f.queue_figures("support", T0 + timedelta(minutes=1))["waiting"] == 0


# the FastAGI dialogue -------------------------------------------------------------------------------------------
class FakePrompts:
    def resolve(self, name: str, lang: str, fallback_lang: str = "en") -> str:
        return f"/prompts/{lang}/{name}"


class FakeAgi:
    """A caller on the FastAGI ``callback``: ``presses`` = [(where, keys)] in order, where = the prompt during which
    they press (or ``wait``: after the question); a GET DATA gets the keys as typed. Records what was played."""

    def __init__(self, uid: str, callerid: str, presses: list[tuple[str, str]], *, lang: str = "zh",
                 position: str = "3", during: Any = None) -> None:
        self.env = {"agi_uniqueid": uid, "agi_callerid": callerid}
        self.vars = {"CC_QUEUE": "support", "QUEUEPOSITION": position, "CHANNEL(language)": lang}
        self.presses = list(presses)
        self.played: list[str] = []
        self.set: dict[str, str] = {}
        self.during = during  # called at every prompt (what the board shows meanwhile)

    @property
    def uniqueid(self) -> str:
        return self.env["agi_uniqueid"]

    async def get_variable(self, name: str) -> str | None:
        return self.vars.get(name)

    async def set_variable(self, name: str, value: str) -> None:
        self.set[name] = value

    def _press(self, where: str) -> str:
        if self.during is not None:
            self.during()
        return self.presses.pop(0)[1] if self.presses and self.presses[0][0] == where else ""

    async def stream_file(self, name: str, escape_digits: str = "") -> str:
        self.played.append(name)
        return self._press(name.rsplit("/", 1)[-1]) if escape_digits else ""

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self.played.append(prompt)
        return self._press(prompt.rsplit("/", 1)[-1])

    async def wait_for_digit(self, timeout_ms: int) -> str:
        return self._press("wait")

    def said(self) -> list[str]:
        """The prompts' names, in order."""
        return [p.rsplit("/", 1)[-1] for p in self.played]

    def digits_read(self) -> list[str]:
        """Each number read back, as digits."""
        out: list[str] = []
        for name in self.said():
            if name == "cc-callback-number":
                out.append("")
            elif name.startswith("cc-digit-"):
                out[-1] += name[-1]
        return out


class FakeOriginate:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def originate(self, channel: str, context: str, exten: str, **kw: Any) -> None:
        self.calls.append({"channel": channel, "context": context, "exten": exten, **kw})


@pytest.fixture
async def desk(db_url: str) -> Any:
    engine = make_engine(db_url)
    clock = FakeClock(T0 + timedelta(seconds=30))
    t = CallTracker(CallRepository(engine, make_sessionmaker(engine)), clock, "from-trunk")
    ami = FakeOriginate()
    n = iter(range(1, 100))
    q = QueueCallbacks(make_sessionmaker(engine), QueueCallbackSettings(enabled=True), clock, t, ami,
                       lambda: f"1764000100.{next(n)}", "4000", FakePrompts())
    for st in (_queued("a", T0), _queued("b", T0 + timedelta(seconds=5)), _queued("c", T0 + timedelta(seconds=9))):
        st.caller_number = {"a": "13500000001", "b": "13500000002", "c": "13500000003"}[st.uniqueid]
        t.active[st.uniqueid] = st
    yield q, t, ami
    await engine.dispose()


async def _ask(q: QueueCallbacks, agi: FakeAgi) -> list[Any]:
    await q.agi(agi)  # type: ignore[arg-type]
    await q.flush()
    return await q.requests()


@pytest.mark.db
async def test_the_caller_hears_their_number_and_confirms_it(desk: Any) -> None:
    q, t, ami = desk
    agi = FakeAgi("b", "13500000002", [("cc-callback-confirm", "1")])
    [req] = await _ask(q, agi)
    assert agi.digits_read() == ["13500000002"]  # read back digit by digit, in the caller's language
    assert all(p.startswith("/prompts/zh/") for p in agi.played)
    assert (req.number, req.state, agi.set["CC_CALLBACK"]) == ("13500000002", "placed", "ok")
    assert agi.said()[-1] == "cc-callback-thanks"
    [call] = ami.calls
    assert call["exten"] == "13500000002" and call["context"] == "cc-callback-dial"
    assert call["variables"]["_CC_POSITION"] == "2"  # behind a, who joined before b; ahead of c


@pytest.mark.db
async def test_the_caller_types_another_number_and_that_one_is_called(desk: Any) -> None:
    q, t, ami = desk
    agi = FakeAgi("b", "13500000002", [("cc-digit-5", "2"), ("cc-callback-enter", "13900000009"),
                                        ("cc-callback-confirm", "1")])
    [req] = await _ask(q, agi)
    # 2 pressed while their number was read: the typed one is read back too, and only then confirmed
    assert agi.digits_read() == ["135", "13900000009"]
    assert req.number == "13900000009" and [c["exten"] for c in ami.calls] == ["13900000009"]


@pytest.mark.db
async def test_bad_input_is_asked_again_once(desk: Any) -> None:
    q, t, ami = desk
    agi = FakeAgi("b", "13500000002", [("cc-callback-confirm", "2"), ("cc-callback-enter", "139*0"),
                                        ("cc-callback-enter", "13900000009"), ("wait", "1")])
    [req] = await _ask(q, agi)
    assert agi.said().count("cc-callback-invalid") == 1 and req.number == "13900000009"
    # a key that is neither 1 nor 2, then a second bad answer: back in line, nothing stored, nothing dialled
    agi = FakeAgi("c", "13500000003", [("cc-callback-confirm", "7"), ("cc-callback-confirm", "12")])
    assert len(await _ask(q, agi)) == 1 and len(ami.calls) == 1
    assert agi.set == {"CC_CALLBACK": "no", "CC_CALLBACK_POSITION": "3"}  # behind a and b's place


@pytest.mark.db
async def test_silence_puts_the_caller_back_at_their_place(desk: Any) -> None:
    q, t, ami = desk
    t.active["a"].left_queue = True  # a was answered meanwhile: b's place is first now, not the 3rd they had
    t.active["a"].answered_at = T0 + timedelta(seconds=20)
    agi = FakeAgi("b", "13500000002", [], position="3")
    assert await _ask(q, agi) == [] and ami.calls == []
    assert agi.set == {"CC_CALLBACK": "no", "CC_CALLBACK_POSITION": "1"}
    assert agi.said()[-1] == "cc-callback-keep-place"
    assert t.active["b"].confirming_callback  # still waiting for service until back in Queue() (QueueCallerJoin)


@pytest.mark.db
async def test_an_anonymous_caller_types_a_number(desk: Any) -> None:
    q, t, ami = desk
    agi = FakeAgi("b", "anonymous", [("cc-callback-enter", "02155550123"), ("cc-callback-confirm", "1")])
    [req] = await _ask(q, agi)
    assert agi.said()[0] == "cc-callback-enter" and agi.digits_read() == ["02155550123"]
    assert req.number == "02155550123"
    silent = FakeAgi("c", "", [])  # types nothing: back in line
    assert len(await _ask(q, silent)) == 1 and silent.set["CC_CALLBACK"] == "no"


@pytest.mark.db
async def test_a_caller_who_hangs_up_while_confirming_abandoned_in_the_queue(tracker: CallTracker) -> None:
    d = EventDispatcher()
    d.register_map(call_events.handlers(tracker))
    st = _queued("1764000000.6", T0)
    st.left_queue = True  # out of Queue() (QueueCallerLeave) to answer the questions
    tracker.active[st.uniqueid] = st
    tracker.callback_confirming(st.uniqueid)
    await d.dispatch(AmiEvent({"Event": "Hangup", "Uniqueid": st.uniqueid, "Linkedid": st.uniqueid,
                               "Channel": "PJSIP/trunk-2", "Cause": "16"}))
    [c] = (await tracker.repo.search(limit=10))[0]
    assert (c.outcome, c.end_reason) == ("abandoned", "caller_hangup_in_queue")  # not a queue time-out


# the place on the board ----------------------------------------------------------------------------------------
@pytest.mark.db
async def test_the_board_shows_the_place_as_the_same_contact_waiting(db_url: str, tmp_path: Path) -> None:
    from callcenter.realtime.notify import BOARD_TOPIC
    from tests.unit.wired import close_wired, wired_stack

    clock = FakeClock(T0)
    stack, fake_ami = await wired_stack(db_url, tmp_path, clock, callbacks={"queue": {"enabled": True}})
    sent: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    async def close(code: int, reason: str) -> None:
        pass

    try:
        async def ev(name: str, **fields: str) -> None:
            await stack.dispatcher.dispatch(AmiEvent(Event=name, Timestamp=f"{clock.now().timestamp():.6f}",
                                                     **fields))

        def support() -> dict[str, Any]:
            return stack.board.queue_figures(clock.now())[0]["support"]  # type: ignore[no-any-return]

        b = "1764000000.9"
        await ev("Newchannel", Uniqueid=b, Linkedid=b, Context="from-trunk", Channel="PJSIP/trunk-9",
                 CallerIDNum="13500000002", Exten="4000")
        await ev("QueueCallerJoin", Uniqueid=b, Queue="support", Position="1", CallerIDNum="13500000002")
        stack.board.tick()
        client = stack.hub.register(send, close, {BOARD_TOPIC}, label="t")
        clock.advance(40)
        await ev("QueueCallerLeave", Uniqueid=b, Queue="support")  # pressed the key
        seen: list[int] = []
        agi = FakeAgi(b, "13500000002", [("cc-callback-confirm", "1")], lang="en",
                      during=lambda: seen.append(support()["waiting"]))
        await stack.callbacks.queue.agi(agi)  # type: ignore[arg-type]
        await stack.callbacks.queue.flush()
        assert seen and set(seen) == {1}  # answering the questions: still waiting at their place
        await ev("Hangup", Uniqueid=b, Linkedid=b, Channel="PJSIP/trunk-9", Cause="16")
        [(_, originate)] = [a for a in fake_ami.take() if a[0] == "originate"]
        place, dial = originate["other_channel_id"], originate["channel_id"]
        assert support()["waiting"] == 0  # the caller is gone; their place not in line yet
        await ev("QueueCallerJoin", Uniqueid=place, Linkedid=dial, Queue="support", Position="1",
                 Channel="Local/cbq-0000000001@cc-callback-queue-00000001;2")
        clock.advance(5)
        now = support()
        assert (now["waiting"], now["callbacks_waiting"]) == (1, 1)
        assert now["oldest_queued_at"] == T0 and now["longest_wait"] == 45.0  # the wait since the caller joined
        assert now["windows"]["today"]["offered"] == 1  # the same contact: offered once
        delta = stack.board.tick()
        assert delta is not None and delta["queues"]["support"]["callbacks_waiting"] == 1
        snap = stack.board.snapshot()
        assert snap["queues"]["support"]["waiting"] == 1 and snap["queues"]["support"]["callbacks_waiting"] == 1
        assert snap["totals"]["callbacks_waiting"] == 1
        agent = {"Uniqueid": place, "Linkedid": dial, "Queue": "support", "Interface": "PJSIP/1001",
                 "MemberName": "Li", "Channel": "Local/cbq-0000000001@cc-callback-queue-00000001;2"}
        await ev("QueueCallerLeave", Uniqueid=place, Linkedid=dial, Queue="support")
        await ev("AgentConnect", **agent, HoldTime="45")  # an agent takes it: it leaves the line
        assert (support()["waiting"], support()["callbacks_waiting"]) == (0, 0)
        assert support()["windows"]["today"]["abandoned"] == 0
        delta = stack.board.tick()
        assert delta is not None and delta["queues"]["support"]["waiting"] == 0
        await wait_for(lambda: len(sent) >= 2, 5, "the deltas to be sent")
        assert [m["queues"]["support"]["callbacks_waiting"] for m in sent if m.get("queues")] == [1, 0]
        assert stack.board.snapshot()["queues"]["support"]["callbacks_waiting"] == 0
        # the agent took the same contact: answered once, the wait counted from when they joined
        today = support()["windows"]["today"]
        assert (today["offered"], today["answered"], today["asa"], today["answered_in_sl"]) == (1, 1, 45.0, 0)
        clock.advance(30)  # the customer answers, talks, hangs up: the contact is completed with that talk
        await ev("DialEnd", Uniqueid=dial, Linkedid=dial, DestUniqueid="1764000002.1",
                 DestChannel="PJSIP/trunk-10", DialStatus="ANSWER")
        clock.advance(60)
        await ev("Hangup", Uniqueid=dial, Linkedid=dial, Channel="Local/cbq-0000000001@cc-callback-queue-00000001;1",
                 Cause="16")
        today = support()["windows"]["today"]
        assert (today["offered"], today["answered"], today["completed"], today["timed_out"]) == (1, 1, 1, 0)
        assert today["att"] == 60.0
        await stack.tracker.flush()
        again, _ = await wired_stack(db_url, tmp_path, clock, callbacks={"queue": {"enabled": True}})
        try:  # a restart gives the same figures from what was stored
            assert again.board.queue_figures(clock.now())[0]["support"]["windows"]["today"] == today
        finally:
            await close_wired(again)
    finally:
        await stack.hub.unregister(client)
        await close_wired(stack)


@pytest.mark.db
async def test_a_place_in_line_is_in_line_again_after_a_service_restart_and_its_agent_is_the_calls(
        db_url: str, tmp_path: Path) -> None:
    """The service restarts (or is killed) while a call-back's place waits in the queue: the new start knows the
    place again — on the board as the contact who asked, counted in the positions of later call-backs, and the
    agent the queue connects to it is the outbound call's."""
    from tests.unit.wired import close_wired, wired_stack

    clock = FakeClock(T0)
    on = {"callbacks": {"queue": {"enabled": True}}}
    stack, fake_ami = await wired_stack(db_url, tmp_path, clock, **on)
    b = "1764000000.11"
    try:
        async def ev(name: str, **fields: str) -> None:
            await stack.dispatcher.dispatch(AmiEvent(Event=name, Timestamp=f"{clock.now().timestamp():.6f}",
                                                     **fields))

        await ev("Newchannel", Uniqueid=b, Linkedid=b, Context="from-trunk", Channel="PJSIP/trunk-9",
                 CallerIDNum="13500000002", Exten="4000")
        await ev("QueueCallerJoin", Uniqueid=b, Queue="support", Position="1", CallerIDNum="13500000002")
        clock.advance(40)
        await ev("QueueCallerLeave", Uniqueid=b, Queue="support")
        await stack.callbacks.queue.agi(FakeAgi(b, "13500000002", [("cc-callback-confirm", "1")]))  # type: ignore[arg-type]
        await stack.callbacks.queue.flush()
        await ev("Hangup", Uniqueid=b, Linkedid=b, Channel="PJSIP/trunk-9", Cause="16")
        [(_, originate)] = [a for a in fake_ami.take() if a[0] == "originate"]
        place, dial = originate["other_channel_id"], originate["channel_id"]
        await ev("QueueCallerJoin", Uniqueid=place, Linkedid=dial, Queue="support", Position="1",
                 Channel="Local/cbq-0000000001@cc-callback-queue-00000001;2")
        await stack.tracker.flush()
    finally:
        await close_wired(stack)  # no stop: what was stored is all the next start has

    clock.advance(20)
    again, _ = await wired_stack(db_url, tmp_path, clock, **on)
    try:
        def support() -> dict[str, Any]:
            return again.board.queue_figures(clock.now())[0]["support"]  # type: ignore[no-any-return]

        assert again.callbacks.queue.position_for("support", T0 + timedelta(seconds=1)) == 2  # behind the place
        # Asterisk, as the resync reads it: the place's two halves live, the place still in line
        await again.tracker.resync([{"Uniqueid": dial, "Linkedid": dial, "Channel": "Local/cbq-0000000001@x;1"},
                                    {"Uniqueid": place, "Linkedid": dial, "Channel": "Local/cbq-0000000001@x;2"}],
                                   [{"Event": "QueueEntry", "Queue": "support", "Uniqueid": place, "Position": "1",
                                     "Wait": "20"}])
        now = support()
        assert (now["waiting"], now["callbacks_waiting"], now["oldest_queued_at"]) == (1, 1, T0)
        assert now["windows"]["today"]["offered"] == 1
        await again.dispatcher.dispatch(AmiEvent(
            Event="AgentConnect", Uniqueid=place, Linkedid=dial, Queue="support", Interface="PJSIP/1001",
            MemberName="Li", HoldTime="60", Timestamp=f"{clock.now().timestamp():.6f}",
            Channel="Local/cbq-0000000001@cc-callback-queue-00000001;2"))
        out = again.tracker.call(dial)
        assert out is not None and (out.agent_extension, out.agent_name, out.taken_at) == ("1001", "Li", clock.now())
        assert (support()["waiting"], support()["windows"]["today"]["answered"]) == (0, 1)
        assert support()["windows"]["today"]["asa"] == 60.0  # from when the caller joined, across the restart
    finally:
        await close_wired(again)
