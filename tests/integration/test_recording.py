"""Recording on a real Asterisk: a SIPp caller plays real speech (sip-tester's g711a.pcap) into a queue, a SIPp agent
phone answers and echoes it; the call is recorded (MixMonitor, both legs, started by the dialplan's [cc-record]:
the bridge's AMI user may not send MixMonitor), indexed when it ends (date folders, duration = talk time, size,
sha256), and a stretch the agent muted from the desktop is silent in the file."""

from __future__ import annotations

import array
import asyncio
import hashlib
import math
import wave
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from callcenter.app import Stack, create_app
from tests.helpers import Sipp, agent_user, free_udp_port, route_all_calls_to, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db]


def rms(path: Path, start: float, end: float) -> float:
    """Root mean square of the 16-bit samples between ``start`` and ``end`` seconds."""
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        assert (w.getsampwidth(), w.getnchannels()) == (2, 1)
        w.setpos(min(int(start * rate), w.getnframes()))
        samples = array.array("h", w.readframes(max(0, int((end - start) * rate))))
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


async def test_a_queue_call_is_recorded_indexed_and_a_muted_stretch_is_silent(stack: Stack, sipp: Sipp) -> None:
    await route_all_calls_to(stack, "support")
    await agent_user(stack, "rec", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port)  # answers after 1 s and echoes the caller's audio back
    # the caller speaks (g711a.pcap, ~6.8 s) from the moment the IVR answers and hangs up after 6.3 s: RTP flows
    # for the whole call, as with a real phone
    caller = sipp.call_pressing([], hold=6.3)
    await wait_for(lambda: stack.acd.by_ext["1001"].state == "on_call", 15, "the agent to answer")
    uid = stack.acd.by_ext["1001"].call_uniqueid
    assert uid is not None
    token, _ = await stack.auth.login("rec", "test-password-1", "t")
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        await asyncio.sleep(1.5)
        r = await c.post("/api/agent/recording", json={"muted": True})
        assert r.status_code == 200 and r.json()["muted"] is True, r.text
        await asyncio.sleep(1.5)
        r = await c.post("/api/agent/recording", json={"muted": False})
        assert r.status_code == 200, r.text
    [stretch] = r.json()["mutes"]
    assert stretch["by"] == "rec" and 1.2 < stretch["to"] - stretch["from"] < 2.5
    assert await asyncio.to_thread(caller.wait, 30) == 0

    async def indexed() -> Any:
        row = await stack.recordings.get(uid)
        return row if row is not None and row.status != "recording" else None

    await wait_for(indexed, 20, "the recording to be indexed")
    row = await indexed()
    assert row.status == "ok", (row.status, row.problem)
    await stack.tracker.flush()  # calls are stored behind: the ended call may not be in the database yet
    call = await stack.calls_repo.get_by_uniqueid(uid)
    assert call is not None and call.answered_at is not None and call.ended_at is not None
    talk = (call.ended_at - call.answered_at).total_seconds()
    # the day folder: the centre's calendar day of the uniqueid's epoch (the arrival), which the dialplan
    # (STRFTIME in Asterisk, with the centre's timezone) and the Recorder compute alike
    arrival = datetime.fromtimestamp(int(uid.split(".")[0]), ZoneInfo(stack.settings.timezone))
    assert row.path == f"{arrival:%Y/%m/%d}/{uid}.wav"
    path = stack.settings.recordings_dir / row.path
    data = path.read_bytes()
    assert row.size_bytes == len(data) and row.sha256 == hashlib.sha256(data).hexdigest()
    assert (row.queue, row.agent_extension, row.agent_username) == ("support", "1001", "rec")
    assert abs(row.duration_seconds - talk) <= 1.0, (row.duration_seconds, talk)
    # the caller's speech (and its echo) is in the file; the muted stretch is silent
    before = rms(path, 0.2, stretch["from"] - 0.2)
    muted = rms(path, stretch["from"] + 0.3, stretch["to"] - 0.3)
    after = rms(path, stretch["to"] + 0.2, stretch["to"] + 1.5)
    print(f"rms before {before:.0f}, muted {muted:.0f}, after {after:.0f}; "
          f"{row.duration_seconds:.2f} s recorded, talk {talk:.2f} s")
    assert before > 300 and after > 300
    assert muted < 20


