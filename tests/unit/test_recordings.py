"""Recording: started by Asterisk's dialplan, indexed when the call ends, a missing or empty file marked and alerted,
mute stretches kept with their times; through the real wiring with a fake Asterisk whose dialplan writes the file
where [cc-record] would (the bridge sends no MixMonitor action)."""

from __future__ import annotations

import hashlib
import re
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.app import Stack
from callcenter.asterisk.ami import AmiEvent
from callcenter.auth.models import AuditEntry
from callcenter.clock import FakeClock
from callcenter.directory.models import QueueDef
from callcenter.errors import Conflict
from callcenter.recordings.service import CRASH_PROBLEM, NotWav, repair_wav
from callcenter.settings import Settings
from tests.helpers import stack_settings, wait_for
from tests.unit.test_wallboard import Env
from tests.unit.wired import StackAmi

pytestmark = pytest.mark.db
T0 = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in the centre's timezone (UTC+8)


def uid(at: datetime, seq: int = 1) -> str:
    """An Asterisk uniqueid of a channel created at ``at``: <epoch>.<sequence>."""
    return f"{int(at.timestamp())}.{seq}"


C1, C2, OLD, KEPT = uid(T0, 1), uid(T0, 2), uid(T0, 3), uid(T0, 4)


class RecordingAmi(StackAmi):
    """The fake Asterisk. Every action succeeds silently (the bridge sends no MixMonitor: recording an unexpected
    action would show in ``sent``); its dialplan ([cc-record]) writes ``seconds`` of 8 kHz audio (or nothing / a
    bare header) for a queue call at the agent's answer, or at the arrival with ``include_ivr``, as Asterisk would
    by the time the call ends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.seconds: float | None = 2.0
        self.crash = False  # Asterisk killed before it closed the file: the header's sizes were never written
        self.written: list[Path] = []

    def attach(self, stack: Stack) -> None:
        self.settings: Settings = stack.settings
        stack.dispatcher.register("Newchannel", self._newchannel)
        stack.dispatcher.register("QueueCallerJoin", self._queue_join)
        stack.dispatcher.register("AgentConnect", self._agent_connect)

    def dialplan_path(self, uniqueid: str) -> Path:
        """${CC_RECORD_DIR}/${STRFTIME(${CUT(UNIQUEID,.,1)},${CC_RECORD_TZ},%Y/%m/%d)}/${UNIQUEID}.wav"""
        day = datetime.fromtimestamp(int(uniqueid.split(".")[0]), ZoneInfo(self.settings.timezone))
        return self.settings.recordings_dir / f"{day:%Y/%m/%d}" / f"{uniqueid}.wav"

    async def _newchannel(self, ev: AmiEvent) -> None:
        if self.settings.recording.include_ivr and ev.get("Context") == self.settings.inbound_context:
            self._mix_monitor(ev["Uniqueid"])

    async def _queue_join(self, ev: AmiEvent) -> None:
        # MixMonitor(...,b) starts just before Queue(): Asterisk creates the file (a bare header) at once
        if not self.settings.recording.include_ivr:
            self._mix_monitor(ev["Uniqueid"], header_only=True)

    async def _agent_connect(self, ev: AmiEvent) -> None:
        if not self.settings.recording.include_ivr:
            self._mix_monitor(ev["Uniqueid"])

    def _mix_monitor(self, uniqueid: str, header_only: bool = False) -> None:
        if not self.settings.recording.enabled or not re.match(r"^[0-9]{9,11}[.][0-9]+$", uniqueid):
            return  # the dialplan refuses a uniqueid that is not Asterisk's
        if self.seconds is None:
            return  # Asterisk could not write it
        path = self.dialplan_path(uniqueid)
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"" if header_only else b"\x01\x00" * int(8000 * self.seconds))
        if self.crash and not header_only:
            cut_by_a_crash(path)
        if path not in self.written:
            self.written.append(path)

    async def mix_monitor_mute(self, channel: str, muted: bool, direction: str = "both") -> None:
        self.sent.append(("mix_monitor_mute", (channel, muted, direction)))

    def __getattr__(self, name: str) -> Any:
        async def action(*args: Any, **kwargs: Any) -> None:
            self.sent.append((name, args))

        return action


def cut_by_a_crash(path: Path, odd_tail: bool = False) -> None:
    """What Asterisk leaves when it dies mid-recording: the audio so far under a header whose RIFF and data
    sizes are still 0 (written at open, filled in only at close)."""
    data = bytearray(path.read_bytes())
    data[4:8] = data[40:44] = b"\x00\x00\x00\x00"
    path.write_bytes(bytes(data) + (b"\x07" if odd_tail else b""))


@pytest.fixture
async def env(db_url: str, workdir: Path) -> AsyncIterator[Env]:
    clock = FakeClock(T0)
    ami = RecordingAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"finish_timeout_seconds": 0.6}), clock=clock,
                  run_migrations=False, ami=ami)  # type: ignore[arg-type]
    ami.attach(stack)
    await stack.load_directory()
    try:
        yield Env(stack, ami, clock)  # type: ignore[arg-type]
    finally:
        await stack.recorder.close()
        await stack.pop.close()
        await stack.engine.dispose()


async def _indexed(env: Env, uid: str) -> Any:
    async def done() -> bool:
        row = await env.stack.recordings.get(uid)
        return row is not None and row.status != "recording"

    await wait_for(done, 10, "the recording to be indexed")
    return await env.stack.recordings.get(uid)


async def test_an_answered_call_is_recorded_in_the_centres_date_folder_and_indexed(env: Env) -> None:
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    assert env.stack.recorder.live[C1].agent_username == "li"
    env.clock.advance(2)
    await env.hang_up(C1, talk=2)
    row = await _indexed(env, C1)
    root = env.stack.settings.recordings_dir
    # Asterisk's dialplan wrote the file; the bridge sent no MixMonitor (it would need the AMI system class)
    assert env.ami.written == [root / f"2026/03/02/{C1}.wav"]
    assert not [name for name, _ in env.ami.sent if name.startswith("mix_monitor") and name != "mix_monitor_mute"]
    assert (row.status, row.path, row.queue, row.agent_extension, row.agent_username) == (
        "ok", f"2026/03/02/{C1}.wav", "support", "1001", "li")
    data = (root / row.path).read_bytes()
    assert (row.size_bytes, row.sha256, row.duration_seconds) == (len(data), hashlib.sha256(data).hexdigest(), 2.0)
    assert row.started_at == T0 and row.ended_at == datetime(2026, 3, 1, 17, 0, 2, tzinfo=UTC)
    assert C1 not in env.stack.recorder.live


@pytest.mark.parametrize(("call", "seconds", "status", "problem"), [
    (C1, None, "missing", f"no recording file 2026/03/02/{C1}.wav after the call"),
    (C1, 0.0, "empty", f"the recording 2026/03/02/{C1}.wav holds no audio"),
    # the dialplan records only an Asterisk uniqueid (<epoch>.<sequence>): said so, not a bare "missing"
    ("c1", 2.0, "missing", "not recorded: the call's uniqueid 'c1' is not Asterisk's <epoch>.<sequence>"),
])
async def test_a_missing_or_empty_recording_is_marked_and_alerted(env: Env, call: str, seconds: float | None,
                                                                  status: str, problem: str) -> None:
    env.ami.seconds = seconds  # type: ignore[attr-defined]
    await env.agent("li", "1001")
    await env.arrive(call)
    await env.answer(call)
    await env.hang_up(call, talk=2)
    row = await _indexed(env, call)
    assert (row.status, row.problem) == (status, problem)
    env.board.tick()
    alert = env.board.alerts[f"recording:{call}"]
    assert alert["kind"] == "recording" and alert["detail"]["problem"] == problem and alert["username"] == "li"


async def test_a_call_answered_after_midnight_is_in_its_arrival_days_folder(env: Env) -> None:
    """The dialplan names the day folder from the uniqueid's epoch (the arrival): the Recorder expects the file
    there, not in the answer's day (it did: the file was then never found)."""
    await env.agent("li", "1001")
    env.clock.set(T0 - timedelta(hours=1, seconds=5))  # 23:59:55 on 1 March in the centre
    call = uid(env.clock.now(), 7)
    await env.arrive(call)
    env.clock.advance(10)  # answered at 00:00:05 on 2 March
    await env.answer(call)
    env.clock.advance(2)
    await env.hang_up(call, talk=2)
    row = await _indexed(env, call)
    assert (row.status, row.path) == ("ok", f"2026/03/01/{call}.wav"), row.problem
    assert env.ami.written == [env.stack.settings.recordings_dir / row.path]


