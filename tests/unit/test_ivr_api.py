"""/api/ivr: flows (draft, problems, publish, rollback), entry points, roles, prompt upload/preview/delete
(real audio through ffmpeg), and voicemails (list, audited playback, handled)."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import callcenter.ivr.api
import callcenter.ivr.prompts
from callcenter.app import Stack, create_app
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from tests.helpers import bearer, stack_settings

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# publishable with the machine's Asterisk sounds and the settings' queues
GOOD: dict[str, Any] = {"start": "main", "language": "en", "nodes": {
    "main": {"kind": "menu", "prompt": "hello-world", "invalid_prompt": None,
             "options": [{"digit": "1", "target": "support"}, {"digit": "2", "target": "complaints"}]},
    "support": {"kind": "queue", "queue": "support"},
    "complaints": {"kind": "queue", "queue": "complaints", "fallback": "bye"},
    "bye": {"kind": "hangup"},
}}
# one problem per node: an option to nowhere, an unknown queue, a missing prompt
BAD: dict[str, Any] = {"start": "main", "language": "en", "nodes": {
    "main": {"kind": "menu", "prompt": "hello-world", "invalid_prompt": None,
             "options": [{"digit": "1", "target": "sales"}, {"digit": "2", "target": "nowhere"}]},
    "sales": {"kind": "queue", "queue": "sales"},
    "outro": {"kind": "play", "prompt": "no-such-prompt-anywhere", "next": "sales"},
}}


@dataclass
class Api:
    stack: Stack
    client: httpx.AsyncClient  # logged in as an admin (bearer header)
    clock: FakeClock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # role → Authorization header

    async def as_(self, role: str) -> dict[str, str]:
        """Authorization header of a user holding just ``role`` (created on first use: scrypt is slow)."""
        if role not in self.headers:
            self.headers[role] = await bearer(self.stack, (role,))
        return self.headers[role]

    @property
    def prompts_dir(self) -> Path:
        return self.stack.settings.data_dir / "prompts"


@pytest.fixture
async def api(db_url: str, workdir: Path) -> AsyncIterator[Api]:
    clock = FakeClock(T0)
    stack = Stack(stack_settings(db_url, workdir / "data"), clock=clock, run_migrations=False)
    try:
        await stack.load_directory()
        admin = await bearer(stack, ("admin",))
        app = create_app(stack.settings, stack=stack, manage_stack=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     headers=admin) as c:
            yield Api(stack, c, clock, {"admin": admin})
    finally:
        await stack.engine.dispose()


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 2 s, 44.1 kHz stereo mp3."""
    out = tmp_path_factory.mktemp("audio") / "x.mp3"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "sine=frequency=440:duration=2", "-ar", "44100", "-ac", "2", str(out)],
                   check=True, timeout=30)
    return out.read_bytes()


def _wav(path: Path, seconds: float = 0.5, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate))
    return path


async def _audit(stack: Stack, action: str) -> list[AuditEntry]:
    async with stack.sessions() as s:
        q = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await s.execute(q)).scalars())


async def _create(c: httpx.AsyncClient, name: str, draft: dict[str, Any]) -> int:
    r = await c.post("/api/ivr/flows", json={"name": name, "draft": draft})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _upload(c: httpx.AsyncClient, name: str, filename: str, data: bytes, language: str = "en"
                  ) -> httpx.Response:
    return await c.post("/api/ivr/prompts", data={"name": name, "language": language},
                        files={"file": (filename, data, "application/octet-stream")})


def _stored(api: Api) -> list[Path]:
    return sorted(p for p in api.prompts_dir.rglob("*") if p.is_file()) if api.prompts_dir.exists() else []


# ---- flows ---------------------------------------------------------------------------------------------------


