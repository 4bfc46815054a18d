"""Real calls through the IVR engine: SIPp callers send RFC 2833 DTMF into the real Asterisk."""

from __future__ import annotations

import asyncio
import audioop
import wave
from pathlib import Path
from typing import Any

import pytest
from pydub.generators import Sine

from callcenter.app import Stack
from callcenter.calls.models import Call
from tests.helpers import Sipp, free_udp_port, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def _menu_flow(two: str = "business") -> dict[str, Any]:
    return {"start": "welcome", "language": "en", "nodes": {
        "welcome": {"kind": "play", "prompt": "t-welcome", "next": "main"},
        "main": {"kind": "menu", "prompt": "t-menu", "timeout_seconds": 2, "max_retries": 1,
                 "invalid_prompt": "t-again", "timeout_prompt": "t-again", "default": "human",
                 "options": [{"digit": "1", "target": "consult"}, {"digit": "2", "target": two},
                             {"digit": "0", "target": "human"}]},
        "consult": {"kind": "queue", "queue": "consultation"},
        "business": {"kind": "queue", "queue": "business"},
        "human": {"kind": "queue", "queue": "support"},
    }}


@pytest.fixture
async def ivr_stack(stack: Stack) -> Stack:
    """The stack with short test prompts (0.5 s tones) and the menu flow live for every number."""
    for name in ("t-welcome", "t-menu", "t-again", "t-closed"):
        target = stack.settings.data_dir / "prompts" / "en" / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        Sine(600).to_audio_segment(duration=500).set_frame_rate(8000).set_channels(1).set_sample_width(2) \
            .export(target, format="wav").close()
    flow = await stack.ivr.create_flow("menu", _menu_flow())
    await stack.ivr.publish(flow.id, by="test")
    await stack.ivr.set_entry_point("*", flow.id)
    stack.test_flow_id = flow.id  # type: ignore[attr-defined]
    return stack


async def _ended_call(stack: Stack, timeout: float = 30) -> Call:
    async def ended() -> bool:
        rows, _ = await stack.calls_repo.search()
        return bool(rows) and rows[0].ended_at is not None

    await wait_for(ended, timeout, "the call to end")
    rows, _ = await stack.calls_repo.search()
    return rows[0]


def _menu_steps(call: Call) -> list[tuple[str | None, str]]:
    return [(s.get("digits"), s["result"]) for s in call.ivr_path or [] if s["node"] == "main"]


async def _run(sipp: Sipp, presses: list[tuple[float, str]], hold: float) -> None:
    p = sipp.call_pressing(presses, hold)
    assert await asyncio.to_thread(p.wait, 40) == 0, sipp.explain(p)


async def test_pressing_2_lands_in_business_queue(ivr_stack: Stack, sipp: Sipp) -> None:
    await _run(sipp, [(2.0, "2")], hold=2.0)
    call = await _ended_call(ivr_stack)
    assert call.queue == "business" and call.queued_at is not None
    assert _menu_steps(call) == [("2", "option")]
    assert [s["node"] for s in call.ivr_path or []] == ["welcome", "main", "business"]


async def test_invalid_then_valid(ivr_stack: Stack, sipp: Sipp) -> None:
    await _run(sipp, [(2.0, "9"), (2.0, "2")], hold=2.0)
    call = await _ended_call(ivr_stack)
    assert _menu_steps(call) == [("9", "invalid"), ("2", "option")]
    assert call.queue == "business"


async def test_silence_follows_the_timeout_path(ivr_stack: Stack, sipp: Sipp) -> None:
    await _run(sipp, [], hold=9.0)
    call = await _ended_call(ivr_stack)
    assert _menu_steps(call) == [(None, "timeout"), (None, "timeout")]
    assert call.queue == "support"  # the menu's default after its retries
    assert [s["node"] for s in call.ivr_path or []][-1] == "human"


async def test_after_hours_caller_leaves_a_voicemail(ivr_stack: Stack, sipp: Sipp) -> None:
    closed = {"start": "hours", "language": "en", "nodes": {
        "hours": {"kind": "hours", "schedule": {"weekly": {}}, "open": "human", "closed": "vm"},
        "human": {"kind": "queue", "queue": "support"},
        "vm": {"kind": "voicemail", "mailbox": "after-hours", "prompt": "t-closed", "max_seconds": 20},
    }}
    await ivr_stack.ivr.save_draft(ivr_stack.test_flow_id, closed)  # type: ignore[attr-defined]
    await ivr_stack.ivr.publish(ivr_stack.test_flow_id, by="test")  # type: ignore[attr-defined]
    await _run(sipp, [], hold=6.0)  # the caller talks (g711a.pcap) and hangs up
    call = await _ended_call(ivr_stack)
    assert (call.outcome, call.end_reason) == ("voicemail", "voicemail")
    [vm] = await ivr_stack.ivr.voicemails()
    assert vm.call_uniqueid == call.uniqueid and vm.mailbox == "after-hours"
    assert vm.caller_number == "13800138000" and not vm.empty
    path = Path(vm.path)
    assert path.is_file() and path.is_relative_to(ivr_stack.settings.data_dir / "voicemail" / "after-hours")
    with wave.open(str(path)) as w:
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
        width = w.getsampwidth()
    assert vm.duration_seconds == pytest.approx(seconds, abs=0.01)
    assert 2.0 <= seconds <= 7.0
    assert audioop.rms(frames, width) > 100, "the message file holds only silence"


