"""Optional transcoding of finished recordings (recording.transcode = mp3 | ogg): a background job converts the wav
with pydub/ffmpeg, swaps the file atomically and updates the index; a failure keeps the wav and says so; service
start queues the wavs left; retention deletes transcoded files; shutdown stops the job cleanly."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydub import AudioSegment
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.clock import FakeClock
from callcenter.recordings.transcode import load_audio, transcode_file
from tests.helpers import bearer, stack_settings, wait_for
from tests.unit.test_recordings import C1, C2, T0, RecordingAmi, set_retention
from tests.unit.test_recordings_api import tone_wav
from tests.unit.test_wallboard import Env

pytestmark = pytest.mark.db


def _stack(db_url: str, workdir: Path, ami: RecordingAmi | None = None, **recording: Any) -> Stack:
    settings = stack_settings(db_url, workdir / "data", recording={"finish_timeout_seconds": 0.6, **recording})
    return Stack(settings, clock=FakeClock(T0), run_migrations=False, ami=ami)  # type: ignore[arg-type]


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    ami = RecordingAmi()
    stack = _stack(db_url, workdir, ami, transcode="mp3", transcode_bitrate="32k")
    ami.attach(stack)
    await stack.load_directory()
    try:
        yield Env(stack, ami, stack.clock)  # type: ignore[arg-type]
    finally:
        await stack.recorder.close()
        await stack.pop.close()
        await stack.engine.dispose()


async def _recorded_call(env: Env, uid: str, ext: str = "1001", queue: str = "support") -> Any:
    await env.arrive(uid, queue=queue)
    await env.answer(uid, ext=ext, queue=queue)
    await env.hang_up(uid, ext=ext, queue=queue, talk=2)

    async def done() -> bool:
        row = await env.stack.recordings.get(uid)
        return row is not None and row.status != "recording"

    await wait_for(done, 10, "the recording to be indexed")
    await env.stack.recorder.transcoder.idle()
    return await env.stack.recordings.get(uid)


async def test_a_finished_recording_becomes_an_mp3(env: Env) -> None:
    env.ami.seconds = 3.0  # type: ignore[attr-defined]
    await env.agent("li", "1001")
    wav_len: list[float] = []
    transcoder = env.stack.recorder.transcoder
    convert = transcoder.convert

    def measuring(src: Path, fmt: str, bitrate: str) -> Path:
        wav_len.append(load_audio(src).duration_seconds)
        return convert(src, fmt, bitrate)

    transcoder.convert = measuring
    row = await _recorded_call(env, C1)
    root = env.stack.settings.recordings_dir
    mp3 = root / f"2026/03/02/{C1}.mp3"
    assert (row.status, row.format, row.path, row.problem) == ("ok", "mp3", f"2026/03/02/{C1}.mp3", "")
    data = mp3.read_bytes()
    assert (row.size_bytes, row.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert row.duration_seconds == 3.0  # kept from the wav
    assert not (root / f"2026/03/02/{C1}.wav").exists()
    assert sorted(p.name for p in mp3.parent.iterdir()) == [f"{C1}.mp3"]  # no temporary file left
    assert data[:3] == b"ID3" or data[0] == 0xFF
    assert wav_len == [3.0] and abs(load_audio(mp3, "mp3").duration_seconds - 3.0) <= 0.1
    assert len(data) < 3 * 16000 / 2  # much smaller than the 48 KB wav
    # the player serves it as audio/mpeg; retention deletes the mp3
    app = create_app(env.stack.settings, stack=env.stack, manage_stack=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get(f"/api/recordings/{row.id}/audio?download=1",
                             headers=await bearer(env.stack, ("qc",), "qc1"))
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["content-disposition"] == f'attachment; filename="{C1}.mp3"'
    await set_retention(env.stack, {"support": 30})
    env.clock.advance(31 * 86400)
    assert await env.stack.recorder.purge(await env.stack._retention_days(), env.stack.auth.audit) == 1
    row = await env.stack.recordings.get(C1)
    assert row.status == "deleted" and not mp3.exists()


async def test_a_failed_conversion_keeps_the_wav_and_says_so(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AudioSegment, "converter", "/nonexistent/ffmpeg")  # ffmpeg gone
    await env.agent("li", "1001")
    row = await _recorded_call(env, C1)
    wav = env.stack.settings.recordings_dir / f"2026/03/02/{C1}.wav"
    assert (row.status, row.format, row.path) == ("ok", "wav", f"2026/03/02/{C1}.wav")
    assert row.problem.startswith("transcoding to mp3 failed, the wav is kept: ")
    assert "/nonexistent/ffmpeg" in row.problem
    assert wav.exists() and row.sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()
    assert sorted(p.name for p in wav.parent.iterdir()) == [f"{C1}.wav"]  # no partial mp3
    assert env.stack.recorder.transcoder.failed == 1


async def test_service_start_queues_the_wavs_left_and_ogg_works(db_url: str, workdir: Path) -> None:
    stack = _stack(db_url, workdir)  # transcoding off: the recordings stay wav
    root = stack.settings.recordings_dir
    data = tone_wav(root / "2026/03/02/a.wav", 2.0)
    for uid, status in (("a", "ok"), ("b", "missing"), ("c", "deleted")):
        await stack.recordings.add({"call_uniqueid": uid, "path": f"2026/03/02/{uid}.wav", "started_at": T0,
                                    "format": "wav", "status": status, "size_bytes": len(data),
                                    "sha256": hashlib.sha256(data).hexdigest(), "duration_seconds": 2.0, "mutes": []})
    await stack.recorder.adopt({})
    assert await stack.recorder.transcoder.requeue() == 0
    assert (await stack.recordings.get("a")).format == "wav"
    await stack.engine.dispose()
    again = _stack(db_url, workdir, transcode="ogg", transcode_bitrate="24k")
    try:
        await again.recorder.adopt({})  # service start
        await again.recorder.transcoder.idle()
        a = await again.recordings.get("a")
        ogg = root / "2026/03/02/a.ogg"
        assert (a.format, a.path, a.size_bytes, a.problem) == ("ogg", "2026/03/02/a.ogg", ogg.stat().st_size, "")
        assert ogg.read_bytes()[:4] == b"OggS" and not (root / "2026/03/02/a.wav").exists()
        assert abs(load_audio(ogg, "ogg").duration_seconds - 2.0) <= 0.1
        assert [(await again.recordings.get(u)).format for u in ("b", "c")] == ["wav", "wav"]
    finally:
        await again.recorder.close()
        await again.engine.dispose()


async def test_a_recording_deleted_by_retention_while_converted_keeps_no_copy(env: Env) -> None:
    await env.agent("li", "1001")
    transcoder = env.stack.recorder.transcoder
    started, release = threading.Event(), threading.Event()

    def slow(src: Path, fmt: str, bitrate: str) -> Path:
        dst = transcode_file(src, fmt, bitrate)  # converted; retention deletes the recording before the swap
        started.set()
        release.wait(10)
        return dst

    transcoder.convert = slow
    await env.arrive(C1)
    await env.answer(C1)
    await env.hang_up(C1, talk=2)
    await wait_for(started.is_set, 10, "the conversion to start")
    await set_retention(env.stack, {"support": 30})
    env.clock.advance(31 * 86400)
    assert await env.stack.recorder.purge(await env.stack._retention_days(), env.stack.auth.audit) == 1
    release.set()
    await transcoder.idle()
    row = await env.stack.recordings.get(C1)
    assert (row.status, row.format) == ("deleted", "wav")
    assert list((env.stack.settings.recordings_dir / "2026/03/02").iterdir()) == []


async def test_shutdown_stops_the_job_cleanly(env: Env) -> None:
    await env.agent("li", "1001")
    transcoder = env.stack.recorder.transcoder
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def stuck(src: Path, fmt: str, bitrate: str) -> Path:
        started.set()
        try:
            release.wait(10)
            raise RuntimeError("interrupted")
        finally:
            finished.set()

    transcoder.convert = stuck
    await env.arrive(C1)
    await env.answer(C1)
    await env.hang_up(C1, talk=2)
    await wait_for(started.is_set, 10, "the conversion to start")
    await env.stack.recorder.close(timeout=0.2)  # the conversion does not end in time: the job is stopped
    assert transcoder._worker is None and transcoder.current is None
    assert not transcoder.enqueue(C2)  # nothing new after shutdown
    release.set()
    await asyncio.to_thread(finished.wait, 10)
    row = await env.stack.recordings.get(C1)
    assert (row.status, row.format, row.problem) == ("ok", "wav", "")  # queued again at the next start
    async with env.stack.sessions() as s:
        from callcenter.recordings.models import Recording
        assert [r.call_uniqueid for r in (await s.execute(select(Recording))).scalars()] == [C1]