async def _unanswered_call(stack: Stack, sipp: Sipp, hold: float) -> str:
    """A caller waits in the queue (no agent is ready) and hangs up after ``hold`` s; the call's uniqueid."""
    await route_all_calls_to(stack, "support")
    caller = sipp.call_pressing([], hold=hold)
    await wait_for(lambda: bool(stack.tracker.active), 15, "the call to arrive")
    [uid] = list(stack.tracker.active)
    assert await asyncio.to_thread(caller.wait, 30) == 0
    await wait_for(lambda: uid not in stack.tracker.active, 15, "the call to end")
    await stack.tracker.flush()  # calls are stored behind: the ended call may not be in the database yet
    return uid


async def test_a_caller_who_hangs_up_before_an_agent_answers_leaves_no_recording(stack: Stack, sipp: Sipp) -> None:
    """The dialplan's MixMonitor (option b) writes only while the caller is bridged to an agent; the bare header
    it creates when it starts (before Queue()) is deleted when the unanswered call ends."""
    uid = await _unanswered_call(stack, sipp, hold=3)
    call = await stack.calls_repo.get_by_uniqueid(uid)
    assert call is not None and call.ended_at is not None and call.answered_at is None
    assert await stack.recordings.get(uid) is None
    root = stack.settings.recordings_dir
    await wait_for(lambda: not list(root.rglob("*.wav")), 15, "no recording file to be left")


@pytest.mark.parametrize("stack_overrides", [{"recording": {"include_ivr": True}}])
async def test_with_the_ivr_part_the_dialplan_records_from_the_arrival(stack: Stack, sipp: Sipp) -> None:
    """recording.include_ivr is rendered into the dialplan: MixMonitor starts before the IVR, so the wait of a
    caller no agent answered is in the file (in the arrival day's folder)."""
    uid = await _unanswered_call(stack, sipp, hold=4)

    async def indexed() -> Any:
        row = await stack.recordings.get(uid)
        return row if row is not None and row.status != "recording" else None

    await wait_for(indexed, 20, "the recording to be indexed")
    row = await indexed()
    assert row.status == "ok", (row.status, row.problem)
    arrival = datetime.fromtimestamp(int(uid.split(".")[0]), ZoneInfo(stack.settings.timezone))
    assert row.path == f"{arrival:%Y/%m/%d}/{uid}.wav" and (row.queue, row.agent_username) == (None, None)
    assert row.duration_seconds is not None and row.duration_seconds >= 3.5, row.duration_seconds
    assert rms(stack.settings.recordings_dir / row.path, 0.5, 3.0) > 300  # the caller's speech


async def test_a_call_blind_transferred_to_another_queue_is_one_recording_started_once(stack: Stack, sipp: Sipp
                                                                                       ) -> None:
    """cc-transfer's q-<queue> form records too, but the caller's channel already is (CC_RECORDING): one
    MixMonitor, one file, both agents' talk in it."""
    starts: list[str] = []

    async def started(ev: Any) -> None:
        starts.append(ev.get("Uniqueid", ""))

    stack.dispatcher.register("MixMonitorStart", started)
    await route_all_calls_to(stack, "support")
    first = await agent_user(stack, "first", {"support": "senior"}, "1001", ready=True)
    second = await agent_user(stack, "second", {"complaints": "senior"}, "1002", ready=True)
    for ext in ("1001", "1002"):
        seat = next(a for a in stack.settings.agents if a.extension == ext)
        port = free_udp_port()
        sipp.register(seat.extension, seat.password, port)
        sipp.answer(seat.extension, port)
    caller = sipp.call_pressing([], hold=8.0)
    await wait_for(lambda: stack.acd.agents[first.id].state == "on_call", 20, "the first agent to answer")
    uid = stack.acd.agents[first.id].call_uniqueid
    assert uid is not None
    await stack.acd.transfer(first, stack.tracker.active[uid].channel, "queue", "complaints", "blind")
    await wait_for(lambda: stack.acd.agents[second.id].state == "on_call", 20, "the second agent to answer")
    assert await asyncio.to_thread(caller.wait, 30) == 0

    async def indexed() -> Any:
        row = await stack.recordings.get(uid)
        return row if row is not None and row.status != "recording" else None

    await wait_for(indexed, 20, "the recording to be indexed")
    row = await indexed()
    assert row.status == "ok", (row.status, row.problem)
    assert starts == [uid]
    assert [p.name for p in stack.settings.recordings_dir.rglob("*.wav")] == [f"{uid}.wav"]
