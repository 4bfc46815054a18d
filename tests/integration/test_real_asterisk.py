"""Against a real Asterisk started from the repository's asterisk_conf/ on free loopback ports."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from callcenter.app import Stack, create_app
from callcenter.asterisk.ami import AmiClient
from callcenter.asterisk.errors import AsteriskNotInstalled, PortInUse
from tests.helpers import Sipp, agent_user, bearer, free_udp_port, stack_settings, wait_for

pytestmark = [pytest.mark.asterisk, pytest.mark.db]


@asynccontextmanager
async def _client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client on the stack's app, logged in as a supervisor."""
    app = create_app(stack.settings, stack=stack, manage_stack=False)
    headers = await bearer(stack, ("supervisor",)) if await _db_up(stack) else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=headers) as c:
        yield c


async def _db_up(stack: Stack) -> bool:
    try:
        await stack.auth.has_users()
        return True
    except Exception:
        return False


async def _answered_call(stack: Stack, sipp: Sipp) -> str:
    agent = stack.settings.agents[0]
    await agent_user(stack, "agent1", {"support": "senior"}, agent.extension, ready=True)
    phone_port = free_udp_port()
    sipp.register(agent.extension, agent.password, phone_port)
    sipp.answer(agent.extension, phone_port)
    sipp.call("4000")

    async def answered() -> bool:
        return any(st.answered_at for st in stack.tracker.active.values())

    await wait_for(answered, 20, "the agent phone to answer the queue call")
    return next(uid for uid, st in stack.tracker.active.items() if st.answered_at)


