"""The recording player's API: /api/recordings (list, metadata), /{id}/audio (HTTP Range, download, path safety,
who may listen, the playback audit and its 10-minute rule) and /{id}/peaks (waveform, cached)."""

from __future__ import annotations

import array
import hashlib
import json
import logging
import math
import os
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from callcenter.recordings.peaks import PeaksCache
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 March in the centre's timezone (UTC+8)


def tone_wav(path: Path, seconds: float, silent_seconds: float = 0.0, amplitude: float = 0.8, rate: int = 8000
             ) -> bytes:
    """8 kHz 16-bit mono: ``silent_seconds`` of silence, then a 440 Hz tone at ``amplitude`` of full scale."""
    quiet = int(rate * silent_seconds)
    n = int(rate * seconds)
    samples = array.array("h", [0] * quiet + [int(amplitude * 32767 * math.sin(2 * math.pi * 440 * i / rate))
                                              for i in range(n - quiet)])
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path.read_bytes()


@dataclass
class Api:
    stack: Stack
    app: Any
    client: httpx.AsyncClient
    h: dict[str, dict[str, str]]
    may_play: set[tuple[str, str]] = field(default_factory=set)

    @property
    def root(self) -> Path:
        return self.stack.settings.recordings_dir

    async def get(self, who: str | None, url: str, **headers: str) -> httpx.Response:
        return await self.client.get(url, headers={**(self.h[who] if who else {}), **headers})

    async def audit(self, prefix: str = "recording.") -> list[tuple[str, str, str, Any]]:
        async with self.stack.sessions() as s:
            rows = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
            return [(a.username, a.action, a.target, a.detail) for a in rows if a.action.startswith(prefix)]

    async def recording(self, uid: str = "1772416800.1", seconds: float = 2.0, silent: float = 0.0,
                        rel: str | None = None, write: bool = True, **values: Any) -> tuple[int, bytes]:
        rel = rel if rel is not None else f"2026/03/02/{uid}.wav"
        data = tone_wav(self.root / rel, seconds, silent) if write else b""
        row = {"call_uniqueid": uid, "path": rel, "queue": "support", "agent_extension": "1001",
               "agent_username": "a1", "started_at": T0, "ended_at": T0, "duration_seconds": seconds,
               "size_bytes": len(data), "format": "wav", "sha256": hashlib.sha256(data).hexdigest(),
               "status": "ok", "problem": "", "mutes": []}
        row.update(values)
        await self.stack.recordings.add(row)
        got = await self.stack.recordings.get(uid)
        assert got is not None
        return got.id, data


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=FakeClock(T0), run_migrations=False)
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = {
        "admin": await bearer(stack, ("admin",), "boss"),
        "supervisor": await bearer(stack, ("supervisor",), "lead"),
        "qc": await bearer(stack, ("qc",), "qc1"),
        "agent": await bearer(stack, ("agent",), "a1"),
        "agent2": await bearer(stack, ("agent",), "a2"),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        a = Api(stack, app, client, headers)

        async def may_play(username: str, call_uniqueid: str) -> bool:
            return (username, call_uniqueid) in a.may_play

        stack.agent_may_play = may_play  # type: ignore[method-assign]
        try:
            yield a
        finally:
            await stack.recorder.close()
    await stack.engine.dispose()


def _err(r: httpx.Response, status: int, text: str = "") -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "code", "message", "messages", "details"}
    assert text in body["message"], body
    return body  # type: ignore[no-any-return]


