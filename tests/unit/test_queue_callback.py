"""The queued caller's call-back that keeps their place (issue 15, "6."; callcenter/callbacks/queue.py): rendered
into queues.conf and the dialplan only when on and only for the queues that offer it; the caller's call ends as
a call-back (not abandoned); the place's position counts who joined before; the place's agent is the outbound
call's agent. The whole path on a real Asterisk: tests/integration/test_queue_callback.py."""

from __future__ import annotations

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
from tests.unit.test_config_render import _conf, _new_dir, _settings

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def tmpdirs() -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


def _exit_context(tmpdirs: list[Path], **queue: Any) -> tuple[dict[str, str], str]:
    s = _settings(_new_dir(tmpdirs) / "data", callbacks={"queue": queue},
                  queues=[{"name": "support"}, {"name": "sales"}])
    layout = render_config(s)
    contexts = {name: opts.get("context", [""])[0] for name, opts in _conf(layout, "queues.conf")}
    return contexts, (layout.etc / "extensions.conf").read_text()


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
                       lambda: "u", "4000")
    assert q.position_for("support", T0 + timedelta(seconds=10)) == 2  # behind a; c and the answered x not
    q._places["support"] = [T0 + timedelta(seconds=5)]  # another caller's place, asked earlier
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