async def test_flow_published_mid_call_does_not_change_that_call(ivr_stack: Stack, sipp: Sipp) -> None:
    flow_id = ivr_stack.test_flow_id  # type: ignore[attr-defined]
    [v1] = await ivr_stack.ivr.versions(flow_id)
    p = sipp.call_pressing([(2.0, "2")], hold=2.0)
    # the caller's SIPp must still run while the call is in the IVR: if it ended first, say why
    await wait_for(lambda: sipp.running(p) and any(s.ivr_entered_at for s in ivr_stack.tracker.active.values()),
                   10, "IVR entry")
    await ivr_stack.ivr.save_draft(flow_id, _menu_flow(two="consult"))  # 2 now means consultation
    v2 = await ivr_stack.ivr.publish(flow_id, by="test")
    assert await asyncio.to_thread(p.wait, 40) == 0, sipp.explain(p)
    first = await _ended_call(ivr_stack)
    assert first.ivr_flow_version_id == v1.id and first.queue == "business"

    await _run(sipp, [(2.0, "2")], hold=2.0)
    rows, _ = await ivr_stack.calls_repo.search()
    await wait_for(lambda: len(ivr_stack.tracker.active) == 0, 10, "second call to end")
    rows, _ = await ivr_stack.calls_repo.search()
    second = rows[0]
    assert second.uniqueid != first.uniqueid
    assert second.ivr_flow_version_id == v2.id and second.queue == "consultation"


async def _publish(stack: Stack, doc: dict[str, Any]) -> None:
    flow_id = stack.test_flow_id  # type: ignore[attr-defined]
    await stack.ivr.save_draft(flow_id, doc)
    await stack.ivr.publish(flow_id, by="test")


async def test_queue_gives_up_and_the_same_flow_resumes_at_its_fallback(ivr_stack: Stack, sipp: Sipp) -> None:
    """Nobody answers within max_wait: Queue() returns, the dialplan calls agi://…/resume, voicemail records."""
    await _publish(ivr_stack, {"start": "q", "language": "en", "nodes": {
        "q": {"kind": "queue", "queue": "support", "max_wait_seconds": 2, "fallback": "vm"},
        "vm": {"kind": "voicemail", "mailbox": "general", "prompt": "t-closed", "max_seconds": 20},
    }})
    await _run(sipp, [], hold=7.0)
    call = await _ended_call(ivr_stack)
    assert [s["node"] for s in call.ivr_path or []] == ["q", "vm"]
    assert call.queue == "support" and call.queued_at is not None
    assert (call.outcome, call.end_reason) == ("voicemail", "voicemail")
    assert ivr_stack.agi.sessions_total == 2 and ivr_stack.agi.errors == 0  # inbound, then resume
    [vm] = await ivr_stack.ivr.voicemails()
    assert vm.call_uniqueid == call.uniqueid and not vm.empty


async def test_transfer_rings_the_target_extension(ivr_stack: Stack, sipp: Sipp) -> None:
    await _publish(ivr_stack, {"start": "t", "language": "en", "nodes": {
        "t": {"kind": "transfer", "target": "1001"},
    }})
    agent = ivr_stack.settings.agents[0]
    port = free_udp_port()
    sipp.register(agent.extension, agent.password, port)
    phone = sipp.answer(agent.extension, port)
    await _run(sipp, [], hold=4.0)
    # the phone at 1001 got the INVITE, answered, and saw the caller's BYE come through
    assert await asyncio.to_thread(phone.wait, 10) == 0
    call = await _ended_call(ivr_stack)
    assert (call.outcome, call.end_reason) == ("transferred", "transfer")
    assert call.ivr_path and call.ivr_path[-1]["target"] == "1001"


async def test_vip_caller_found_by_number_waits_at_higher_priority(ivr_stack: Stack, sipp: Sipp) -> None:
    vip = await ivr_stack.customers.create("Zhang Wei", ["+86 138 0013 8000"], vip=True)  # SIPp's caller
    await _publish(ivr_stack, {"start": "who", "language": "en", "nodes": {
        "who": {"kind": "lookup", "found": "plain", "not_found": "plain", "vip": "vipq", "vip_priority": 30},
        "vipq": {"kind": "queue", "queue": "business"},
        "plain": {"kind": "queue", "queue": "support"},
    }})
    p = sipp.call_pressing([], hold=5.0)

    async def waiting() -> list[Any]:
        return [e for e in await ivr_stack.ami.queue_status() if e.name == "QueueEntry"]

    await wait_for(lambda: _nonempty(waiting), 10, "the caller waiting in a queue")
    [entry] = await waiting()
    assert entry["Queue"] == "business" and entry["Priority"] == "30"  # Asterisk's own view of the caller
    assert await asyncio.to_thread(p.wait, 30) == 0
    call = await _ended_call(ivr_stack)
    assert call.ivr_path and call.ivr_path[0] == {**call.ivr_path[0], "node": "who", "result": "vip",
                                                   "customer_id": vip.id}


async def _nonempty(f: Any) -> bool:
    return bool(await f())


async def test_hangup_node_ends_the_call_in_the_ivr(ivr_stack: Stack, sipp: Sipp) -> None:
    await _publish(ivr_stack, {"start": "bye", "language": "en", "nodes": {
        "bye": {"kind": "hangup", "prompt": "t-closed"},
    }})
    p = sipp.call_pressing([], hold=10.0)
    await asyncio.to_thread(p.wait, 30)  # Asterisk hangs up first (the scenario then fails on its BYE)
    call = await _ended_call(ivr_stack)
    assert (call.outcome, call.end_reason) == ("ended_in_ivr", "ivr_hangup")
    assert call.ended_at is not None and call.arrived_at is not None
    assert (call.ended_at - call.arrived_at).total_seconds() < 5