# ---- Range --------------------------------------------------------------------------------------------------
async def test_the_whole_file_and_byte_ranges(api: Api) -> None:
    rid, data = await api.recording(seconds=1.0)
    size = len(data)
    url = f"/api/recordings/{rid}/audio"
    r = await api.get("qc", url)
    assert r.status_code == 200 and r.content == data
    assert (r.headers["content-type"], r.headers["accept-ranges"], r.headers["content-length"]) == (
        "audio/wav", "bytes", str(size))
    assert "content-range" not in r.headers and "content-disposition" not in r.headers
    cases = {
        "bytes=0-99": (0, 99),                          # the first bytes
        "bytes=1000-2999": (1000, 2999),                # the middle
        "bytes=-100": (size - 100, size - 1),           # the last 100 bytes (suffix)
        "bytes=5000-": (5000, size - 1),                # open-ended
        f"bytes=100-{size + 5000}": (100, size - 1),    # an end past the file is cut at its end
        f"bytes=-{size + 10}": (0, size - 1),           # a suffix longer than the file: all of it
        f"bytes={size - 1}-{size - 1}": (size - 1, size - 1),
    }
    for header, (first, last) in cases.items():
        r = await api.get("qc", url, Range=header)
        assert r.status_code == 206, (header, r.text)
        assert r.content == data[first:last + 1], header
        assert r.headers["content-range"] == f"bytes {first}-{last}/{size}", header
        assert r.headers["content-length"] == str(last - first + 1), header
        assert r.headers["content-type"] == "audio/wav"
    for header in (f"bytes={size}-", f"bytes={size + 100}-{size + 200}", "bytes=abc", "bytes=", "bytes=-",
                   "bytes=-0", "bytes=10-5", "items=0-10", "bytes=0-1,5-9", "0-10",
                   "bytes=99999999999999999999999-"):
        r = await api.get("qc", url, Range=header)
        body = _err(r, 416)
        assert r.headers["content-range"] == f"bytes */{size}", header
        assert body["error"] == "range_not_satisfiable" and body["details"]["size"] == size


async def test_download_sends_an_attachment_and_every_download_is_audited(api: Api) -> None:
    rid, data = await api.recording("1772416800.7")
    r = await api.get("supervisor", f"/api/recordings/{rid}/audio?download=1")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-disposition"] == 'attachment; filename="1772416800.7.wav"'
    r = await api.get("supervisor", f"/api/recordings/{rid}/audio?download=1", Range="bytes=100-")  # resumed
    assert r.status_code == 206 and r.content == data[100:]
    assert await api.audit() == [
        ("lead", "recording.download", f"recording:{rid}",
         {"call_uniqueid": "1772416800.7", "agent": "a1", "range": None, "format": "wav"}),
        ("lead", "recording.download", f"recording:{rid}",
         {"call_uniqueid": "1772416800.7", "agent": "a1", "range": "bytes=100-", "format": "wav"}),
    ]