async def test_a_caller_who_hangs_up_in_the_queue_leaves_no_file_and_no_row(env: Env) -> None:
    """MixMonitor(...,b) creates its file before Queue() and writes only once bridged: the bare header an
    unanswered call leaves is deleted when the call ends (no row names it, retention would never see it)."""
    await env.agent("li", "1001", ready=False)
    await env.arrive(C1)
    path = env.ami.dialplan_path(C1)  # type: ignore[attr-defined]
    assert path.stat().st_size == 44
    env.clock.advance(5)
    await env.abandon(C1)
    await wait_for(lambda: not path.exists(), 10, "the bare header to be deleted")
    assert await env.stack.recordings.get(C1) is None
    # an answered call's file is indexed, not deleted, even if it holds no audio
    env.ami.seconds = 0.0  # type: ignore[attr-defined]
    await env.stack.acd.ready(env.user)
    await env.arrive(C2)
    await env.answer(C2)
    await env.hang_up(C2, talk=2)
    row = await _indexed(env, C2)
    assert row.status == "empty" and env.ami.dialplan_path(C2).exists()  # type: ignore[attr-defined]


async def test_muted_stretches_are_kept_with_their_times(env: Env) -> None:
    await env.agent("li", "1001")
    with pytest.raises(Conflict):
        await env.stack.recorder.mute(C1, True, by="li")  # no call yet
    await env.arrive(C1)
    await env.answer(C1)
    await wait_for(lambda: env.stack.recorder.live[C1].started.done(), 5, "the recording to start")
    env.clock.advance(3)
    await env.stack.recorder.mute(C1, True, by="li")
    await env.stack.recorder.mute(C1, True, by="li")  # twice: one stretch
    assert env.stack.recorder.muted(C1)
    # a desktop reloaded (or reconnected) mid-call learns that the recording is muted
    assert env.stack.desk.state(env.user)["recording_muted"] is True
    env.clock.advance(4.5)
    res = await env.stack.recorder.mute(C1, False, by="li")
    assert env.stack.desk.state(env.user)["recording_muted"] is False
    assert res["mutes"] == [{"from": 3.0, "to": 7.5, "by": "li"}]
    env.clock.advance(1)
    await env.stack.recorder.mute(C1, True, by="li")  # muted until the hang-up
    env.clock.advance(2)
    await env.hang_up(C1, talk=10)
    row = await _indexed(env, C1)
    assert row.mutes == [{"from": 3.0, "to": 7.5, "by": "li"}, {"from": 8.5, "to": 10.5, "by": "li"}]
    assert [s for s in env.ami.sent if s[0] == "mix_monitor_mute"] == [
        ("mix_monitor_mute", (f"PJSIP/trunk-{C1}", True, "both")),
        ("mix_monitor_mute", (f"PJSIP/trunk-{C1}", False, "both")),
        ("mix_monitor_mute", (f"PJSIP/trunk-{C1}", True, "both"))]


