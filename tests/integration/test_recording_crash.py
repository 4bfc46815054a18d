"""A recording cut by an Asterisk crash (issue 12, B5), on a real Asterisk: a recorded queue call is under way when
the managed Asterisk is killed (``kill -9``); the supervisor restarts it, the call tracker's resync ends the call,
and the recording — whose WAV header Asterisk never finished — is repaired and indexed: it plays in the QC player
(a valid WAV with the audio up to the crash) and says it was cut short."""

from __future__ import annotations

import io
import wave
from typing import Any

import httpx
import pytest

from callcenter.app import Stack, create_app
from tests.helpers import Sipp, agent_user, bearer, free_udp_port, kill_asterisk, route_all_calls_to, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.sipp, pytest.mark.db,
              pytest.mark.both_databases("the crash recovery ends the call and indexes the file in the database")]


async def test_a_recording_cut_by_an_asterisk_crash_plays_and_says_it_was_cut_short(stack: Stack, sipp: Sipp
                                                                                   ) -> None:
    assert stack.asterisk_process is not None and stack.asterisk_process.pid is not None
    await route_all_calls_to(stack, "support")
    await agent_user(stack, "crash", {"support": "senior"}, "1001", ready=True)
    seat = next(a for a in stack.settings.agents if a.extension == "1001")
    port = free_udp_port()
    sipp.register(seat.extension, seat.password, port)
    sipp.answer(seat.extension, port)  # answers and echoes the caller's speech back
    sipp.call_pressing([], hold=60)  # the caller would stay a minute: the crash ends the call first
    await wait_for(lambda: stack.acd.by_ext["1001"].state == "on_call", 15, "the agent to answer")
    uid = stack.acd.by_ext["1001"].call_uniqueid
    assert uid is not None
    await wait_for(lambda: uid in stack.recorder.live and stack.recorder.live[uid].started is not None
                   and stack.recorder.live[uid].started.done(), 10, "the recording to start")
    path = stack.recorder.path_of(stack.recorder.live[uid].rel)
    # ~2 s of 8 kHz 16-bit audio on disk (the header still says 0 bytes: Asterisk writes the sizes at close)
    await wait_for(lambda: path.exists() and path.stat().st_size > 44 + 2 * 8000 * 2, 15, "2 s of audio recorded")
    await kill_asterisk(stack)

    async def indexed() -> Any:
        row = await stack.recordings.get(uid)
        return row if row is not None and row.status != "recording" else None

    await wait_for(indexed, 30, "the recording to be indexed")
    row = await indexed()
    assert row.status == "ok", (row.status, row.problem)
    assert "cut short by an Asterisk crash" in row.problem
    assert row.duration_seconds is not None and row.duration_seconds >= 2.0
    await stack.tracker.flush()  # calls are stored behind: the ended call may not be in the database yet
    call = await stack.calls_repo.get_by_uniqueid(uid)
    assert call is not None and call.ended_at is not None

    app = create_app(stack.settings, stack=stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t",
                                 headers=await bearer(stack, ("qc",))) as c:
        r = await c.get(f"/api/recordings/{row.id}/audio")
        assert r.status_code == 200, r.text
        meta = (await c.get(f"/api/recordings/{row.id}")).json()
    assert meta["problem"] == row.problem and meta["status"] == "ok"
    with wave.open(io.BytesIO(r.content), "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    assert abs(seconds - row.duration_seconds) < 0.05 and seconds >= 2.0
    assert len(r.content) == row.size_bytes