# ---- path safety --------------------------------------------------------------------------------------------
async def test_a_stored_path_outside_the_recordings_directory_is_refused(api: Api, workdir: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    secret = workdir / "secret.txt"
    secret.write_text("not a recording")
    api.root.mkdir(parents=True, exist_ok=True)
    (api.root / "link.wav").symlink_to(secret)
    ids = [(await api.recording(f"evil{i}", rel=rel, write=False))[0]
           for i, rel in enumerate(("../../../etc/passwd", "/etc/passwd", str(secret), "../secret.txt", "link.wav",
                                    "2026/../../secret.txt"))]
    caplog.set_level(logging.WARNING, logger="callcenter.recordings.api")
    for rid in ids:
        for suffix in ("audio", "audio?download=1", "peaks"):
            r = await api.get("admin", f"/api/recordings/{rid}/{suffix}")
            _err(r, 404, "outside the recordings directory")
            assert b"root:" not in r.content and b"not a recording" not in r.content
    assert sum("outside the recordings directory" in m for m in caplog.messages) == len(ids) * 3
    assert await api.audit() == []  # nothing was played


async def test_the_id_must_be_an_integer(api: Api) -> None:
    rid, _ = await api.recording()
    for bad in ("abc", "1.5", "1%2e%2e", "-1", "0", "99999999999"):
        body = _err(await api.get("qc", f"/api/recordings/{bad}/audio"), 400)
        assert body["error"] == "invalid_input" and "recording_id" in body["message"], bad
    for traversal in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", f"{rid}%2F..%2F..%2Fetc"):
        r = await api.get("qc", f"/api/recordings/{traversal}/audio")
        assert r.status_code in (400, 404), (traversal, r.status_code)
        assert b"root:" not in r.content
    _err(await api.get("qc", "/api/recordings/424242/audio"), 404, "recording 424242 not found")


# ---- what can be played ---------------------------------------------------------------------------------------
async def test_recordings_without_a_playable_file_say_why(api: Api) -> None:
    live, _ = await api.recording("live", status="recording", write=False, ended_at=None, sha256=None)
    gone, _ = await api.recording("gone", status="deleted", write=False, deleted_at=T0)
    missing, _ = await api.recording("missing", status="missing", write=False, problem="no recording file x.wav")
    empty, _ = await api.recording("empty", status="empty", problem="the recording x.wav holds no audio")
    lost, _ = await api.recording("lost")
    (api.root / "2026/03/02/lost.wav").unlink()
    _err(await api.get("qc", f"/api/recordings/{live}/audio"), 409, "still being recorded")
    _err(await api.get("qc", f"/api/recordings/{gone}/audio"), 404, "deleted by its queue's retention")
    _err(await api.get("qc", f"/api/recordings/{missing}/audio"), 404, "recording is missing (no recording file")
    _err(await api.get("qc", f"/api/recordings/{empty}/audio"), 404, "recording is empty (the recording x.wav")
    _err(await api.get("qc", f"/api/recordings/{lost}/audio"), 404, "missing on disk")
    _err(await api.get("qc", f"/api/recordings/{lost}/peaks"), 404, "missing on disk")
    # the metadata of every one of them is still shown
    r = await api.get("qc", f"/api/recordings/{gone}")
    assert r.status_code == 200 and r.json()["status"] == "deleted"


async def test_who_may_listen(api: Api) -> None:
    rid, data = await api.recording("c1")  # a1's call
    url = f"/api/recordings/{rid}/audio"
    _err(await api.get(None, url), 401)
    for who in ("qc", "supervisor", "admin"):
        r = await api.get(who, url)
        assert r.status_code == 200 and r.content == data, who
    # an agent hears nothing the QC service does not allow (c1 has not been scored)
    assert await api.stack.qc.appeals.agent_may_play("a1", "c1") is False
    expected = []
    for who, user in (("agent", "a1"), ("agent2", "a2")):
        for suffix, what in (("audio", "audio"), ("audio?download=1", "download"), ("", "metadata"),
                             ("peaks", "peaks")):
            _err(await api.get(who, f"/api/recordings/{rid}/{suffix}".rstrip("/")), 403, "their own calls")
            expected.append((user, "recording.play.denied", f"recording:{rid}",
                             {"call_uniqueid": "c1", "agent": "a1", "what": what}))
    assert await api.audit("recording.play.denied") == expected  # every refusal written
    # the agent whose scored call it is may play it (the QC service says so); the other agent still may not
    api.may_play.add(("a1", "c1"))
    r = await api.get("agent", url, Range="bytes=0-9")
    assert r.status_code == 206 and r.content == data[:10]
    assert (await api.get("agent", f"/api/recordings/{rid}")).status_code == 200
    assert (await api.get("agent", f"/api/recordings/{rid}/peaks")).status_code == 200
    _err(await api.get("agent2", url), 403)
    # the list is for QC, supervisors and admins
    _err(await api.get("agent", "/api/recordings"), 403)


# ---- playback audit -------------------------------------------------------------------------------------------
async def test_a_playback_is_audited_once_not_every_seek(api: Api) -> None:
    rid, _ = await api.recording("c1")
    url = f"/api/recordings/{rid}/audio"
    clock: FakeClock = api.stack.clock  # type: ignore[assignment]

    async def plays() -> list[tuple[str, str | None]]:
        return [(u, d["range"]) for u, _, _, d in await api.audit("recording.play")]

    assert (await api.get("qc", url, Range="bytes=0-")).status_code == 206       # the player starts: audited
    assert await plays() == [("qc1", "bytes=0-")]
    for seek in ("bytes=20000-", "bytes=30000-31999", "bytes=-500"):              # seeks/buffering: not again
        clock.advance(60)
        assert (await api.get("qc", url, Range=seek)).status_code == 206
    assert await plays() == [("qc1", "bytes=0-")]
    assert (await api.get("qc", url)).status_code == 200                          # played from the start again
    assert (await api.get("supervisor", url, Range="bytes=100-")).status_code == 206  # another user: their first
    assert await plays() == [("qc1", "bytes=0-"), ("qc1", None), ("lead", "bytes=100-")]
    clock.advance(9 * 60)
    assert (await api.get("qc", url, Range="bytes=2000-")).status_code == 206    # within 10 min of the last row
    clock.advance(61)
    assert (await api.get("qc", url, Range="bytes=4000-")).status_code == 206    # 10 min later: audited again
    assert await plays() == [("qc1", "bytes=0-"), ("qc1", None), ("lead", "bytes=100-"), ("qc1", "bytes=4000-")]
    assert (await api.audit("recording.play"))[0] == (
        "qc1", "recording.play", f"recording:{rid}",
        {"call_uniqueid": "c1", "agent": "a1", "range": "bytes=0-", "format": "wav"})
    assert not await api.audit("recording.download")


# ---- metadata and list ----------------------------------------------------------------------------------------
async def test_metadata_is_audited_and_the_list_filters(api: Api) -> None:
    rid, data = await api.recording("c1", mutes=[{"from": 0.5, "to": 1.0, "by": "a1"}])
    r = await api.get("qc", f"/api/recordings/{rid}")
    assert r.status_code == 200
    assert r.json() == {
        "id": rid, "call_uniqueid": "c1", "queue": "support", "agent_username": "a1", "agent_extension": "1001",
        "started_at": "2026-03-02T02:00:00Z", "ended_at": "2026-03-02T02:00:00Z", "duration_seconds": 2.0,
        "size_bytes": len(data), "format": "wav", "sha256": hashlib.sha256(data).hexdigest(), "status": "ok",
        "problem": "", "mutes": [{"from": 0.5, "to": 1.0, "by": "a1"}]}
    assert await api.audit() == [("qc1", "recording.view", f"recording:{rid}", {"call_uniqueid": "c1", "agent": "a1"})]
    # 1 March 23:30 in the centre (UTC+8), complaints, a2; and a missing one on 2 March
    await api.recording("c2", started_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC), queue="complaints",
                        agent_username="a2", agent_extension="1002")
    await api.recording("c3", write=False, status="missing", problem="x", started_at=datetime(2026, 3, 2, 3, 0,
                                                                                              tzinfo=UTC))

    async def ids(query: str) -> list[str]:
        r = await api.get("supervisor", f"/api/recordings{query}")
        assert r.status_code == 200, r.text
        return [i["call_uniqueid"] for i in r.json()["items"]]

    assert await ids("") == ["c3", "c1", "c2"]  # newest first
    assert await ids("?agent=a2") == ["c2"]
    assert await ids("?agent=1001") == ["c3", "c1"]
    assert await ids("?queue=complaints") == ["c2"]
    assert await ids("?status=missing") == ["c3"]
    assert await ids("?date_from=2026-03-02") == ["c3", "c1"]
    assert await ids("?date_to=2026-03-01") == ["c2"]
    assert await ids("?date_from=2026-03-01&date_to=2026-03-01") == ["c2"]
    r = await api.get("admin", "/api/recordings?limit=1&offset=1")
    assert (r.json()["total"], r.json()["limit"], r.json()["offset"], len(r.json()["items"])) == (3, 1, 1, 1)
    assert set(r.json()["items"][0]) == set(RECORDING_KEYS)
    _err(await api.get("qc", "/api/recordings?status=lost"), 400, "status")
    _err(await api.get("qc", "/api/recordings?date_from=2026-03-02&date_to=2026-03-01"), 400, "date_to")
    _err(await api.get("qc", "/api/recordings?limit=0"), 400, "limit")