async def test_settings_queues_and_machine_prompts_are_what_the_service_knows(api: Api) -> None:
    assert api.stack.ivr.queues() == {"support", "consultation", "business", "complaints"}
    assert api.stack.ivr.prompt_exists("hello-world", "en")
    assert not api.stack.ivr.prompt_exists("hello-world", "xx")
    assert api.stack.prompts.custom_dir == api.prompts_dir


async def test_create_a_flow_and_see_the_problems_of_its_draft(api: Api) -> None:
    c = api.client
    r = await c.post("/api/ivr/flows", json={"name": "main", "description": "the main line", "draft": BAD})
    assert r.status_code == 201, r.text
    created = r.json()
    fid = created["id"]
    r = await c.get(f"/api/ivr/flows/{fid}")
    assert r.status_code == 200
    flow = r.json()
    assert flow == created
    assert flow["name"] == "main" and flow["description"] == "the main line"
    assert flow["draft"] == BAD
    assert flow["draft_updated_at"] == "2026-11-23T09:00:00Z"
    assert flow["live_version"] is None and flow["live_version_id"] is None and flow["live_since"] is None
    assert flow["versions"] == [] and flow["entry_points"] == []
    by_node: dict[str | None, list[str]] = {}
    for p in flow["problems"]:
        assert set(p) == {"node", "message", "messages"} and p["messages"]["en"] == p["message"]
        by_node.setdefault(p["node"], []).append(p["message"])
    assert any("'nowhere'" in m for m in by_node["main"])
    assert any("'sales'" in m and "does not exist" in m for m in by_node["sales"])
    assert any("no-such-prompt-anywhere" in m for m in by_node["outro"])
    r = await c.get("/api/ivr/flows")
    assert r.status_code == 200 and [f["id"] for f in r.json()] == [fid]
    # a good draft has no problems
    good = await _create(c, "good", GOOD)
    assert (await c.get(f"/api/ivr/flows/{good}")).json()["problems"] == []


async def test_bad_flow_requests(api: Api) -> None:
    c = api.client
    await _create(c, "main", GOOD)
    r = await c.post("/api/ivr/flows", json={"name": "main", "draft": GOOD})
    assert r.status_code == 400 and "already exists" in r.json()["message"]
    r = await c.post("/api/ivr/flows", json={"name": "", "draft": GOOD})
    assert r.status_code == 400 and r.json()["error"] == "invalid_input"
    r = await c.post("/api/ivr/flows", json={"name": "x"})
    assert r.status_code == 400 and "draft" in r.json()["message"]
    assert (await c.get("/api/ivr/flows/999")).status_code == 404
    assert (await c.put("/api/ivr/flows/999/draft", json={"draft": GOOD})).status_code == 404
    assert (await c.post("/api/ivr/flows/999/publish", json={})).status_code == 404
    assert (await c.post("/api/ivr/flows/999/rollback", json={"version": 1})).status_code == 404


async def test_an_outside_transfer_is_published_only_when_outside_numbers_ivr_allows_it(api: Api) -> None:
    """The wiring hands the settings' outside_numbers.ivr to the flow checks (and to the engine)."""
    c = api.client
    duty = {**GOOD, "nodes": {**GOOD["nodes"], "bye": {"kind": "transfer", "target_type": "outside",
                                                       "target": "13812345678", "label": "Duty mobile"}}}
    fid = await _create(c, "after-hours", duty)
    r = await c.post(f"/api/ivr/flows/{fid}/publish", json={})
    assert r.status_code == 422, r.text
    [problem] = r.json()["details"]["problems"]
    assert problem["node"] == "bye" and "outside number 13812345678 is not allowed for the IVR" in problem["message"]
    flow = (await c.get(f"/api/ivr/flows/{fid}")).json()
    assert [p["node"] for p in flow["problems"]] == ["bye"]  # shown on the page before publishing too
    ivr = api.stack.settings.outside_numbers.ivr
    assert api.stack.ivr.outside is ivr and api.stack.ivr_engine.outside is ivr
    ivr.allowed, ivr.caller_id = ["138XXXXXXXX"], "4009"
    r = await c.post(f"/api/ivr/flows/{fid}/publish", json={})
    assert r.status_code == 201, r.text