async def test_a_recording_whose_call_ended_while_the_service_was_down_is_checked_at_start(
        env: Env, db_url: str, workdir: Path) -> None:
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    await wait_for(lambda: env.stack.recorder.live[C1].started.done(), 5, "the recording to start")
    # the service stops during the call; the call ends meanwhile
    again = Stack(env.stack.settings, clock=env.clock, run_migrations=False)
    try:
        await again.recorder.adopt({})
        row = await _indexed(Env(again, env.ami, env.clock), C1)  # type: ignore[arg-type]
        assert (row.status, row.duration_seconds) == ("ok", 2.0)
    finally:
        await again.recorder.close()
        await again.engine.dispose()


async def test_recordings_past_their_queues_retention_are_deleted_and_the_deletion_logged(env: Env) -> None:
    await set_retention(env.stack, {"support": 30})  # complaints keeps its recordings (0)
    await env.agent("li", "1001", queue="support")
    await env.agent("wu", "1002", queue="complaints")
    for call, queue, ext in ((OLD, "support", "1001"), (KEPT, "complaints", "1002")):
        await env.arrive(call, queue=queue)
        await env.answer(call, ext=ext, queue=queue)
        await env.hang_up(call, ext=ext, queue=queue, talk=2)
        await _indexed(env, call)
        await env.stack.acd.ready(env.user)
    env.clock.advance(29 * 86400)
    new_uid = uid(env.clock.now(), 5)
    await env.arrive(new_uid)
    await env.answer(new_uid)
    await env.hang_up(new_uid, talk=2)
    await _indexed(env, new_uid)
    root = env.stack.settings.recordings_dir
    env.clock.advance(2 * 86400)  # "old" is 31 days old now, "new" 2 days
    assert await env.stack.recorder.purge(await env.stack._retention_days(), env.stack.auth.audit) == 1
    old, kept, new = [await env.stack.recordings.get(u) for u in (OLD, KEPT, new_uid)]
    assert (old.status, old.deleted_at) == ("deleted", env.clock.now()) and not (root / old.path).exists()
    assert kept.status == "ok" and (root / kept.path).exists()
    assert new.status == "ok" and (root / new.path).exists()
    async with env.stack.sessions() as s:
        [entry] = list((await s.execute(select(AuditEntry).where(AuditEntry.action == "recording.delete"))).scalars())
    assert (entry.username, entry.target) == ("system", f"call:{OLD}")
    assert entry.detail["path"] == old.path and entry.detail["retention_days"] == 30 and entry.detail["file_existed"]
    assert await env.stack.recorder.purge(await env.stack._retention_days(), env.stack.auth.audit) == 0  # once