RECORDING_KEYS = ("id", "call_uniqueid", "queue", "agent_username", "agent_extension", "started_at", "ended_at",
                  "duration_seconds", "size_bytes", "format", "sha256", "status", "problem", "mutes")


# ---- peaks ------------------------------------------------------------------------------------------------------
async def test_peaks_follow_the_audio_and_are_cached_per_file(api: Api) -> None:
    rid, data = await api.recording("c1", seconds=2.0, silent=1.0)  # 1 s of silence, then a tone at 0.8
    r = await api.get("qc", f"/api/recordings/{rid}/peaks?points=100")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["duration"], body["points"], len(body["peaks"])) == (2.0, 100, 100)
    assert all(0.0 <= p <= 1.0 for p in body["peaks"])
    assert body["peaks"][:50] == [0.0] * 50  # silence
    assert all(0.75 <= p <= 0.81 for p in body["peaks"][50:])  # the tone, 0.8 of full scale
    r = await api.get("qc", f"/api/recordings/{rid}/peaks")
    assert r.status_code == 200 and r.json()["points"] == 800 and len(r.json()["peaks"]) == 800
    assert not await api.audit()  # peaks are not a playback
    for bad in ("99", "4001", "x"):
        _err(await api.get("qc", f"/api/recordings/{rid}/peaks?points={bad}"), 400, "points")
    # cached once, as JSON named by the recording, its sha256 and N: a second request reads the file
    sha = hashlib.sha256(data).hexdigest()
    cache_dir = api.stack.settings.data_dir / "peaks"
    cached = cache_dir / f"{rid}-{sha[:16]}-100.json"
    assert json.loads(cached.read_text()) == body
    cached.write_text(json.dumps({**body, "peaks": [0.5] * 100}))
    r = await api.get("supervisor", f"/api/recordings/{rid}/peaks?points=100")
    assert r.json()["peaks"] == [0.5] * 100
    # a changed file (new sha256): computed again from the new audio, the stale cache removed
    new = tone_wav(api.root / "2026/03/02/c1.wav", 3.0)
    new_sha = hashlib.sha256(new).hexdigest()
    from sqlalchemy import update

    from callcenter.recordings.models import Recording
    async with api.stack.sessions() as s:
        await s.execute(update(Recording).where(Recording.id == rid).values(sha256=new_sha, size_bytes=len(new)))
        await s.commit()
    r = await api.get("qc", f"/api/recordings/{rid}/peaks?points=100")
    assert r.json()["duration"] == 3.0 and min(r.json()["peaks"]) > 0.7
    assert sorted(p.name for p in cache_dir.iterdir()) == [f"{rid}-{new_sha[:16]}-100.json"]