async def test_publish_refuses_an_invalid_draft_then_publish_and_rollback(api: Api) -> None:
    c = api.client
    fid = await _create(c, "main", BAD)
    r = await c.post(f"/api/ivr/flows/{fid}/publish", json={"note": "first try"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "flow_invalid"
    problems = body["details"]["problems"]
    assert problems and all(set(p) == {"node", "message", "messages"} and p["message"] for p in problems)
    # each in both UI languages: the flow checks have their own Chinese wording
    assert all(set(p["messages"]) == {"en", "zh-CN"} and p["messages"]["en"] == p["message"] for p in problems)
    assert any(p["messages"]["zh-CN"] != p["message"] for p in problems)
    assert {"main", "sales", "outro"} <= {p["node"] for p in problems}
    flow = (await c.get(f"/api/ivr/flows/{fid}")).json()
    assert flow["live_version"] is None and flow["versions"] == []  # nothing live

    api.clock.advance(60)
    r = await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": GOOD})
    assert r.status_code == 200
    assert r.json()["draft"] == GOOD and r.json()["problems"] == []
    assert r.json()["draft_updated_at"] == "2026-11-23T09:01:00Z"
    assert r.json()["live_version"] is None  # saving a draft does not publish it

    r = await c.post(f"/api/ivr/flows/{fid}/publish", json={"note": "v1"})
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert v1["version"] == 1 and v1["note"] == "v1" and v1["published_by"] == "t-admin"
    assert v1["published_at"] == "2026-11-23T09:01:00Z"

    api.clock.advance(60)
    second = {**GOOD, "nodes": {**GOOD["nodes"], "main": {**GOOD["nodes"]["main"], "timeout_seconds": 8}}}
    assert (await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": second})).status_code == 200
    r = await c.post(f"/api/ivr/flows/{fid}/publish", json={})
    assert r.status_code == 201 and r.json()["version"] == 2
    flow = (await c.get(f"/api/ivr/flows/{fid}")).json()
    assert flow["live_version"] == 2 and [v["version"] for v in flow["versions"]] == [1, 2]
    assert flow["live_since"] == "2026-11-23T09:02:00Z"

    api.clock.advance(60)
    r = await c.post(f"/api/ivr/flows/{fid}/rollback", json={"version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["id"] == v1["id"]
    flow = (await c.get(f"/api/ivr/flows/{fid}")).json()
    assert flow["live_version"] == 1 and flow["live_version_id"] == v1["id"]
    assert flow["live_since"] == "2026-11-23T09:03:00Z"
    assert flow["draft"] == second  # rollback leaves the draft alone
    assert (await api.stack.ivr.version_doc(v1["id"])) == GOOD

    r = await c.post(f"/api/ivr/flows/{fid}/rollback", json={"version": 9})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = await c.post(f"/api/ivr/flows/{fid}/rollback", json={"version": 0})
    assert r.status_code == 400
    assert (await c.get(f"/api/ivr/flows/{fid}")).json()["live_version"] == 1

    # an invalid draft later does not touch what is live
    assert (await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": BAD})).status_code == 200
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={})).status_code == 422
    flow = (await c.get(f"/api/ivr/flows/{fid}")).json()
    assert flow["live_version"] == 1 and len(flow["versions"]) == 2


async def test_entry_points(api: Api) -> None:
    c = api.client
    main = await _create(c, "main", GOOD)
    other = await _create(c, "other", GOOD)
    r = await c.put("/api/ivr/entry-points/4000", json={"flow_id": main})
    assert r.status_code == 200, r.text
    assert r.json() == {"4000": main}
    r = await c.put("/api/ivr/entry-points/*", json={"flow_id": other})
    assert r.status_code == 200 and r.json() == {"4000": main, "*": other}
    r = await c.put("/api/ivr/entry-points/+8610123", json={"flow_id": other})
    assert r.status_code == 200
    r = await c.put("/api/ivr/entry-points/*", json={"flow_id": main})  # re-pointing replaces
    assert r.status_code == 200
    r = await c.get("/api/ivr/entry-points")
    assert r.status_code == 200 and r.json() == {"4000": main, "*": main, "+8610123": other}
    assert (await c.get(f"/api/ivr/flows/{main}")).json()["entry_points"] == ["*", "4000"]
    assert (await c.get(f"/api/ivr/flows/{other}")).json()["entry_points"] == ["+8610123"]

    for did in ("abc", "1", "40 00", "4000x"):
        r = await c.put(f"/api/ivr/entry-points/{did}", json={"flow_id": main})
        assert r.status_code == 400, (did, r.text)
        assert r.json()["error"] == "invalid_input"
    r = await c.put("/api/ivr/entry-points/5000", json={"flow_id": 999})
    assert r.status_code == 404
    r = await c.put("/api/ivr/entry-points/5000", json={})
    assert r.status_code == 400 and "flow_id" in r.json()["message"]
    assert (await c.get("/api/ivr/entry-points")).json() == {"4000": main, "*": main, "+8610123": other}


async def test_the_longest_accepted_did_is_stored(api: Api, db_url: str, request: pytest.FixtureRequest) -> None:
    fid = await _create(api.client, "main", GOOD)
    did = "+" + "1" * 40
    r = await api.client.put(f"/api/ivr/entry-points/{did}", json={"flow_id": fid})
    assert r.status_code in (200, 400), r.text
    mapping = (await api.client.get("/api/ivr/entry-points")).json()
    assert (did in mapping) == (r.status_code == 200)


@pytest.mark.parametrize("role", ["agent", "supervisor", "qc"])
async def test_flows_are_for_admins_only(api: Api, role: str) -> None:
    h = await api.as_(role)
    fid = await _create(api.client, "main", GOOD)
    for method, url, body in (
        ("GET", "/api/ivr/flows", None),
        ("POST", "/api/ivr/flows", {"name": "x", "draft": GOOD}),
        ("GET", f"/api/ivr/flows/{fid}", None),
        ("PUT", f"/api/ivr/flows/{fid}/draft", {"draft": BAD}),
        ("POST", f"/api/ivr/flows/{fid}/publish", {}),
        ("POST", f"/api/ivr/flows/{fid}/rollback", {"version": 1}),
        ("GET", "/api/ivr/entry-points", None),
        ("PUT", "/api/ivr/entry-points/4000", {"flow_id": fid}),
        ("GET", "/api/ivr/prompts", None),
        ("DELETE", "/api/ivr/prompts/en/x", None),
    ):
        r = await api.client.request(method, url, json=body, headers=h)
        assert r.status_code == 403, (method, url, r.text)
        assert r.json()["error"] == "forbidden" and "admin" in r.json()["message"]
    flow = (await api.client.get(f"/api/ivr/flows/{fid}")).json()
    assert flow["draft"] == GOOD and flow["versions"] == []


async def test_without_login_is_401(api: Api) -> None:
    for url in ("/api/ivr/flows", "/api/ivr/entry-points", "/api/ivr/prompts", "/api/ivr/voicemails"):
        r = await api.client.get(url, headers={"Authorization": ""})
        assert r.status_code == 401, url
        assert r.json()["error"] == "unauthorized"
    r = await api.client.get("/api/ivr/flows", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401


# ---- prompts -------------------------------------------------------------------------------------------------


async def test_upload_an_mp3_prompt_preview_and_list_it(api: Api, mp3: bytes) -> None:
    c = api.client
    r = await _upload(c, "welcome", "Welcome Message.MP3", mp3)
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["name"] == "welcome" and info["language"] == "en" and info["original"] == "welcome.mp3"
    assert abs(info["seconds"] - 2.0) < 0.1

    stored = api.prompts_dir / "en" / "welcome.wav"
    with wave.open(str(stored), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert abs(w.getnframes() / 8000 - 2.0) < 0.1
    original = api.prompts_dir / "originals" / "en" / "welcome.mp3"
    assert original.read_bytes() == mp3
    assert api.stack.ivr.prompt_exists("welcome", "en")

    r = await c.get("/api/ivr/prompts")
    assert r.status_code == 200
    assert r.json() == [{"name": "welcome", "language": "en", "bytes": stored.stat().st_size}]

    r = await c.get("/api/ivr/prompts/en/welcome/audio")
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/wav"
    assert r.content == stored.read_bytes() and r.content[:4] == b"RIFF"
    r = await c.get("/api/ivr/prompts/en/welcome/audio", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    assert r.content == stored.read_bytes()[:100]
    assert r.headers["content-range"] == f"bytes 0-99/{stored.stat().st_size}"
    assert (await c.get("/api/ivr/prompts/en/nothing/audio")).status_code == 404
    assert (await c.get("/api/ivr/prompts/zh/welcome/audio")).status_code == 404

    uploads = await _audit(api.stack, "ivr.prompt.upload")
    assert [(e.username, e.target) for e in uploads] == [("t-admin", "prompt:en/welcome")]


async def test_uploading_again_replaces_the_prompt_and_its_original(api: Api, mp3: bytes) -> None:
    c = api.client
    assert (await _upload(c, "welcome", "a.mp3", mp3)).status_code == 201
    wav = _wav(api.prompts_dir.parent / "src.wav", seconds=1.0, rate=16000).read_bytes()
    r = await _upload(c, "welcome", "b.wav", wav)
    assert r.status_code == 201, r.text
    assert abs(r.json()["seconds"] - 1.0) < 0.01
    assert sorted(p.name for p in (api.prompts_dir / "originals" / "en").iterdir()) == ["welcome.wav"]
    with wave.open(str(api.prompts_dir / "en" / "welcome.wav"), "rb") as w:
        assert w.getframerate() == 8000 and w.getnframes() == 8000


@pytest.mark.parametrize(
    ("name", "language", "filename", "data", "fragment"),
    [
        ("welcome", "en", "notes.mp3", b"this is a text file, not audio\n" * 20, "mp3"),
        ("welcome", "en", "notes.txt", b"hello\n", "'txt'"),
        ("welcome", "en", "noextension", b"hello\n", "(none)"),
        ("welcome", "en", "empty.mp3", b"", "empty"),
        ("../x", "en", "x.mp3", b"ID3", "'../x'"),
        ("a/b", "en", "x.mp3", b"ID3", "name"),
        ("x" * 81, "en", "x.mp3", b"ID3", "name"),
        ("welcome", "../en", "x.mp3", b"ID3", "language"),
        ("welcome", "EN", "x.mp3", b"ID3", "language"),
    ],
)
async def test_bad_uploads_are_400_and_store_nothing(
    api: Api, name: str, language: str, filename: str, data: bytes, fragment: str
) -> None:
    r = await _upload(api.client, name, filename, data, language)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "invalid_input"
    assert fragment in body["message"]
    assert body["details"]["field"] in ("file", "name", "language")
    assert _stored(api) == []
    assert (await api.client.get("/api/ivr/prompts")).json() == []
    assert await _audit(api.stack, "ivr.prompt.upload") == []


async def test_a_text_file_named_mp3_is_refused_naming_the_file(api: Api) -> None:
    r = await _upload(api.client, "welcome", "notes.mp3", b"just some words\n" * 50)
    assert r.status_code == 400
    body = r.json()
    assert body["details"] == {"field": "file"}
    assert "not a readable mp3 audio file" in body["message"]
    assert _stored(api) == []


@pytest.mark.parametrize("filename", ["notes.mp3", "notes.txt"])
async def test_a_refused_upload_names_the_uploaded_file(api: Api, filename: str) -> None:
    r = await _upload(api.client, "welcome", filename, b"just some words\n" * 50)
    assert r.status_code == 400
    assert filename in r.json()["message"]


async def test_a_failed_upload_keeps_the_previous_recording(api: Api, mp3: bytes) -> None:
    assert (await _upload(api.client, "welcome", "w.mp3", mp3)).status_code == 201
    before = {p: p.read_bytes() for p in _stored(api)}
    assert (await _upload(api.client, "welcome", "w.mp3", b"garbage" * 100)).status_code == 400
    assert {p: p.read_bytes() for p in _stored(api)} == before


async def test_an_upload_over_the_size_limit_is_400(api: Api, mp3: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # the real limit is 20 MB; a smaller one keeps the test fast (the API reads limit + 1 bytes)
    assert callcenter.ivr.prompts.MAX_UPLOAD_BYTES == callcenter.ivr.api.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    monkeypatch.setattr(callcenter.ivr.prompts, "MAX_UPLOAD_BYTES", len(mp3) - 1)
    monkeypatch.setattr(callcenter.ivr.api, "MAX_UPLOAD_BYTES", len(mp3) - 1)
    r = await _upload(api.client, "welcome", "big.mp3", mp3)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_input"
    assert "limit is 20 MB" in r.json()["message"] and r.json()["details"] == {"field": "file"}
    assert _stored(api) == []
    # exactly at the limit is fine
    monkeypatch.setattr(callcenter.ivr.prompts, "MAX_UPLOAD_BYTES", len(mp3))
    monkeypatch.setattr(callcenter.ivr.api, "MAX_UPLOAD_BYTES", len(mp3))
    assert (await _upload(api.client, "welcome", "big.mp3", mp3)).status_code == 201


async def test_a_prompt_in_use_cannot_be_deleted(api: Api, mp3: bytes) -> None:
    c = api.client
    assert (await _upload(c, "welcome", "welcome.mp3", mp3)).status_code == 201
    wav = _wav(api.prompts_dir.parent / "src.wav").read_bytes()  # wav: no ffmpeg run, faster
    for name in ("spare", "other"):
        assert (await _upload(c, name, f"{name}.wav", wav)).status_code == 201
    uses_welcome = {"start": "greet", "language": "en", "nodes": {
        "greet": {"kind": "play", "prompt": "welcome", "next": "q"},
        "q": {"kind": "queue", "queue": "support"},
    }}
    fid = await _create(c, "main line", uses_welcome)

    # used by the draft
    r = await c.delete("/api/ivr/prompts/en/welcome")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "prompt_in_use"
    assert "'main line'" in body["message"] and "'greet'" in body["message"] and "draft" in body["message"]
    assert body["details"]["used_by"] == ["flow 'main line' (draft), node 'greet'"]
    assert (api.prompts_dir / "en" / "welcome.wav").is_file()

    # used only by the live version: still refused
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={})).status_code == 201
    assert (await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": GOOD})).status_code == 200
    r = await c.delete("/api/ivr/prompts/en/welcome")
    assert r.status_code == 409
    assert r.json()["details"]["used_by"] == ["flow 'main line' (live version), node 'greet'"]
    assert (api.prompts_dir / "en" / "welcome.wav").is_file()
    assert (api.prompts_dir / "originals" / "en" / "welcome.mp3").is_file()

    # the same name in another language is a different prompt
    assert (await _upload(c, "welcome", "welcome.wav", wav, language="zh")).status_code == 201
    assert (await c.delete("/api/ivr/prompts/zh/welcome")).status_code == 204

    # unused: deleted, with its original
    r = await c.delete("/api/ivr/prompts/en/spare")
    assert r.status_code == 204 and r.content == b""
    assert not (api.prompts_dir / "en" / "spare.wav").exists()
    assert not (api.prompts_dir / "originals" / "en" / "spare.wav").exists()
    assert (api.prompts_dir / "originals" / "en" / "other.wav").is_file()
    assert not api.stack.ivr.prompt_exists("spare", "en")
    names = {(p["language"], p["name"]) for p in (await c.get("/api/ivr/prompts")).json()}
    assert names == {("en", "welcome"), ("en", "other")}
    assert (await c.get("/api/ivr/prompts/en/spare/audio")).status_code == 404

    r = await c.delete("/api/ivr/prompts/en/spare")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert (await c.delete("/api/ivr/prompts/en/never-uploaded")).status_code == 404
    assert (await c.delete("/api/ivr/prompts/en/bad.name")).status_code == 400

    deletes = await _audit(api.stack, "ivr.prompt.delete")
    assert [e.target for e in deletes] == ["prompt:zh/welcome", "prompt:en/spare"]


async def test_a_system_sound_is_not_deletable_through_the_api(api: Api) -> None:
    assert api.stack.ivr.prompt_exists("hello-world", "en")
    r = await api.client.delete("/api/ivr/prompts/en/hello-world")
    assert r.status_code == 404
    assert api.stack.ivr.prompt_exists("hello-world", "en")


# ---- voicemail -----------------------------------------------------------------------------------------------


async def _voicemail(api: Api, path: Path, uid: str = "1700000000.1", minutes: int = 0) -> int:
    vm = await api.stack.ivr.add_voicemail(call_uniqueid=uid, caller_number="13800000000", mailbox="general",
                                           path=str(path), recorded_at=T0 + timedelta(minutes=minutes),
                                           duration_seconds=0.5)
    return vm.id


async def test_voicemails_list_play_and_handle(api: Api) -> None:
    c = api.client
    sup = await api.as_("supervisor")
    vm_dir = api.stack.settings.data_dir / "voicemail" / "general"
    first = await _voicemail(api, _wav(vm_dir / "1700000000.1.wav"), "1700000000.1", minutes=0)
    second = await _voicemail(api, _wav(vm_dir / "1700000000.2.wav", seconds=1.0), "1700000000.2", minutes=5)

    r = await c.get("/api/ivr/voicemails", headers=sup)
    assert r.status_code == 200, r.text
    items = r.json()
    assert [v["id"] for v in items] == [second, first]  # newest first
    assert items[1] == {"id": first, "call_uniqueid": "1700000000.1", "caller_number": "13800000000",
                        "mailbox": "general", "recorded_at": "2026-11-23T09:00:00Z", "duration_seconds": 0.5,
                        "empty": False, "handled_at": None, "handled_by": None}
    assert "path" not in items[0]

    r = await c.get(f"/api/ivr/voicemails/{first}/audio", headers=sup)
    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/wav"
    assert r.content == (vm_dir / "1700000000.1.wav").read_bytes()
    r = await c.get(f"/api/ivr/voicemails/{first}/audio", headers={**sup, "Range": "bytes=0-43"})
    assert r.status_code == 206 and len(r.content) == 44
    plays = await _audit(api.stack, "voicemail.play")
    assert [(e.username, e.target, e.detail) for e in plays] == [
        ("t-supervisor", f"voicemail:{first}", {"range": None}),
        ("t-supervisor", f"voicemail:{first}", {"range": "bytes=0-43"}),
    ]

    api.clock.advance(600)
    r = await c.post(f"/api/ivr/voicemails/{first}/handled", headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["handled_by"] == "t-supervisor" and r.json()["handled_at"] == "2026-11-23T09:10:00Z"
    # a second "handled" keeps who handled it first
    r = await c.post(f"/api/ivr/voicemails/{first}/handled")  # as the admin
    assert r.status_code == 200 and r.json()["handled_by"] == "t-supervisor"

    assert [v["id"] for v in (await c.get("/api/ivr/voicemails?handled=true", headers=sup)).json()] == [first]
    assert [v["id"] for v in (await c.get("/api/ivr/voicemails?handled=false", headers=sup)).json()] == [second]
    handled = await _audit(api.stack, "voicemail.handled")
    assert [(e.username, e.target) for e in handled] == [("t-supervisor", f"voicemail:{first}"),
                                                         ("t-admin", f"voicemail:{first}")]

    assert (await c.get("/api/ivr/voicemails/999/audio", headers=sup)).status_code == 404
    assert (await c.post("/api/ivr/voicemails/999/handled", headers=sup)).status_code == 404


async def test_voicemail_audio_outside_the_voicemail_folder_is_404(api: Api) -> None:
    c = api.client
    data_dir = api.stack.settings.data_dir
    vm_root = data_dir / "voicemail"
    outside = _wav(data_dir / "secret.wav")
    sibling = _wav(data_dir / "voicemail2" / "x.wav")  # shares the prefix, not the folder
    linked = vm_root / "general" / "link.wav"
    linked.parent.mkdir(parents=True, exist_ok=True)
    linked.symlink_to(outside)
    for path in (outside, vm_root / "general" / ".." / ".." / "secret.wav", sibling, linked,
                 vm_root / "general" / "missing.wav"):
        vid = await _voicemail(api, path, uid=f"u.{path.name}")
        r = await c.get(f"/api/ivr/voicemails/{vid}/audio")
        assert r.status_code == 404, (path, r.status_code)
        assert r.json()["error"] == "not_found"
    assert await _audit(api.stack, "voicemail.play") == []


async def test_voicemails_are_not_for_agents_or_qc(api: Api) -> None:
    vid = await _voicemail(api, _wav(api.stack.settings.data_dir / "voicemail" / "general" / "a.wav"))
    for role in ("agent", "qc"):
        h = await api.as_(role)
        assert (await api.client.get("/api/ivr/voicemails", headers=h)).status_code == 403
        assert (await api.client.get(f"/api/ivr/voicemails/{vid}/audio", headers=h)).status_code == 403
        r = await api.client.post(f"/api/ivr/voicemails/{vid}/handled", headers=h)
        assert r.status_code == 403 and "supervisor" in r.json()["message"]
    vm = await api.stack.ivr.get_voicemail(vid)
    assert vm.handled_at is None and vm.handled_by is None
    assert await _audit(api.stack, "voicemail.play") == []
    # admins may listen too
    assert (await api.client.get(f"/api/ivr/voicemails/{vid}/audio")).status_code == 200


async def test_rollback_to_a_version_whose_prompt_was_deleted_is_refused(api: Api, mp3: bytes) -> None:
    c = api.client
    assert (await _upload(c, "menu-old", "m.mp3", mp3)).status_code == 201
    old = {**GOOD, "nodes": {**GOOD["nodes"], "main": {**GOOD["nodes"]["main"], "prompt": "menu-old"}}}
    fid = await _create(c, "main", old)
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={})).status_code == 201
    assert (await c.put(f"/api/ivr/flows/{fid}/draft", json={"draft": GOOD})).status_code == 200
    assert (await c.post(f"/api/ivr/flows/{fid}/publish", json={})).status_code == 201
    # version 1's prompt is used by nothing live or drafted now, so it may be deleted ...
    assert (await c.delete("/api/ivr/prompts/en/menu-old")).status_code == 204
    # ... and then rolling back to version 1 is refused with the node named, version 2 stays live
    r = await c.post(f"/api/ivr/flows/{fid}/rollback", json={"version": 1})
    assert r.status_code == 422 and r.json()["error"] == "flow_invalid"
    assert any(p["node"] == "main" and "menu-old" in p["message"] for p in r.json()["details"]["problems"])
    assert (await c.get(f"/api/ivr/flows/{fid}")).json()["live_version"] == 2