async def set_retention(stack: Stack, days: dict[str, int]) -> None:
    async with stack.sessions() as s:
        for q in (await s.execute(select(QueueDef))).scalars():
            q.recording_retention_days = days.get(q.name, 0)
        await s.commit()


async def test_with_the_ivr_part_a_call_is_recorded_from_its_arrival(db_url: str, workdir: Path) -> None:
    clock = FakeClock(T0)
    ami = RecordingAmi()
    stack = Stack(stack_settings(db_url, workdir / "data", recording={"finish_timeout_seconds": 0.6,
                                                                      "include_ivr": True}),
                  clock=clock, run_migrations=False, ami=ami)  # type: ignore[arg-type]
    ami.attach(stack)
    await stack.load_directory()
    env = Env(stack, ami, clock)  # type: ignore[arg-type]
    try:
        await env.agent("li", "1001")
        await env.arrive(C1)  # recording starts here, before any agent
        await wait_for(lambda: stack.recorder.live[C1].started.done(), 5, "the recording to start")
        path = stack.settings.recordings_dir / f"2026/03/02/{C1}.wav"
        assert ami.written == [path]  # the dialplan started it at the arrival
        env.clock.advance(5)
        await env.answer(C1)
        assert ami.written == [path]  # the same recording goes on
        await env.hang_up(C1, talk=2)
        row = await _indexed(env, C1)
        assert (row.status, row.started_at, row.queue, row.agent_username) == ("ok", T0, "support", "li")
        # a caller who never reaches an agent is recorded too (the IVR and the wait)
        await env.arrive(C2)
        await env.abandon(C2)
        row = await _indexed(env, C2)
        assert (row.status, row.queue, row.agent_username) == ("ok", None, None)
    finally:
        await stack.recorder.close()
        await stack.pop.close()
        await stack.engine.dispose()


def _wav(path: Path, seconds: float) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * int(8000 * seconds))