async def test_peaks_are_computed_once_for_concurrent_requests_and_an_undecodable_file_is_said(api: Api) -> None:
    import asyncio

    rid, _ = await api.recording("c1", seconds=1.0)
    calls: list[int] = []
    await api.get("qc", f"/api/recordings/{rid}/peaks?points=200")  # the app's cache exists from here on
    cache = api.stack.services.get(PeaksCache)
    real = cache.compute

    def counting(path: Path, fmt: str, points: int) -> dict[str, Any]:
        calls.append(points)
        return real(path, fmt, points)  # type: ignore[no-any-return]

    cache.compute = counting
    rs = await asyncio.gather(*(api.get("qc", f"/api/recordings/{rid}/peaks?points=300") for _ in range(4)))
    assert [r.status_code for r in rs] == [200] * 4 and calls == [300]
    await api.get("qc", f"/api/recordings/{rid}/peaks?points=300")
    assert calls == [300]  # cached
    bad, _ = await api.recording("broken", seconds=1.0)
    path = api.root / "2026/03/02/broken.wav"
    path.write_bytes(b"RIFF" + os.urandom(200))
    body = _err(await api.get("qc", f"/api/recordings/{bad}/peaks"), 500, "could not be decoded")
    assert body["error"] == "audio_unreadable"


# ---- a call's recording (the cases page's linked calls) ------------------------------------------------------
async def test_a_calls_recording_is_found_by_the_call_with_the_same_rule_as_by_id(api: Api) -> None:
    rid, _ = await api.recording(uid="1772416800.7")
    r = await api.get("supervisor", "/api/recordings/of-call/1772416800.7")
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["call_uniqueid"]) == (rid, "1772416800.7")
    assert ("lead", "recording.view", f"recording:{rid}") in [a[:3] for a in await api.audit()]
    # an agent: only what the QC rule lets them hear, a refusal audited
    body = _err(await api.get("agent", "/api/recordings/of-call/1772416800.7"), 403)
    assert body["code"] == "recordings.agent_not_own_scored"
    assert ("a1", "recording.play.denied") in [a[:2] for a in await api.audit()]
    api.may_play.add(("a1", "1772416800.7"))
    assert (await api.get("agent", "/api/recordings/of-call/1772416800.7")).status_code == 200
    # a call without a recording: 404 naming it, in both languages
    body = _err(await api.get("qc", "/api/recordings/of-call/1772416800.9"), 404, "1772416800.9")
    assert body["code"] == "recordings.call_has_no_recording" and "1772416800.9" in body["messages"]["zh-CN"]
    assert (await api.get("qc", "/api/recordings/of-call/bad%20id")).status_code == 400
    assert (await api.get(None, "/api/recordings/of-call/1772416800.7")).status_code == 401