async def test_health_ami_and_queue_state(stack: Stack) -> None:
    async with _client(stack) as c:
        r = await c.get("/api/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert body["ami"]["connected"] and body["fastagi"]["listening"] and body["db"]["ok"]
    assert body["asterisk"]["version"].startswith("16.") and body["asterisk"]["running"] is True
    status = await stack.ami.queue_status()
    # no static members: only agents logged in at a seat are members (added by the bridge)
    assert [e for e in status if e.name == "QueueMember"] == []
    await agent_user(stack, "zhao", {"support": "junior"}, "1002")
    members = {e["Name"] for e in await stack.ami.queue_status() if e.name == "QueueMember" and e["Queue"] == "support"}
    assert members == {"Zhao"}
    summary = {e["Queue"]: e for e in await stack.ami.queue_summary()}
    assert set(summary) == set(stack.settings.queue_names) and summary["support"]["Callers"] == "0"


async def test_sip_call_through_ivr_and_queue_is_recorded(stack: Stack, sipp: Sipp) -> None:
    uid = await _answered_call(stack, sipp)
    await wait_for(lambda: uid not in stack.tracker.active, 30, "the caller to hang up")
    async with _client(stack) as c:
        page = (await c.get("/api/calls", params={"outcome": "answered"})).json()
        assert page["total"] == 1
        call = page["items"][0]
        assert (await c.get(f"/api/calls/{call['id']}")).json() == call
        assert (await c.get("/api/calls", params={"agent": "1002"})).json()["total"] == 0
    assert call["uniqueid"] == uid and call["queue"] == "support" and call["agent_extension"] == "1001"
    assert call["dialled_number"] == "4000" and call["outcome"] == "answered" and not call["in_progress"]
    for k in ("arrived_at", "ivr_entered_at", "ivr_exited_at", "queued_at", "ringing_at", "answered_at", "ended_at"):
        assert call[k] is not None, k
    assert call["arrived_at"] <= call["ivr_entered_at"] <= call["ivr_exited_at"] <= call["queued_at"]
    assert call["ringing_at"] < call["answered_at"] < call["ended_at"]
    assert 3 <= call["talk_seconds"] <= 12  # uac_pcap hangs up ~9 s after Asterisk answers
    assert stack.agi.sessions_total == 1 and stack.agi.errors == 0
    # the manager user's eventfilter keeps the chatter out: a queue call produces ~80 events unfiltered
    counts = stack.ami.status.event_counts
    assert counts["AgentConnect"] == 1 and counts["Newchannel"] >= 2
    assert "VarSet" not in counts and "Newexten" not in counts


async def test_caller_hanging_up_in_ivr_is_abandoned(stack: Stack, sipp: Sipp) -> None:
    p = sipp.call("4000", scenario="uac", duration_ms=300)
    await asyncio.to_thread(p.wait, 20)

    async def ended() -> bool:
        rows, _ = await stack.calls_repo.search()
        return bool(rows) and rows[0].ended_at is not None

    await wait_for(ended, 10, "the call to end")
    [call], _ = await stack.calls_repo.search()
    assert (call.outcome, call.end_reason) == ("abandoned", "caller_hangup_in_ivr")
    assert call.ivr_entered_at is not None and call.ivr_exited_at is None and call.queued_at is None
    assert stack.agi.errors == 0


async def test_resync_after_core_restart(stack: Stack) -> None:
    assert stack.asterisk_process is not None
    await stack.asterisk_process.rx("core restart now")
    await wait_for(lambda: stack.ami.status.connects >= 2 and stack.ami.ready, 40, "AMI to reconnect")
    assert stack.ami.status.resyncs >= 2
    async with _client(stack) as c:
        r = await c.get("/api/health")
    assert r.status_code == 200 and r.json()["ami"]["reconnects"] >= 1


@pytest.mark.parametrize("stack_overrides", [{"asterisk": {"restart_delay": 3.0}}])
async def test_asterisk_killed_mid_call(stack: Stack, sipp: Sipp) -> None:
    uid = await _answered_call(stack, sipp)
    proc = stack.asterisk_process
    assert proc is not None
    await proc.kill()
    sipp.close()
    await wait_for(lambda: not stack.ami.ready, 5, "the bridge to notice")
    # health while it is down: the supervisor waits asterisk.restart_delay (3 s here) before restarting it
    async with _client(stack) as c:
        r = await c.get("/api/health")
        assert r.status_code == 503
        body = r.json()
        assert body["ami"]["connected"] is False and body["asterisk"]["running"] is False
        assert body["ami"]["last_error"]
        # the call is still open: nothing has told us how it ended yet
        open_call = (await c.get("/api/calls")).json()["items"][0]
        assert open_call["in_progress"] is True

        # the managed Asterisk is restarted by the service itself; the bridge reconnects and resyncs
        await wait_for(lambda: stack.ami.ready, 30, "the bridge to reconnect to the restarted Asterisk")
        assert proc.restarts == 1 and proc.running
        assert (await c.get("/api/health")).status_code == 200
        call = (await c.get("/api/calls")).json()["items"][0]
    assert call["uniqueid"] == uid and call["in_progress"] is False
    assert call["outcome"] == "answered" and call["end_reason"] == "lost_during_disconnect"
    assert stack.tracker.active == {}


async def test_wrong_ami_secret_is_reported_and_retried(stack: Stack) -> None:
    bad = stack.settings.ami.model_copy(update={"secret": "not-the-secret"})
    c = AmiClient(bad)
    await c.start()
    try:
        await wait_for(lambda: c.status.attempts >= 2, 10, "two login attempts")
        assert "refused" in c.status.last_error and not c.ready
    finally:
        await c.stop()
    assert stack.ami.ready  # the good session is untouched


async def test_taken_ports_and_missing_binary_refuse_startup(db_url: str, workdir: Path) -> None:
    settings = stack_settings(db_url, workdir / "d1")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", settings.ami.port))
        s.listen(1)
        st = Stack(settings, run_migrations=False)
        with pytest.raises(PortInUse, match=r"ami\.port"):
            await st.start()
        assert not st.agi.listening and st.asterisk_process is not None and not st.asterisk_process.running
    settings = stack_settings(db_url, workdir / "d2")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", settings.asterisk.sip_port))
        with pytest.raises(PortInUse, match=r"asterisk\.sip_port"):
            await Stack(settings, run_migrations=False).start()
    settings = stack_settings(db_url, workdir / "d3")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", settings.agi.port))
        s.listen(1)
        with pytest.raises(PortInUse, match=r"agi\.port"):
            await Stack(settings, run_migrations=False).start()
    settings = stack_settings(db_url, workdir / "d4", asterisk={"binary": "/nonexistent/asterisk"})
    with pytest.raises(AsteriskNotInstalled, match="scripts/install-system-deps"):
        await Stack(settings, run_migrations=False).start()


async def test_external_asterisk_is_used_not_started(stack: Stack, workdir: Path) -> None:
    """asterisk.managed=false: connect to an Asterisk someone else runs (here: the fixture's) by host/port/secret."""
    s = stack.settings
    ext = stack_settings(
        f"sqlite+aiosqlite:///{workdir / 'ext.db'}", workdir / "ext",
        asterisk={"managed": False},
        ami={"host": s.ami.host, "port": s.ami.port, "username": s.ami.username, "secret": s.ami.secret},
    )
    other = Stack(ext)
    await other.start()
    try:
        await wait_for(lambda: other.ami.ready, 10, "AMI session to the external Asterisk")
        assert other.asterisk_process is None
        async with _client(other) as c:
            body = (await c.get("/api/health")).json()
        assert body["status"] == "ok"
        assert body["asterisk"] == {"version": stack.ami.status.asterisk_version, "managed": False, "running": None}
    finally:
        await other.stop()
    assert stack.asterisk_process is not None and stack.asterisk_process.running  # untouched


async def test_wrong_secret_shows_in_health(stack: Stack, workdir: Path) -> None:
    s = stack.settings
    ext = stack_settings(
        f"sqlite+aiosqlite:///{workdir / 'bad.db'}", workdir / "bad",
        asterisk={"managed": False},
        ami={"port": s.ami.port, "secret": "not-the-secret", "reconnect_min": 0.1, "reconnect_max": 0.2},
    )
    other = Stack(ext)
    await other.start()  # a refused login does not stop the service from starting...
    try:
        await wait_for(lambda: other.ami.status.attempts >= 3, 10, "login retries")
        async with _client(other) as c:
            r = await c.get("/api/health")
        assert r.status_code == 503
        ami = r.json()["ami"]
        assert ami["connected"] is False and ami["authenticated"] is False
        assert "refused" in ami["last_error"] and "Authentication failed" in ami["last_error"]
    finally:
        await other.stop()  # ...and it stops cleanly while retrying