def test_a_wav_asterisk_never_closed_is_repaired_from_its_length(tmp_path: Path) -> None:
    path = tmp_path / "c1.wav"
    _wav(path, 1.5)
    good = path.read_bytes()
    assert repair_wav(path) is False and path.read_bytes() == good  # a closed file is left alone
    cut_by_a_crash(path, odd_tail=True)  # sizes 0, and half a sample written when it died
    with pytest.raises(wave.Error):
        wave.open(str(path), "rb")  # what the indexer used to trip on ("not a WAVE file")
    path.chmod(0o600)
    assert repair_wav(path) is True
    assert path.read_bytes() == good and path.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob(".*repair"))  # no temporary file left
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == 12000
    path.write_bytes(b"ID3 not a wav at all" * 10)
    with pytest.raises(NotWav):
        repair_wav(path)


async def test_a_recording_cut_by_an_asterisk_crash_is_repaired_indexed_and_said_to_be_cut_short(env: Env) -> None:
    env.ami.crash = True  # type: ignore[attr-defined]
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    env.clock.advance(2)
    await env.hang_up(C1, talk=2)  # (the call tracker's resync ends it the same way after Asterisk restarts)
    row = await _indexed(env, C1)
    path = env.stack.settings.recordings_dir / row.path
    data = path.read_bytes()
    assert (row.status, row.duration_seconds) == ("ok", 2.0)
    assert row.problem == CRASH_PROBLEM.format(seconds=2.0) and "cut short by an Asterisk crash" in row.problem
    assert (row.size_bytes, row.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    with wave.open(str(path), "rb") as w:
        assert w.getnframes() == 16000
    env.board.tick()
    assert env.board.alerts[f"recording:{C1}"]["detail"]["problem"] == row.problem


async def test_a_crash_cut_recording_left_open_is_finished_at_start(env: Env) -> None:
    env.ami.crash = True  # type: ignore[attr-defined]
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    await wait_for(lambda: env.stack.recorder.live[C1].started.done(), 5, "the recording to start")
    # the service and Asterisk die together; at the next start the call is no longer open
    again = Stack(env.stack.settings, clock=env.clock, run_migrations=False)
    try:
        await again.recorder.adopt({})
        row = await _indexed(Env(again, env.ami, env.clock), C1)  # type: ignore[arg-type]
        assert (row.status, row.duration_seconds) == ("ok", 2.0) and "Asterisk crash" in row.problem
    finally:
        await again.recorder.close()
        await again.engine.dispose()


async def test_a_file_that_is_no_wav_at_all_is_marked_not_left_recording(env: Env) -> None:
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    await wait_for(lambda: env.stack.recorder.live[C1].started.done(), 5, "the recording to start")
    (env.stack.settings.recordings_dir / f"2026/03/02/{C1}.wav").write_bytes(b"\x00" * 4000)
    await env.hang_up(C1, talk=2)
    row = await _indexed(env, C1)
    assert row.status == "empty" and "not a readable WAV file" in row.problem


async def test_a_recording_whose_indexing_failed_is_finished_by_the_next_pass(env: Env) -> None:
    recorder, repo = env.stack.recorder, env.stack.recordings
    await env.agent("li", "1001")
    await env.arrive(C1)
    await env.answer(C1)
    await wait_for(lambda: recorder.live[C1].started.done(), 5, "the recording to start")
    real_change = repo.change
    failing = True

    async def change(uid: str, **values: Any) -> None:
        if failing and "status" in values:
            raise ConnectionRefusedError("database down")
        await real_change(uid, **values)

    repo.change = change  # type: ignore[method-assign]
    await env.hang_up(C1, talk=2)
    await wait_for(lambda: C1 not in recorder.live, 10, "the indexing attempt to end")
    assert (await repo.get(C1)).status == "recording"  # type: ignore[union-attr]
    failing = False
    assert await recorder.finish_orphans() == 1
    row = await _indexed(env, C1)
    assert (row.status, row.duration_seconds) == ("ok", 2.0)
    assert await recorder.finish_orphans() == 0
